"""Community health metrics, pure: functions over activity records and members, no I/O.

Conventions shared by every function here:

- Periods are half-open instants ``[since, until)``, like ``uow.activity.list``.
- Days are local dates in the community's zone (``zone``); a day is ``[00:00, 24:00)`` local.
- "Active" means any record (message, reply or reaction); "posted" means a message or reply.
- Bots and members who opted out of analytics are excluded everywhere: call :func:`counted`
  on the records and :func:`roster` on the members first (the report builder does).
- A question is a top-level message (kind ``message``) with ``is_question``; its first reply
  is the earliest record of kind ``reply`` by someone else, after it, either in its thread
  (``thread_id == question.message_id``) or answering the asker (``reply_to``) in its channel.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from cohortbot.playbook.analytics.split import (
    Interval,
    PromptEngagement,
    PromptStats,
    VariantStats,
    prompt_summary,
    t_interval,
    variant_engagement,
)
from cohortbot.playbook.ports import ActivityRecord, Member

__all__ = [
    "POSTING",
    "WEEK",
    "ChannelStats",
    "Interval",
    "ParticipationMix",
    "PromptEngagement",
    "PromptStats",
    "QuestionOutcome",
    "Rate",
    "Stickiness",
    "VariantStats",
    "WeekStats",
    "activation",
    "active_users",
    "channel_engagement",
    "counted",
    "daily_active",
    "day_start",
    "introductions",
    "median_first_reply",
    "participation_mix",
    "prompt_summary",
    "question_outcomes",
    "recently_inactive",
    "retention",
    "rolling_weekly_active",
    "roster",
    "stickiness",
    "t_interval",
    "variant_engagement",
    "weekly",
]

POSTING = frozenset({"message", "reply"})
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


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


def counted(records: Iterable[ActivityRecord], members: Iterable[Member]) -> list[ActivityRecord]:
    """The records that count: not from bots, not from members who opted out of analytics."""
    excluded = {m.user.id for m in members if m.is_bot or m.analytics_opt_out}
    return [r for r in records if r.user.id not in excluded]


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


def _between(records: Iterable[ActivityRecord], since: datetime, until: datetime) -> list[ActivityRecord]:
    return [r for r in records if since <= r.at < until]


def active_users(records: Iterable[ActivityRecord], since: datetime, until: datetime) -> set[str]:
    return {r.user.id for r in records if since <= r.at < until}


def _by_day(records: Iterable[ActivityRecord], zone: tzinfo) -> dict[date, set[str]]:
    days: dict[date, set[str]] = defaultdict(set)
    for r in records:
        days[r.at.astimezone(zone).date()].add(r.user.id)
    return days


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---------------------------------------------------------------------------- participation


def daily_active(
    records: Iterable[ActivityRecord], first: date, last: date, zone: tzinfo
) -> list[tuple[date, int]]:
    """Active members per local day, ``first`` to ``last`` inclusive (DAU series)."""
    days = _by_day(records, zone)
    return [(d, len(days.get(d, ()))) for d in _days(first, last)]


def rolling_weekly_active(
    records: Iterable[ActivityRecord], first: date, last: date, zone: tzinfo
) -> list[tuple[date, int]]:
    """For each day, members active in the 7 days ending that day (WAU series)."""
    days = _by_day(records, zone)
    series = []
    for d in _days(first, last):
        window: set[str] = set()
        for back in range(7):
            window |= days.get(d - timedelta(days=back), set())
        series.append((d, len(window)))
    return series


@dataclass(frozen=True, slots=True)
class Stickiness:
    """Average daily actives over a week, weekly and 28-day actives, and DAU/MAU."""

    avg_dau: float
    wau: int
    mau: int

    @property
    def ratio(self) -> float | None:
        return self.avg_dau / self.mau if self.mau else None


def stickiness(records: Iterable[ActivityRecord], last: date, zone: tzinfo) -> Stickiness:
    """DAU averaged over the 7 days ending ``last``, WAU (7 days), MAU (28 days), DAU/MAU."""
    days = _by_day(records, zone)
    week = [last - timedelta(days=i) for i in range(7)]
    month = [last - timedelta(days=i) for i in range(28)]
    wau: set[str] = set().union(*(days.get(d, set()) for d in week))
    mau: set[str] = set().union(*(days.get(d, set()) for d in month))
    return Stickiness(avg_dau=sum(len(days.get(d, ())) for d in week) / 7, wau=len(wau), mau=len(mau))


@dataclass(frozen=True, slots=True)
class ParticipationMix:
    members: int
    posters: int  # posted at least once
    reactors_only: int  # reacted, never posted
    lurkers: int  # did nothing recorded


def participation_mix(
    records: Iterable[ActivityRecord], members: Iterable[Member], since: datetime, until: datetime
) -> ParticipationMix:
    """Posters, reactors-only and lurkers among the members present who had joined by ``until``."""
    ids = {m.user.id for m in roster(members, at=until)}
    period = _between(records, since, until)
    posters = {r.user.id for r in period if r.kind in POSTING} & ids
    reactors = {r.user.id for r in period if r.kind == "reaction"} & ids - posters
    return ParticipationMix(
        members=len(ids),
        posters=len(posters),
        reactors_only=len(reactors),
        lurkers=len(ids) - len(posters) - len(reactors),
    )


# ---------------------------------------------------------------------------- newcomers


def _newcomers(members: Iterable[Member], since: datetime, until: datetime) -> list[Member]:
    return [m for m in roster(members) if m.joined_at is not None and since <= m.joined_at < until]


def _posts_by_user(records: Iterable[ActivityRecord], kinds: frozenset[str]) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = defaultdict(list)
    for r in records:
        if r.kind in kinds:
            found[r.user.id].append(r.at)
    return found


def _any_in(times: Sequence[datetime], since: datetime, until: datetime) -> bool:
    return any(since <= t < until for t in times)


def activation(
    records: Iterable[ActivityRecord],
    members: Iterable[Member],
    since: datetime,
    until: datetime,
    *,
    now: datetime,
    window: timedelta = WEEK,
) -> Rate:
    """Of members who joined in ``[since, until)`` and whose window closed by ``now``: posted in it."""
    posts = _posts_by_user(records, POSTING)
    due = [m for m in _newcomers(members, since, until) if m.joined_at and m.joined_at + window <= now]
    done = [m for m in due if m.joined_at and _any_in(posts[m.user.id], m.joined_at, m.joined_at + window)]
    return Rate(len(done), len(due))


def retention(
    records: Iterable[ActivityRecord],
    members: Iterable[Member],
    since: datetime,
    until: datetime,
    *,
    now: datetime,
) -> Rate:
    """Of newcomers active in their first week (second week over by ``now``): active in the second."""
    acts = _posts_by_user(records, POSTING | {"reaction"})
    first = [
        m
        for m in _newcomers(members, since, until)
        if m.joined_at
        and m.joined_at + 2 * WEEK <= now
        and _any_in(acts[m.user.id], m.joined_at, m.joined_at + WEEK)
    ]
    kept = [
        m
        for m in first
        if m.joined_at and _any_in(acts[m.user.id], m.joined_at + WEEK, m.joined_at + 2 * WEEK)
    ]
    return Rate(len(kept), len(first))


def introductions(members: Iterable[Member], since: datetime, until: datetime) -> tuple[int, Rate]:
    """Introductions made in the period, and the share of its newcomers who introduced themselves."""
    people = roster(members)
    made = sum(1 for m in people if m.introduced_at is not None and since <= m.introduced_at < until)
    joined = _newcomers(people, since, until)
    return made, Rate(sum(1 for m in joined if m.introduced_at is not None), len(joined))


def recently_inactive(
    records: Iterable[ActivityRecord],
    members: Iterable[Member],
    *,
    now: datetime,
    quiet: timedelta = WEEK,
    horizon: timedelta = 4 * WEEK,
) -> list[Member]:
    """Members who were active, but last so between ``horizon`` and ``quiet`` ago (7-28 days)."""
    last: dict[str, datetime] = {}
    for r in records:
        if r.at < now and (r.user.id not in last or r.at > last[r.user.id]):
            last[r.user.id] = r.at
    found = [
        m for m in roster(members) if m.user.id in last and now - horizon <= last[m.user.id] < now - quiet
    ]
    return sorted(found, key=lambda m: (last[m.user.id], m.display_name))


# ---------------------------------------------------------------------------- questions


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    question: ActivityRecord
    first_reply_at: datetime | None

    @property
    def delay(self) -> timedelta | None:
        return self.first_reply_at - self.question.at if self.first_reply_at else None


def question_outcomes(
    records: Sequence[ActivityRecord], since: datetime, until: datetime
) -> list[QuestionOutcome]:
    """Questions asked in the period, each with its first reply (from any later record given)."""
    by_thread: dict[str, list[ActivityRecord]] = defaultdict(list)
    by_asker: dict[tuple[str, str], list[ActivityRecord]] = defaultdict(list)
    for r in records:
        if r.kind != "reply":
            continue
        if r.thread_id:
            by_thread[r.thread_id].append(r)
        if r.reply_to is not None and r.channel is not None:
            by_asker[(r.channel.id or r.channel.name, r.reply_to.id)].append(r)
    outcomes = []
    for q in records:
        if q.kind != "message" or not q.is_question or not since <= q.at < until:
            continue
        where = (q.channel.id or q.channel.name) if q.channel else ""
        candidates = by_thread.get(q.message_id, []) if q.message_id else []
        candidates = candidates + by_asker.get((where, q.user.id), [])
        times = [r.at for r in candidates if r.user != q.user and r.at > q.at]
        outcomes.append(QuestionOutcome(question=q, first_reply_at=min(times, default=None)))
    return outcomes


def median_first_reply(outcomes: Iterable[QuestionOutcome]) -> timedelta | None:
    delays = [o.delay for o in outcomes if o.delay is not None]
    return timedelta(seconds=statistics.median(d.total_seconds() for d in delays)) if delays else None


# ---------------------------------------------------------------------------- channels and weeks


@dataclass(frozen=True, slots=True)
class ChannelStats:
    channel: str
    messages: int
    replies: int
    reactions: int
    participants: int

    @property
    def total(self) -> int:
        return self.messages + self.replies + self.reactions


def channel_engagement(
    records: Iterable[ActivityRecord], since: datetime, until: datetime
) -> list[ChannelStats]:
    """Per channel (by name, else id): messages, replies, reactions, distinct participants."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people: dict[str, set[str]] = defaultdict(set)
    for r in _between(records, since, until):
        name = (r.channel.name or r.channel.id) if r.channel else "(unknown)"
        counts[name][r.kind] += 1
        people[name].add(r.user.id)
    found = [
        ChannelStats(
            channel=name,
            messages=c["message"],
            replies=c["reply"],
            reactions=c["reaction"],
            participants=len(people[name]),
        )
        for name, c in counts.items()
    ]
    return sorted(found, key=lambda s: (-s.total, s.channel))


@dataclass(frozen=True, slots=True)
class WeekStats:
    start: date
    active: int
    messages: int
    replies: int
    reactions: int
    sentiment: float | None  # mean over scored messages and replies; None when none

    @property
    def posts(self) -> int:
        return self.messages + self.replies


def weekly(records: Iterable[ActivityRecord], first: date, weeks: int, zone: tzinfo) -> list[WeekStats]:
    """Seven-day weeks from ``first``: actives, volume by kind and mean sentiment, side by side."""
    found = []
    items = list(records)
    for i in range(weeks):
        start = first + timedelta(weeks=i)
        period = _between(items, day_start(start, zone), day_start(start + WEEK, zone))
        scores = [r.sentiment for r in period if r.kind in POSTING and r.sentiment is not None]
        found.append(
            WeekStats(
                start=start,
                active=len({r.user.id for r in period}),
                messages=sum(1 for r in period if r.kind == "message"),
                replies=sum(1 for r in period if r.kind == "reply"),
                reactions=sum(1 for r in period if r.kind == "reaction"),
                sentiment=sum(scores) / len(scores) if scores else None,
            )
        )
    return found
