"""What the engine needs from the outside world, as Protocols.

The storage layer implements the repositories and the unit of work; the runtime supplies the
clock; each adapter declares its capabilities. The records here are plain dataclasses so the
engine never sees an ORM object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from cohortbot.playbook.actions import Action
from cohortbot.playbook.activity_records import (
    ActivityRecord,
    ActivitySummary,
    ChannelActivity,
    DayActivity,
    NewcomerActivity,
    QuestionCounts,
    QuestionOutcome,
    UserActivity,
)
from cohortbot.playbook.charts import Chart
from cohortbot.playbook.messages import Attachment
from cohortbot.playbook.refs import CommunityRef, UserRef

__all__ = [
    "ActivityRecord",
    "ActivityRepository",
    "ActivitySummary",
    "Calendar",
    "Capabilities",
    "ChannelActivity",
    "ChartRenderer",
    "ClaimRepository",
    "Clock",
    "CommunityRepository",
    "DayActivity",
    "DeliveryScope",
    "Erasure",
    "InboxRepository",
    "Links",
    "Member",
    "MemberCounts",
    "MemberRepository",
    "NewcomerActivity",
    "OutboxBacklog",
    "OutboxItem",
    "OutboxRepository",
    "OutboxStats",
    "PrivacyRepository",
    "QuestionCounts",
    "QuestionOutcome",
    "SentimentAnalyzer",
    "StateRepository",
    "StorageFailed",
    "Timer",
    "TimerRepository",
    "UnitOfWork",
    "UserActivity",
    "pseudonym",
]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Calendar(Protocol):
    """Cron arithmetic in a community's zone (DST-correct); implemented outside the core."""

    def occurrences(self, cron: str, zone: str, after: datetime, until: datetime) -> list[datetime]:
        """Nominal times in (after, until], aware UTC."""
        ...

    def next(self, cron: str, zone: str, after: datetime) -> datetime | None:
        """The first nominal time strictly after ``after``, aware UTC."""
        ...


class Links(Protocol):
    """Addresses the bot serves outside the chat. The composition root builds them and keeps
    their secrets: a step sees only the finished address, never the key it is made from."""

    def calendar_url(self, community: CommunityRef) -> str | None:
        """The community's calendar feed (an unguessable https address members subscribe to),
        or None while the feed is off (no secret or no public address configured)."""
        ...


class SentimentAnalyzer(Protocol):
    """A lexicon model that works offline; the text is scored, never stored."""

    def score(self, text: str) -> float:
        """From -1 (very negative) to +1 (very positive)."""
        ...


class ChartRenderer(Protocol):
    def render(self, chart: Chart) -> Attachment:
        """A PNG attachment of the chart."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Capabilities:
    """What a platform can do natively; the engine degrades deliberately where it can't."""

    dms: bool = True
    group_dms: bool = False
    roles: bool = False  # Slack: user groups stand in when the workspace allows them
    native_events: bool = False  # Discord Guild Scheduled Events
    native_polls: bool = False
    modals: bool = False
    max_form_inputs: int = 5
    threads: bool = False
    reactions: bool = True
    local_time: bool = False  # renders <t:UNIX> in each reader's own time zone
    # The characters of one message's text a reader gets whole (Discord's content limit is the
    # strictest). Steps split or summarise lists of members and cut member text to fit it.
    max_message_length: int = 2000


# ---------------------------------------------------------------------------- records


def pseudonym(community: CommunityRef, user: UserRef) -> str:
    """The stand-in id of a member who had their data deleted: stable, not reversible by lookup."""
    digest = hashlib.sha256(f"cohortbot-erased:{community.platform}:{community.id}:{user.id}".encode())
    return f"erased-{digest.hexdigest()[:24]}"


@dataclass(kw_only=True, slots=True)
class Member:
    """What the bot knows about one member of one community."""

    community: CommunityRef
    user: UserRef
    display_name: str
    is_bot: bool = False
    pending: bool = False
    joined_at: datetime | None = None
    left_at: datetime | None = None
    join_count: int = 0
    welcomed_at: datetime | None = None
    onboarded_at: datetime | None = None  # accepted the guidelines (or welcomed, if none needed)
    introduced_at: datetime | None = None
    first_post_at: datetime | None = None
    last_active_at: datetime | None = None
    analytics_opt_out: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # per-step extras, keyed by step name

    @property
    def present(self) -> bool:
        """Still in the community (``joined_at`` is None for members who predate the bot)."""
        return self.left_at is None


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberCounts:
    """How many human members (not bots) are present, and how many of those were welcomed,
    onboarded and introduced: what ``/cohort status`` shows, counted by the store."""

    present: int
    welcomed: int
    onboarded: int
    introduced: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Timer:
    key: str  # unique; setting a timer with the same key replaces it
    community: CommunityRef
    due_at: datetime
    kind: str  # "<step>.<what>", routes TimerFired to the step
    subject: UserRef | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class OutboxItem:
    id: int
    action: Action
    attempts: int
    # A deliverer claimed it before and its lease ran out with no outcome recorded (the
    # process died mid-delivery): the platform may already have it, so the adapter should
    # send it idempotently (Discord's nonce) or look before sending again (Slack).
    resumed: bool = False
    created_at: datetime | None = None   # when it was decided (delivery latency counts from here)


# Which outbox rows a deliverer may take: per platform it runs, the ids of the communities it
# serves there, or None for all of them. A platform it does not run is not in the mapping.
DeliveryScope = Mapping[str, frozenset[str] | None]


@dataclass(frozen=True, kw_only=True, slots=True)
class OutboxStats:
    pending: int
    parked: int
    delivered: int
    last_errors: tuple[tuple[str, str, datetime], ...] = ()  # (action key, error, when)


@dataclass(frozen=True, kw_only=True, slots=True)
class OutboxBacklog:
    """The whole outbox at a glance (every community): what the metrics endpoint shows."""

    pending: int
    parked: int
    oldest_pending: datetime | None   # when the oldest pending row was decided


# ---------------------------------------------------------------------------- repositories


class CommunityRepository(Protocol):
    async def seen(self, community: CommunityRef, *, playbook: str, now: datetime) -> None: ...

    async def first_seen(self, community: CommunityRef) -> datetime | None:
        """When the bot first saw the community (None: never); its schedules start there."""
        ...

    async def first_seen_all(self) -> dict[CommunityRef, datetime]:
        """``first_seen`` of every community seen, in one query (the scheduler's first round)."""
        ...

    async def list(self) -> list[tuple[CommunityRef, str]]: ...


class MemberRepository(Protocol):
    async def get(self, community: CommunityRef, user: UserRef) -> Member | None: ...

    async def save(self, member: Member) -> None: ...

    async def list(self, community: CommunityRef, *, present_only: bool = True) -> list[Member]: ...

    async def counts(self, community: CommunityRef) -> MemberCounts:
        """The present humans and their progress, counted without reading the members."""
        ...

    async def delete(self, community: CommunityRef, user: UserRef) -> bool: ...


class StateRepository(Protocol):
    """Small JSON documents a step keeps per community (rotation positions, windows...)."""

    async def get(self, community: CommunityRef, key: str) -> Any | None: ...

    async def put(self, community: CommunityRef, key: str, value: Any) -> None: ...

    async def delete(self, community: CommunityRef, key: str) -> None: ...

    async def keys(self, community: CommunityRef, prefix: str) -> list[str]:
        """The community's document keys starting with ``prefix``, sorted."""
        ...


class TimerRepository(Protocol):
    async def set(self, timer: Timer) -> None: ...

    async def cancel(self, key: str) -> None: ...

    async def get(self, key: str) -> Timer | None: ...

    async def due(self, now: datetime, *, limit: int = 100) -> list[Timer]: ...

    async def claim(self, key: str, *, now: datetime) -> bool:
        """Mark a due timer fired; False if another process (or a replay) already did."""
        ...

    async def next_due(self) -> datetime | None: ...


class ActivityRepository(Protocol):
    async def add(self, record: ActivityRecord) -> None: ...

    async def list(
        self,
        community: CommunityRef,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user: UserRef | None = None,
    ) -> list[ActivityRecord]: ...

    async def delete_user(self, community: CommunityRef, user: UserRef) -> int: ...

    # Aggregates for reports: computed by the store (SQL GROUP BY on a database), so a report
    # over a million records never holds them as objects. Each counts only counted records
    # (see above) with ``since <= at < until``.

    async def days(
        self,
        community: CommunityRef,
        starts: Sequence[datetime],
        *,
        until: datetime | None = None,
        windows: Sequence[int] = (),
    ) -> Sequence[DayActivity]:
        """One entry per day ``[starts[i], starts[i + 1])`` (consecutive, increasing), for the
        records before ``until`` (default: the last start). ``within[k]`` counts the members
        active in the ``windows[k]`` days ending that day, from the first day asked for on."""
        ...

    async def users(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        periods: Sequence[tuple[datetime, datetime]] = (),
    ) -> Sequence[UserActivity]:
        """Each member with a record in ``[since, until)``: their last one, and per period
        ``[start, end)`` (inside the range) whether they were active, posted and reacted."""
        ...

    async def summary(
        self,
        community: CommunityRef,
        starts: Sequence[datetime],
        *,
        until: datetime | None = None,
        windows: Sequence[int] = (),
        users_since: datetime,
        periods: Sequence[tuple[datetime, datetime]] = (),
    ) -> ActivitySummary:
        """:meth:`days` and :meth:`users` in one pass over the records: the days as asked, the
        members from ``users_since`` (at or after ``starts[0]``) to the days' end."""
        ...

    async def channels(
        self, community: CommunityRef, *, since: datetime, until: datetime
    ) -> Sequence[ChannelActivity]:
        """Per channel: messages, replies, reactions, participants; busiest first, then by name."""
        ...

    async def questions(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        asked_since: datetime,
        asked_until: datetime,
    ) -> Sequence[QuestionOutcome]:
        """The questions asked in ``[asked_since, asked_until)``, oldest first, each with its
        first reply among the records of ``[since, until)`` (see :class:`QuestionOutcome`)."""
        ...

    async def question_counts(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        asked_since: datetime,
        asked_until: datetime,
    ) -> QuestionCounts:
        """How many of :meth:`questions` there are and how many have a first reply: the same
        answer counted by the store, without reading the questions."""
        ...

    async def newcomers(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        joined_since: datetime,
        joined_until: datetime,
        later: timedelta,
    ) -> Sequence[NewcomerActivity]:
        """The members (any, even bots) who joined in ``[joined_since, joined_until)``, with their
        first counted records in ``[since, until)`` from joining (and from ``later`` after)."""
        ...


class OutboxRepository(Protocol):
    async def add(self, action: Action, *, now: datetime) -> bool:
        """Record a decided action; False if its idempotency key is already there."""
        ...

    async def stats(self, community: CommunityRef) -> OutboxStats: ...

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float, scope: DeliveryScope | None = None
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due rows, oldest first; only rows in ``scope`` (None: any)."""
        ...

    async def mark_delivered(
        self, item_id: int, *, now: datetime, result: dict[str, Any], erase: bool = False
    ) -> None:
        """Delivered. ``erase`` (a private action): keep neither its payload nor its plain key."""
        ...

    async def mark_failed(
        self, item_id: int, *, now: datetime, error: str, retry_at: datetime | None
    ) -> None:
        """A failed attempt: retried at ``retry_at``, or parked (kept, visible) when None."""
        ...

    async def next_due(self) -> datetime | None: ...

    async def backlog(self) -> OutboxBacklog:
        """Pending and parked rows over every community, and the oldest pending row's age."""
        ...

    async def requeue_parked(self, community: CommunityRef, *, now: datetime) -> int: ...


class InboxRepository(Protocol):
    async def record(self, event_id: str, *, now: datetime) -> bool:
        """Remember an event id; False if it was processed before (a duplicate)."""
        ...


class ClaimRepository(Protocol):
    """Schedule occurrences, each claimed exactly once across processes."""

    async def claim(
        self, community: CommunityRef, schedule: str, occurrence: datetime, *, status: str, now: datetime
    ) -> bool: ...

    async def last(self, community: CommunityRef, schedule: str) -> datetime | None: ...

    async def last_all(self) -> dict[tuple[CommunityRef, str], datetime]:
        """``last`` of every (community, schedule) with a claim, in one query."""
        ...

    async def list(
        self, community: CommunityRef, *, status: str | None = None, since: datetime | None = None
    ) -> Sequence[tuple[str, datetime, str]]:
        """(schedule, occurrence, status) rows, newest first."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Erasure:
    """Whom storage must forget, and what stands in for them in records that stay."""

    community: CommunityRef
    user: UserRef
    names: tuple[str, ...] = ()  # display and user names to scrub (3 characters or more)
    pseudonym: str  # replaces the user id where a record must stay (see ``pseudonym()``)


class PrivacyRepository(Protocol):
    """Everything storage keeps about one member outside the steps' own documents.

    Steps export and forget their documents through their privacy hooks; this covers the
    tables every step shares (members, activity, timers, outbox, inbox).
    """

    async def export(self, community: CommunityRef, user: UserRef) -> dict[str, list[dict[str, Any]]]:
        """Rows about the member, by table: activity, timers for them, messages to or about them."""
        ...

    async def forget(self, erasure: Erasure) -> dict[str, int]:
        """Forget the member in every shared table; the rows touched, by table.

        - ``members``: the row is deleted (the privacy step saves a pseudonymous one).
        - ``activity``: their rows are deleted; others' replies to them lose the reply-to.
        - ``timers``: timers about them (subject, or their id in the data) are deleted.
        - ``outbox``: undelivered actions naming them are deleted; delivered and parked ones
          keep their row (and idempotency key) with the id replaced by the pseudonym and
          the names by ``[erased]``.
        - ``inbox``: event ids that contain their id are deleted.
        """
        ...


class StorageFailed(Exception):
    """The storage failed under a step (a deadlock, a lock timeout, a lost connection), not the step.

    A unit of work raises it from a savepoint left with a database error. The engine does not
    isolate it: skipping the step would commit the event as decided (a schedule's claim, an
    event's inbox record) without the step's work, and the post would be lost for good. It ends
    the whole transaction instead, and the caller decides the event again (the scheduler's
    next round, the intake's replay, the deliverer's retry).
    """


class UnitOfWork(Protocol):
    """One transaction: state changes and the actions they produced commit together."""

    communities: CommunityRepository
    members: MemberRepository
    state: StateRepository
    timers: TimerRepository
    activity: ActivityRepository
    outbox: OutboxRepository
    inbox: InboxRepository
    claims: ClaimRepository
    privacy: PrivacyRepository

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested transaction: leaving it with an exception undoes only what it did.

        A database error inside leaves it as :class:`StorageFailed`.
        """
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...
