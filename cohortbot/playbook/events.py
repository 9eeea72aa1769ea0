"""Events in: what happened on a platform (or on the clock), in neutral terms.

Every event is a frozen, keyword-only dataclass keyed by its class. ``event_id`` is unique per
platform occurrence and drives de-duplication (gateway replays, Slack retries, restarts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, UserRef

__all__ = [
    "EMAIL_MAX",
    "HANDLE_MAX",
    "ActionDelivered",
    "Actor",
    "ButtonPressed",
    "CommandInvoked",
    "Event",
    "FormSubmitted",
    "MemberJoined",
    "MemberLeft",
    "MemberUpdated",
    "MessagePosted",
    "PollVoted",
    "ReactionAdded",
    "RsvpChanged",
    "ScheduleFired",
    "TimerFired",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    community: CommunityRef
    occurred_at: datetime
    event_id: str
    # Replayed history (a catch-up of members at connect), not something happening now: the
    # runtime decides it after live events, so a big catch-up never delays a live one.
    backfill: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Actor:
    """Who did something, with what the platform says about their standing."""

    user: UserRef
    roles: frozenset[str] = frozenset()  # Discord role names and ids, Slack user-group handles and ids
    is_admin: bool = False  # Discord "Manage Server", Slack workspace admin/owner


# The longest handle and email a MemberJoined carries (the adapters cut longer ones): an email
# address is at most 254 characters (RFC 5321); platform handles are far shorter than 100.
HANDLE_MAX = 100
EMAIL_MAX = 254


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberJoined(Event):
    """A member joined (or, with ``backfill``, is found at a catch-up).

    ``handle`` and ``email`` are for matching the member to a roster row only, never stored:
    the member record keeps the display name alone. ``handle`` is the platform's login handle
    (Discord's username, Slack's ``name``); ``email`` is the address the platform gives only
    where the app may read it (Slack with ``users:read.email``), else "".
    """

    member: UserRef
    display_name: str
    is_bot: bool = False
    pending: bool = False  # still in the platform's own onboarding / rules screening
    handle: str = ""
    email: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberUpdated(Event):
    member: UserRef
    display_name: str
    pending: bool = False
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberLeft(Event):
    member: UserRef


@dataclass(frozen=True, kw_only=True, slots=True)
class MessagePosted(Event):
    author: UserRef
    channel: ChannelRef
    message: MessageRef
    text: str
    thread: MessageRef | None = None  # the thread's parent message, when posted in a thread
    reply_to: UserRef | None = None  # author of the message this one answers, if any
    reply_to_message: MessageRef | None = None
    mentions: tuple[UserRef, ...] = ()
    is_bot: bool = False
    is_direct: bool = False  # posted in a DM with the bot


@dataclass(frozen=True, kw_only=True, slots=True)
class ReactionAdded(Event):
    user: UserRef
    message: MessageRef
    emoji: str
    message_author: UserRef | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CommandInvoked(Event):
    """``/cohort <path...> <options>``: ``path`` is e.g. ("welcome", "preview")."""

    actor: Actor
    channel: ChannelRef | None
    interaction: InteractionRef
    path: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class ButtonPressed(Event):
    """A button or select the bot showed. ``action_id`` is the one the engine gave it."""

    actor: Actor
    interaction: InteractionRef
    action_id: str
    value: str = ""
    message: MessageRef | None = None
    channel: ChannelRef | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class FormSubmitted(Event):
    actor: Actor
    interaction: InteractionRef
    form_id: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class RsvpChanged(Event):
    """A member said they will (or will no longer) attend a native scheduled event."""

    user: UserRef
    session_id: str  # the platform's scheduled-event id
    attending: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class PollVoted(Event):
    user: UserRef
    message: MessageRef
    option: str
    added: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleFired(Event):
    """A playbook schedule's occurrence, claimed exactly once across processes."""

    schedule: str  # "<step>.<schedule name>"
    occurrence: datetime  # the nominal time (UTC), not when it actually ran
    late: bool = False  # posted late after downtime, within the grace period


@dataclass(frozen=True, kw_only=True, slots=True)
class TimerFired(Event):
    """A one-off timer a step set earlier (a follow-up, a burst window closing, a reminder)."""

    key: str
    kind: str
    due_at: datetime
    subject: UserRef | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class ActionDelivered(Event):
    """Fed back after delivering an action that asked for it (``Action.notify``).

    It reaches only ``step``, the step that emitted the action.
    """

    key: str
    kind: str
    step: str = ""
    message: MessageRef | None = None
    platform_id: str = ""  # e.g. the scheduled event id a platform assigned
    fallback_used: bool = False
