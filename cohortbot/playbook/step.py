"""What a playbook step is, and the context a step decides in."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from cohortbot.playbook.actions import Action, RespondToInteraction
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.events import Actor, Event
from cohortbot.playbook.messages import RichMessage, channel_link
from cohortbot.playbook.model import CommunityPlaybook, StepConfig
from cohortbot.playbook.ports import (
    Calendar,
    Capabilities,
    ChartRenderer,
    Clock,
    Member,
    SentimentAnalyzer,
    Timer,
    UnitOfWork,
)
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, UserRef
from cohortbot.playbook.templates import render

__all__ = [
    "Command",
    "Handler",
    "LoadedPlaybook",
    "ScheduleSpec",
    "Step",
    "StepContext",
]

C = TypeVar("C", bound=StepConfig)
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
    capabilities: Capabilities
    step: str
    loaded: LoadedPlaybook
    catalog: Sequence[CommandSpec] = ()
    actions: list[Action] = field(default_factory=list)

    @property
    def community(self) -> CommunityRef:
        return self.event.community

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def emit(self, *actions: Action) -> None:
        self.actions.extend(actions)

    def channel(self, role: str) -> ChannelRef | None:
        """The playbook's channel for a role ("welcome", "intros", "moderators"...)."""
        return self.playbook.channel(role, self.community.platform)

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

    def respond(self, interaction: InteractionRef, text: str, *, ephemeral: bool = True, **kw: Any) -> None:
        """Answer the interaction of the current event (one answer per interaction per step)."""
        self.emit(
            RespondToInteraction(
                key=f"respond:{interaction.platform}:{interaction.id}:{self.step}",
                community=self.community,
                interaction=interaction,
                message=RichMessage(text=text, **kw),
                ephemeral=ephemeral,
            )
        )

    async def set_timer(
        self, name: str, due_at: datetime, *, subject: UserRef | None = None, **data: Any
    ) -> None:
        """A one-off timer; fires ``TimerFired(kind="<step>.<name>")`` to this step."""
        who = f":{subject}" if subject else ""
        await self.uow.timers.set(
            Timer(
                key=f"{self.step}.{name}:{self.community}{who}",
                community=self.community,
                due_at=due_at,
                kind=f"{self.step}.{name}",
                subject=subject,
                data=data,
            )
        )

    async def member(self, user: UserRef) -> Member | None:
        return await self.uow.members.get(self.community, user)


Handler = Callable[[Any, StepContext[Any]], Awaitable[None]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    spec: CommandSpec
    handler: Handler


@dataclass(frozen=True, kw_only=True)
class Step(Generic[C]):
    """One playbook step: its config section, its handlers, its commands, its schedules.

    Routing: ButtonPressed/FormSubmitted reach a step when their ``action_id``/``form_id``
    starts with ``"<name>:"``; TimerFired when its kind starts with ``"<name>."``;
    ScheduleFired when its schedule does; CommandInvoked by the command path; every other
    event reaches each step that has a handler for its class.
    """

    name: str
    config: type[C]
    handlers: Mapping[type[Event], Handler] = field(default_factory=dict)
    commands: Sequence[Command] = ()
    schedules: Callable[[C, CommunityPlaybook], list[ScheduleSpec]] | None = None
    always_on: bool = False  # runs even without a playbook section (core bookkeeping)
