"""What a playbook step is, and the context a step decides in."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cohortbot.playbook.actions import Action, PostMessage, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.commands import CommandSpec, OptionSpec
from cohortbot.playbook.events import Actor, Event
from cohortbot.playbook.messages import RichMessage, channel_link
from cohortbot.playbook.model import CHANNEL_ROLES, CommunityPlaybook, StepConfig
from cohortbot.playbook.ports import (
    Calendar,
    Capabilities,
    ChartRenderer,
    Clock,
    Links,
    Member,
    SentimentAnalyzer,
    Timer,
    UnitOfWork,
    pseudonym,
)
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef
from cohortbot.playbook.state import Document, DocumentStore, MemberSection, StateError
from cohortbot.playbook.templates import render

__all__ = [
    "Command",
    "Document",
    "DocumentStore",
    "Handler",
    "LoadedPlaybook",
    "MemberSection",
    "PrivacyExport",
    "PrivacyForget",
    "ScheduleSpec",
    "StateError",
    "Step",
    "StepContext",
    "StepMessage",
    "TimerPayload",
    "command",
]

C = TypeVar("C", bound=StepConfig)
D = TypeVar("D", bound=Document)
S = TypeVar("S", bound=MemberSection)
log = logging.getLogger("cohortbot.engine")


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleSpec:
    """A recurring occurrence a step wants: a cron expression in the community's zone.

    ``where`` is the config path of the cron field (for precise load errors).
    """

    name: str  # unique within the step; fired as "<step>.<name>"
    cron: str  # "0 9 * * mon" (minute hour day month weekday)
    grace: timedelta = timedelta(hours=1)
    where: tuple[str | int, ...] = ()
    jitter_window: timedelta | None = None  # random moment inside the window (surprise events)
    fires: bool = True  # False: only validated at load (the step computes times via ctx.calendar)


@dataclass(frozen=True, kw_only=True)
class LoadedPlaybook:
    """A validated playbook: the community part, each configured step's section, its file."""

    community: CommunityPlaybook
    steps: Mapping[str, StepConfig]
    source: str = "<memory>"

    @property
    def name(self) -> str:
        return self.community.name

    def enabled(self, step: str) -> bool:
        cfg = self.steps.get(step)
        return cfg is not None and cfg.enabled


class TimerPayload(BaseModel):
    """What a one-off timer carries back to its step; the step dispatches on the class."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, kw_only=True)
class StepMessage:
    """A typed message a step publishes to other steps, handled in the same transaction."""


@dataclass(kw_only=True)
class StepContext(Generic[C]):
    """Everything a step may use while deciding on one event."""

    event: Event
    playbook: CommunityPlaybook
    config: C
    uow: UnitOfWork
    clock: Clock
    calendar: Calendar
    sentiment: SentimentAnalyzer | None = None  # None: not configured; steps degrade
    charts: ChartRenderer | None = None  # None: text-only reports
    links: Links | None = None  # None: no address served outside the chat (no calendar feed)
    capabilities: Capabilities
    step: str
    loaded: LoadedPlaybook
    catalog: Sequence[CommandSpec] = ()
    peers: Sequence[Step[Any]] = ()  # every registered step (the privacy step visits them all)
    actions: list[Action] = field(default_factory=list)
    published: list[StepMessage] = field(default_factory=list)

    @property
    def community(self) -> CommunityRef:
        return self.event.community

    def for_step(self, other: Step[Any]) -> StepContext[Any]:
        """The same event and transaction seen as ``other`` (its name, its config section).

        For the privacy step to run every step's export and forget hooks, enabled or not.
        """
        config: StepConfig | None = self.loaded.steps.get(other.name)
        if config is None:
            try:
                config = other.config()
            except ValidationError:  # a section with required fields the playbook doesn't have
                config = other.config.model_construct()
        seen: StepContext[Any] = dataclasses.replace(self, step=other.name, actions=[], published=[])
        seen.config = config
        return seen

    @property
    def now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------------ actions out

    def emit(self, *actions: Action) -> None:
        """Decide actions; each remembers this step, so its ``ActionDelivered`` comes back here."""
        self.actions.extend(a if a.origin else dataclasses.replace(a, origin=self.step) for a in actions)

    def key(self, *parts: object) -> str:
        """A deterministic idempotency key scoped to this step and community."""
        return ":".join([self.step, str(self.community), *(str(p) for p in parts)])

    def post(
        self,
        channel: ChannelRef,
        message: RichMessage | str,
        *,
        key: str,
        thread: MessageRef | None = None,
        notify: bool = False,
        private: bool = False,
    ) -> None:
        """Post in a channel (or in ``thread``); ``key`` as from :meth:`key`."""
        body = RichMessage(text=message) if isinstance(message, str) else message
        self.emit(
            PostMessage(
                key=key,
                community=self.community,
                channel=channel,
                message=body,
                thread=thread,
                notify=notify,
                private=private,
            )
        )

    def dm(
        self,
        to: UserRef,
        message: RichMessage | str,
        *,
        key: str,
        fallback: ChannelRef | None = None,
        fallback_prefix: str = "",
        notify: bool = False,
        private: bool = False,
    ) -> None:
        """A direct message; where DMs are refused, a mention in ``fallback`` instead.

        ``private``: it carries one member's personal data (an export): once delivered, the
        outbox keeps no payload.
        """
        body = RichMessage(text=message) if isinstance(message, str) else message
        self.emit(
            SendDirectMessage(
                key=key,
                community=self.community,
                to=to,
                message=body,
                fallback_channel=fallback,
                fallback_prefix=fallback_prefix,
                notify=notify,
                private=private,
            )
        )

    def respond(
        self,
        interaction: InteractionRef,
        text: str,
        *,
        ephemeral: bool = True,
        private: bool = False,
        **kw: Any,
    ) -> None:
        """Answer the interaction of the current event (one answer per interaction per step)."""
        self.emit(
            RespondToInteraction(
                key=f"respond:{interaction.platform}:{interaction.id}:{self.step}",
                community=self.community,
                interaction=interaction,
                message=RichMessage(text=text, **kw),
                ephemeral=ephemeral,
                private=private,
            )
        )

    def publish(self, message: StepMessage) -> None:
        """Hand a typed message to the steps that handle its class, in this same transaction."""
        self.published.append(message)

    # ------------------------------------------------------------------ channels and text

    def channel(self, role: str) -> ChannelRef | None:
        """The playbook's channel for a role ("welcome", "intros", "moderators"...)."""
        return self.playbook.channel(role, self.community.platform)

    def resolve(self, spec: str | None, *, default: str | None = None) -> ChannelRef | None:
        """A channel named in config: a playbook role ("intros") or a channel name or id.

        Without ``spec``, the playbook's channel for the ``default`` role (if any).
        """
        if spec:
            name = spec.removeprefix("#")
            role = self.channel(name) if name in CHANNEL_ROLES else None
            return role or ChannelRef(self.community.platform, name=name)
        return self.channel(default) if default else None

    def is_moderator(self, actor: Actor) -> bool:
        return self.playbook.moderators.includes(actor.user, actor.roles, is_admin=actor.is_admin)

    def fill(self, text: str, *, member: Member | UserRef | None = None, **extra: str) -> str:
        """Render a template with the community-wide placeholders plus ``extra``."""
        values = {
            "community": self.playbook.display_name(self.community),
            "guidelines": self.playbook.guidelines.summary(),
            "facilitators": ", ".join(self.playbook.facilitators),
        }
        for role, key in (("intros", "intro_channel"), ("welcome", "welcome_channel")):
            ch = self.channel(role)
            values[key] = channel_link(ch) if ch else f"#{role}"
        if member is not None:
            user = member.user if isinstance(member, Member) else member
            values["member"] = member.display_name if isinstance(member, Member) else user.label
            values["mention"] = f"<@{user.id}>"
        values.update(extra)
        return render(text, values)

    # ------------------------------------------------------------------ timers

    async def set_timer(
        self,
        payload: TimerPayload,
        due_at: datetime,
        *,
        name: str = "",
        subject: UserRef | None = None,
    ) -> None:
        """A one-off timer: at ``due_at`` this step's handler for ``type(payload)`` gets it back.

        The timer's identity is the payload class, ``name`` and ``subject``: setting the same
        one again moves it instead of adding a second.
        """
        kind, key = _timer_identity(self.step, self.community, type(payload), name, subject)
        await self.uow.timers.set(
            Timer(
                key=key,
                community=self.community,
                due_at=due_at,
                kind=kind,
                subject=subject,
                data=payload.model_dump(mode="json"),
            )
        )

    async def cancel_timer(
        self, payload_type: type[TimerPayload], *, name: str = "", subject: UserRef | None = None
    ) -> None:
        _kind, key = _timer_identity(self.step, self.community, payload_type, name, subject)
        await self.uow.timers.cancel(key)

    # ------------------------------------------------------------------ members

    async def member(self, user: UserRef) -> Member | None:
        return await self.uow.members.get(self.community, user)

    async def touch_member(self, user: UserRef, *, display_name: str = "") -> Member:
        """The member's record, created on first sight (members who predate the bot).

        A member who had their data deleted comes back with what the bot must still honour:
        they stay opted out of statistics and are not welcomed a second time.
        """
        member = await self.member(user)
        if member is not None:
            return member
        member = Member(community=self.community, user=user, display_name=display_name or user.label)
        stand_in = UserRef(user.platform, pseudonym(self.community, user))
        erased = await self.uow.members.get(self.community, stand_in)
        if erased is not None:
            member.analytics_opt_out = erased.analytics_opt_out
            member.joined_at, member.welcomed_at, member.onboarded_at = (
                erased.joined_at,
                erased.welcomed_at,
                erased.onboarded_at,
            )
            member.join_count = erased.join_count
        return member

    def section(self, member: Member, model: type[S]) -> S:
        """This step's typed part of the member's record (defaults when there is none yet)."""
        raw = member.data.get(self.step)
        if raw is None:
            return model()
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise StateError(f"{self.step}: member section of {member.user} is unreadable: {exc}") from None

    def set_section(self, member: Member, value: MemberSection | None) -> None:
        """Replace this step's part of the member's record (``None`` drops it); save the member after."""
        if value is None:
            member.data.pop(self.step, None)
        else:
            member.data[self.step] = value.model_dump(mode="json", exclude_defaults=True)

    # ------------------------------------------------------------------ documents

    @property
    def docs(self) -> DocumentStore:
        return DocumentStore(self.uow.state, self.community, self.step)

    async def find(self, model: type[D], id: str = "") -> D | None:
        """This step's stored document, or None."""
        return await self.docs.find(model, id)

    async def load(self, model: type[D], id: str = "") -> D:
        """This step's stored document, or a fresh one with the model's defaults."""
        return await self.docs.load(model, id)

    async def store(self, doc: Document, id: str = "") -> None:
        await self.docs.store(doc, id)

    async def drop(self, model: type[Document], id: str = "") -> None:
        await self.docs.drop(model, id)

    async def ids(self, model: type[Document]) -> list[str]:
        """The ids of this step's stored documents of a many-documents model, sorted."""
        return await self.docs.ids(model)


def _timer_identity(
    step: str, community: CommunityRef, payload_type: type[TimerPayload], name: str, subject: UserRef | None
) -> tuple[str, str]:
    """A timer's kind (``"<step>.<Class>"``) and key (the kind, name, community, subject)."""
    kind = f"{step}.{payload_type.__name__}"
    parts = [kind + (f":{name}" if name else ""), str(community)]
    if subject is not None:
        parts.append(str(subject))
    return kind, ":".join(parts)


Handler = Callable[[Any, StepContext[Any]], Awaitable[None]]
PrivacyExport = Callable[[StepContext[Any], UserRef], Awaitable[dict[str, Any]]]
"""What a step keeps about a member outside their member record, as JSON-able data."""
PrivacyForget = Callable[[StepContext[Any], UserRef], Awaitable[None]]
"""Remove the member from the step's documents (their id, and any name kept with it)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    spec: CommandSpec
    handler: Handler


def command(
    path: str | tuple[str, ...],
    description: str,
    handler: Handler,
    *options: OptionSpec,
    moderator: bool = False,
) -> Command:
    """One ``/cohort`` command: ``command("session create", "...", handler, OptionSpec(...))``."""
    parts = tuple(path.split()) if isinstance(path, str) else path
    return Command(
        spec=CommandSpec(path=parts, description=description, options=options, moderator=moderator),
        handler=handler,
    )


@dataclass(frozen=True, kw_only=True)
class Step(Generic[C]):
    """One playbook step: its config section, handlers, timers, commands, schedules, privacy.

    Routing: ButtonPressed/FormSubmitted reach a step when their ``action_id``/``form_id``
    starts with ``"<name>:"``; ScheduleFired when its schedule does; TimerFired goes to the
    step that set the timer, to its handler for the payload's class (``timers``);
    ActionDelivered goes to the step that emitted the action; CommandInvoked by the command
    path; a :class:`StepMessage` another step published reaches every step with a handler for
    its class; every other event reaches each step that has a handler for its class.

    Privacy: a step that keeps anything about a member in its documents (``documents``)
    implements ``export`` and ``forget``; its part of the member record (``Member.data``)
    is exported and forgotten with the record.
    """

    name: str
    config: type[C]
    handlers: Mapping[type[Event] | type[StepMessage], Handler] = field(default_factory=dict)
    timers: Mapping[type[TimerPayload], Handler] = field(default_factory=dict)
    commands: Sequence[Command] = ()
    schedules: Callable[[C, CommunityPlaybook], list[ScheduleSpec]] | None = None
    always_on: bool = False  # runs even without a playbook section (core bookkeeping)
    documents: Sequence[type[Document]] = ()
    section: type[MemberSection] | None = None
    export: PrivacyExport | None = None
    forget: PrivacyForget | None = None

    def timer_type(self, kind: str) -> type[TimerPayload] | None:
        """The payload class a stored timer kind (``"<step>.<Class>"``) stands for."""
        wanted = kind.removeprefix(f"{self.name}.")
        return next((t for t in self.timers if t.__name__ == wanted), None)
