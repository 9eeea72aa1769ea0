"""Community health metrics, pure: functions over activity aggregates and members, no I/O.

The aggregates come from the store (``ActivityRepository.days/users/channels/questions/
newcomers``: SQL on a database), so a report never holds the records themselves;
``analytics.records`` computes the same aggregates over records (the in-memory store's answer,
and the reference the SQL is tested against).

Conventions shared by every function here:

- Periods are half-open instants ``[since, until)``, like ``uow.activity.list``.
- Days are local dates in the community's zone; a day is ``[00:00, 24:00)`` local
  (:func:`day_starts` gives the instants to ask the store for).
- "Active" means any record (message, reply or reaction); "posted" means a message or reply.
- Bots and members who opted out of analytics are excluded everywhere: the aggregates count
  only their records (see ``playbook.ports``), and :func:`roster` filters the members.
- A question is a top-level message (kind ``message``) with ``is_question``; its first reply
  is the earliest record of kind ``reply`` by someone else, after it, either in its thread
  (``thread_id == question.message_id``) or answering the asker (``reply_to``) in its channel.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from cohortbot.playbook.analytics.records import POSTING
from cohortbot.playbook.analytics.split import (
    Interval,
    PromptEngagement,
    PromptStats,
    VariantStats,
    prompt_summary,
    t_interval,
    variant_engagement,
)
from cohortbot.playbook.ports import (
    ChannelActivity,
    DayActivity,
    Member,
    NewcomerActivity,
    QuestionOutcome,
    UserActivity,
)

__all__ = [
    "POSTING",
    "WEEK",
    "WINDOWS",
    "ChannelStats",
    "Days",
    "Interval",
    "Participants",
    "ParticipationMix",
    "PromptEngagement",
    "PromptStats",
    "QuestionOutcome",
    "Rate",
    "Stickiness",
    "VariantStats",
    "WeekStats",
    "activation",
    "daily_active",
    "day_start",
    "day_starts",
    "introductions",
    "median_first_reply",
    "participants",
    "participation_mix",
    "posts",
    "prompt_summary",
    "recently_inactive",
    "retention",
    "rolling_weekly_active",
    "roster",
    "stickiness",
    "t_interval",
    "variant_engagement",
    "weekly",
]

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
WINDOWS = (7, 28)  # the rolling windows Days asks the store for: weekly and 28-day actives
ChannelStats = ChannelActivity


# ---------------------------------------------------------------------------- basics


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` out of ``total``; ``value`` is None when there is nothing to divide."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    def __str__(self) -> str:
        return f"{self.count}/{self.total} ({self.value:.0%})" if self.total else "n/a"


def roster(members: Iterable[Member], *, at: datetime | None = None) -> list[Member]:
    """Human members who count: present, not opted out, joined before ``at`` (if given)."""
    return [
        m
        for m in members
        if not m.is_bot
        and not m.analytics_opt_out
        and m.present
        and (at is None or m.joined_at is None or m.joined_at < at)
    ]


def day_start(day: date, zone: tzinfo) -> datetime:
    """Local midnight of ``day``, as aware UTC (DST-correct: days may be 23 or 25 hours)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def day_starts(first: date, last: date, zone: tzinfo) -> list[datetime]:
    """The instants to ask ``ActivityRepository.days`` for the local days ``first..last``."""
    return [day_start(d, zone) for d in _days(first, last + DAY)]


@dataclass(frozen=True, slots=True)
class Days:
    """The store's per-day aggregates of the local days from ``first`` (``WINDOWS`` asked for).

    A day outside them reads as empty.
    """

    first: date
    items: Sequence[DayActivity]
    windows: tuple[int, ...] = WINDOWS

    def at(self, day: date) -> DayActivity | None:
        index = (day - self.first).days
        return self.items[index] if 0 <= index < len(self.items) else None

    def active(self, day: date) -> int:
        found = self.at(day)
        return found.active if found else 0

    def within(self, day: date, window: int) -> int:
        """Members active in the ``window`` days ending ``day`` (a window of ``windows``)."""
        found = self.at(day)
        return found.within[self.windows.index(window)] if found else 0


# ---------------------------------------------------------------------------- participation


def daily_active(days: Days, first: date, last: date) -> list[tuple[date, int]]:
    """Active members per local day, ``first`` to ``last`` inclusive (DAU series)."""
    return [(d, days.active(d)) for d in _days(first, last)]


def rolling_weekly_active(days: Days, first: date, last: date) -> list[tuple[date, int]]:
    """For each day, members active in the 7 days ending that day (WAU series)."""
    return [(d, days.within(d, 7)) for d in _days(first, last)]


@dataclass(frozen=True, slots=True)
class Stickiness:
    """Over a range of local days: daily actives averaged, 28-day actives averaged, and the
    weekly and 28-day actives on its last day."""

    avg_dau: float
    avg_mau: float
    wau: int
    mau: int

    @property
    def ratio(self) -> float | None:
        """DAU/MAU over the range: average daily actives over average 28-day actives (a single
        day's DAU/MAU when the range is one day); None when nobody was active in 28 days."""
        return self.avg_dau / self.avg_mau if self.avg_mau else None


def stickiness(days: Days, first: date, last: date) -> Stickiness:
    """DAU and MAU (28 days) averaged over the local days ``first..last``, WAU and MAU on ``last``."""
    span = _days(first, last)
    return Stickiness(
        avg_dau=sum(days.active(d) for d in span) / len(span),
        avg_mau=sum(days.within(d, 28) for d in span) / len(span),
        wau=days.within(last, 7),
        mau=days.within(last, 28),
    )


@dataclass(frozen=True, slots=True)
class Participants:
    """Who did what in one period: any record, a message or reply, a reaction (member ids)."""

    active: frozenset[str] = frozenset()
    posters: frozenset[str] = frozenset()
    reactors: frozenset[str] = frozenset()


def participants(users: Iterable[UserActivity], period: int) -> Participants:
    """The members of ``users`` (``ActivityRepository.users``) by what they did in period ``period``."""
    people = list(users)
    return Participants(
        active=frozenset(u.user for u in people if u.active[period]),
        posters=frozenset(u.user for u in people if u.posted[period]),
        reactors=frozenset(u.user for u in people if u.reacted[period]),
    )


@dataclass(frozen=True, slots=True)
class ParticipationMix:
    members: int
    posters: int  # posted at least once
    reactors_only: int  # reacted, never posted
    lurkers: int  # did nothing recorded


def participation_mix(period: Participants, members: Iterable[Member], until: datetime) -> ParticipationMix:
    """Posters, reactors-only and lurkers among the members present who had joined by ``until``."""
    ids = {m.user.id for m in roster(members, at=until)}
    posters = period.posters & ids
    reactors = period.reactors & ids - posters
    return ParticipationMix(
        members=len(ids),
        posters=len(posters),
        reactors_only=len(reactors),
        lurkers=len(ids) - len(posters) - len(reactors),
    )


# ---------------------------------------------------------------------------- newcomers


def _newcomers(members: Iterable[Member], since: datetime, until: datetime) -> list[Member]:
    return [m for m in roster(members) if m.joined_at is not None and since <= m.joined_at < until]


def _before(moment: datetime | None, limit: datetime) -> bool:
    return moment is not None and moment < limit


def activation(
    newcomers: Mapping[str, NewcomerActivity],
    members: Iterable[Member],
    since: datetime,
    until: datetime,
    *,
    now: datetime,
    window: timedelta = WEEK,
) -> Rate:
    """Of members who joined in ``[since, until)`` and whose window closed by ``now``: posted in it.

    ``newcomers``: ``ActivityRepository.newcomers`` by member id (a member missing did nothing).
    """
    due = [m for m in _newcomers(members, since, until) if m.joined_at and m.joined_at + window <= now]
    done = [
        m
        for m in due
        if m.joined_at
        and m.user.id in newcomers
        and _before(newcomers[m.user.id].first_post, m.joined_at + window)
    ]
    return Rate(len(done), len(due))


def retention(
    newcomers: Mapping[str, NewcomerActivity],
    members: Iterable[Member],
    since: datetime,
    until: datetime,
    *,
    now: datetime,
) -> Rate:
    """Of newcomers active in their first week (second week over by ``now``): active in the second.

    ``newcomers``: ``ActivityRepository.newcomers`` with ``later`` one week, by member id.
    """
    first = [
        m
        for m in _newcomers(members, since, until)
        if m.joined_at
        and m.joined_at + 2 * WEEK <= now
        and m.user.id in newcomers
        and _before(newcomers[m.user.id].first_active, m.joined_at + WEEK)
    ]
    kept = [
        m
        for m in first
        if m.joined_at and _before(newcomers[m.user.id].first_active_later, m.joined_at + 2 * WEEK)
    ]
    return Rate(len(kept), len(first))


def introductions(members: Iterable[Member], since: datetime, until: datetime) -> tuple[int, Rate]:
    """Introductions made in the period, and the share of its newcomers who introduced themselves."""
    people = roster(members)
    made = sum(1 for m in people if m.introduced_at is not None and since <= m.introduced_at < until)
    joined = _newcomers(people, since, until)
    return made, Rate(sum(1 for m in joined if m.introduced_at is not None), len(joined))


def recently_inactive(
    users: Iterable[UserActivity],
    members: Iterable[Member],
    *,
    now: datetime,
    quiet: timedelta = WEEK,
    horizon: timedelta = 4 * WEEK,
) -> list[Member]:
    """Members who were active, but last so between ``horizon`` and ``quiet`` ago (7-28 days).

    ``users``: ``ActivityRepository.users`` up to ``now``, from ``now - horizon`` or earlier.
    """
    last = {u.user: u.last for u in users if u.last < now}
    found = [
        m for m in roster(members) if m.user.id in last and now - horizon <= last[m.user.id] < now - quiet
    ]
    return sorted(found, key=lambda m: (last[m.user.id], m.display_name))


# ---------------------------------------------------------------------------- questions


def median_first_reply(outcomes: Iterable[QuestionOutcome]) -> timedelta | None:
    delays = [o.delay for o in outcomes if o.delay is not None]
    return timedelta(seconds=statistics.median(d.total_seconds() for d in delays)) if delays else None


# ---------------------------------------------------------------------------- weeks


@dataclass(frozen=True, slots=True)
class WeekStats:
    start: date
    end: date  # its last day counted: the seventh, or an earlier one for a week not over
    active: int | None  # None: not known (a week cut short, without its own count)
    messages: int
    replies: int
    reactions: int
    sentiment: float | None  # mean over scored messages and replies; None when none

    @property
    def posts(self) -> int:
        return self.messages + self.replies

    @property
    def partial(self) -> bool:
        return self.end < self.start + timedelta(days=6)


def posts(days: Days, first: date, last: date) -> int:
    """Messages and replies in the local days ``first..last``."""
    found = [days.at(d) for d in _days(first, last)]
    return sum(a.messages + a.replies for a in found if a is not None)


def weekly(
    days: Days, first: date, weeks: int, *, last: date | None = None, active_last: int | None = None
) -> list[WeekStats]:
    """Seven-day weeks from ``first``: actives, volume by kind and mean sentiment, side by side.

    Days after ``last`` are not counted: a week they cut short has ``end`` before its seventh
    day, and ``active_last`` as its actives (``Days`` knows 7-day windows only: the caller
    counts that week's members), else None.
    """
    found = []
    for i in range(weeks):
        start = first + timedelta(weeks=i)
        end = start + timedelta(days=6) if last is None else min(start + timedelta(days=6), last)
        parts = [a for a in (days.at(d) for d in _days(start, end)) if a is not None]
        scored = sum(a.sentiment_count for a in parts)
        whole = end == start + timedelta(days=6)
        found.append(
            WeekStats(
                start=start,
                end=end,
                active=days.within(end, 7) if whole else active_last,
                messages=sum(a.messages for a in parts),
                replies=sum(a.replies for a in parts),
                reactions=sum(a.reactions for a in parts),
                sentiment=sum(a.sentiment_sum for a in parts) / scored if scored else None,
            )
        )
    return found
