"""Actions out: what the engine decided should happen on a platform.

Each action carries a deterministic idempotency ``key`` (e.g. ``welcome:{community}:{user}``).
The outbox has a unique constraint on it, so duplicates from retries, replays, restarts or a
second process collapse at insert time. Actions serialise to JSON (``to_json``/``from_json``)
to live in the outbox until delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from cohortbot.playbook.messages import Form, RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef

__all__ = [
    "ACTION_TYPES",
    "Action",
    "AddReaction",
    "BuildReport",
    "CreateLiveSession",
    "CreatePoll",
    "GrantRole",
    "OpenForm",
    "PinMessage",
    "PostMessage",
    "RespondToInteraction",
    "RevokeRole",
    "RunSetup",
    "SendDirectMessage",
    "SendGroupMessage",
    "StartThread",
    "action_from_json",
    "action_to_json",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Action:
    key: str
    community: CommunityRef
    notify: bool = False  # feed an ActionDelivered event back to the engine once delivered
    origin: str = ""  # the step that decided it (set by StepContext.emit); ActionDelivered goes there
    private: bool = False  # one member's personal data: once delivered the outbox keeps no payload

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, kw_only=True, slots=True)
class SendDirectMessage(Action):
    to: UserRef
    message: RichMessage
    fallback_channel: ChannelRef | None = None  # where to mention them if DMs are refused
    fallback_prefix: str = ""  # put before the text there (e.g. a mention)


@dataclass(frozen=True, kw_only=True, slots=True)
class SendGroupMessage(Action):
    """One conversation with several members (a match, a project group).

    Platforms without bot group DMs (Discord) open a private thread in ``fallback_channel``.
    """

    to: tuple[UserRef, ...]
    message: RichMessage
    fallback_channel: ChannelRef | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PostMessage(Action):
    channel: ChannelRef
    message: RichMessage
    thread: MessageRef | None = None  # answer inside this message's thread


@dataclass(frozen=True, kw_only=True, slots=True)
class RespondToInteraction(Action):
    """Answer a slash command, button press or form submission (ephemeral by default)."""

    interaction: InteractionRef
    message: RichMessage
    ephemeral: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class OpenForm(Action):
    """Open a modal in answer to an interaction (must be its first response on Discord)."""

    interaction: InteractionRef
    form: Form


@dataclass(frozen=True, kw_only=True, slots=True)
class AddReaction(Action):
    message: MessageRef
    emoji: str


@dataclass(frozen=True, kw_only=True, slots=True)
class StartThread(Action):
    message: MessageRef
    name: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PinMessage(Action):
    message: MessageRef


@dataclass(frozen=True, kw_only=True, slots=True)
class GrantRole(Action):
    """Give a member a role by name (Discord role; Slack user group handle)."""

    member: UserRef
    role: str


@dataclass(frozen=True, kw_only=True, slots=True)
class RevokeRole(Action):
    member: UserRef
    role: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CreateLiveSession(Action):
    """A native scheduled event (Discord) for a live session."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    channel: ChannelRef | None = None  # a voice/stage channel; None -> external ``location``
    location: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class CreatePoll(Action):
    """A native, non-anonymous poll (Discord)."""

    channel: ChannelRef
    question: str
    options: tuple[str, ...]
    duration_hours: int = 24
    allow_multiple: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildReport(Action):
    """Build a report off the event path, then send it: performed by the bot itself (its
    reports job, ``bot/reports_job.py``), never by an adapter.

    The decision only records the request (in the outbox, with the decision, so it survives a
    crash and runs once); the report is read and drawn later, outside the runtime's decisions.
    ``report`` names it (the health step's); it covers the local days ``[since, until)`` with
    history from ``history_from`` and newcomers from ``newcomers_from``. The answer goes to
    ``interaction`` while it can still be answered (the member asked at ``requested_at``),
    else to ``channel``; a digest has only a ``channel``.
    """

    report: str
    since: date
    until: date
    history_from: date
    newcomers_from: date
    channel: ChannelRef | None = None
    interaction: InteractionRef | None = None
    requested_at: datetime | None = None
    footer: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class RunSetup(Action):
    """Look at the server or workspace against the playbook, off the event path, then answer:
    performed by the bot itself (its setup job, ``bot/setup_job.py``), never by an adapter.

    ``task`` is ``"plan"`` (what ``cohortbot setup --dry-run`` prints), ``"apply"`` (create what
    is missing, say what was created) or ``"check"`` (``cohortbot doctor``'s checks of this
    community; answered only with what fails, and a line when all passed). The answer goes to
    ``interaction`` while it can still be answered (asked at ``requested_at``), else to
    ``channel``.
    """

    task: str
    interaction: InteractionRef
    requested_at: datetime | None = None
    channel: ChannelRef | None = None


ACTION_TYPES: dict[str, type[Action]] = {
    cls.__name__: cls
    for cls in (
        SendDirectMessage,
        SendGroupMessage,
        PostMessage,
        RespondToInteraction,
        OpenForm,
        AddReaction,
        StartThread,
        PinMessage,
        GrantRole,
        RevokeRole,
        CreateLiveSession,
        CreatePoll,
        BuildReport,
        RunSetup,
    )
}


@cache
def _adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(ACTION_TYPES[kind])


def action_to_json(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = _adapter(action.kind).dump_python(action, mode="json")
    return data


def action_from_json(kind: str, data: dict[str, Any]) -> Action:
    if kind not in ACTION_TYPES:
        raise ValueError(f"unknown action kind {kind!r}")
    action: Action = _adapter(kind).validate_python(data)
    return action
