"""The activity aggregates of ``ActivityRepository``, computed in Python over records.

This is the reference the stores are held to: the in-memory store answers with these
functions, and the storage tests check that SQLite's and PostgreSQL's SQL give the same
answers on generated data. Reports never call them on a database's records (a million
records as objects is what the aggregates avoid); the newcomer watch, which reads a few
hours of records, uses :func:`question_outcomes` directly.

Every function takes records already restricted to the range read and to counted records
(:func:`counted`); ranges are half-open ``[since, until)``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from cohortbot.playbook.ports import (
    ActivityRecord,
    ChannelActivity,
    DayActivity,
    Member,
    NewcomerActivity,
    QuestionCounts,
    QuestionOutcome,
    UserActivity,
)

__all__ = [
    "POSTING",
    "channel_key",
    "channels",
    "counted",
    "days",
    "newcomers",
    "question_counts",
    "question_outcomes",
    "users",
]

POSTING = frozenset({"message", "reply"})


def counted(records: Iterable[ActivityRecord], members: Iterable[Member]) -> list[ActivityRecord]:
    """The records that count: not from bots, not from members who opted out of analytics."""
    excluded = {m.user.id for m in members if m.is_bot or m.analytics_opt_out}
    return [r for r in records if r.user.id not in excluded]


def _between(records: Iterable[ActivityRecord], since: datetime, until: datetime) -> list[ActivityRecord]:
    return [r for r in records if since <= r.at < until]


def days(
    records: Iterable[ActivityRecord],
    starts: Sequence[datetime],
    *,
    until: datetime | None = None,
    windows: Sequence[int] = (),
) -> list[DayActivity]:
    """See ``ActivityRepository.days``."""
    count = max(0, len(starts) - 1)
    end = starts[-1] if until is None else min(until, starts[-1])
    people: list[set[str]] = [set() for _ in range(count)]
    kinds: list[dict[str, int]] = [defaultdict(int) for _ in range(count)]
    scores: list[list[float]] = [[] for _ in range(count)]
    for r in records:
        if count == 0 or not starts[0] <= r.at < end:
            continue
        i = bisect_right(starts, r.at) - 1
        people[i].add(r.user.id)
        kinds[i][r.kind] += 1
        if r.kind in POSTING and r.sentiment is not None:
            scores[i].append(r.sentiment)
    return [
        DayActivity(
            active=len(people[i]),
            messages=kinds[i]["message"],
            replies=kinds[i]["reply"],
            reactions=kinds[i]["reaction"],
            sentiment_sum=sum(scores[i]),
            sentiment_count=len(scores[i]),
            within=tuple(len(set().union(*people[max(0, i - w + 1) : i + 1])) for w in windows),
        )
        for i in range(count)
    ]


def users(
    records: Iterable[ActivityRecord],
    *,
    since: datetime,
    until: datetime,
    periods: Sequence[tuple[datetime, datetime]] = (),
) -> list[UserActivity]:
    """See ``ActivityRepository.users``; sorted by member id."""
    found: dict[str, list[ActivityRecord]] = defaultdict(list)
    for r in _between(records, since, until):
        found[r.user.id].append(r)

    def flags(mine: list[ActivityRecord], kinds: frozenset[str] | None) -> tuple[bool, ...]:
        return tuple(
            any(start <= r.at < end and (kinds is None or r.kind in kinds) for r in mine)
            for start, end in periods
        )

    return [
        UserActivity(
            user=user,
            last=max(r.at for r in mine),
            active=flags(mine, None),
            posted=flags(mine, POSTING),
            reacted=flags(mine, frozenset({"reaction"})),
        )
        for user, mine in sorted(found.items())
    ]


def channel_key(record: ActivityRecord) -> str:
    return (record.channel.name or record.channel.id) if record.channel else "(unknown)"


def channels(records: Iterable[ActivityRecord], *, since: datetime, until: datetime) -> list[ChannelActivity]:
    """See ``ActivityRepository.channels``."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people: dict[str, set[str]] = defaultdict(set)
    for r in _between(records, since, until):
        counts[channel_key(r)][r.kind] += 1
        people[channel_key(r)].add(r.user.id)
    found = [
        ChannelActivity(
            channel=name,
            messages=c["message"],
            replies=c["reply"],
            reactions=c["reaction"],
            participants=len(people[name]),
        )
        for name, c in counts.items()
    ]
    return sorted(found, key=lambda s: (-s.total, s.channel))


def question_outcomes(
    records: Sequence[ActivityRecord], since: datetime, until: datetime
) -> list[QuestionOutcome]:
    """Questions asked in ``[since, until)``, each with its first reply among ``records``."""
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
        # In its thread a reply answers it even at the very same instant (the console's clock
        # stands still between lines; platforms stamp to the millisecond); a reply to the asker
        # answers it only if it came after.
        in_thread = by_thread.get(q.message_id, []) if q.message_id else []
        to_asker = by_asker.get((where, q.user.id), [])
        times = [r.at for r in in_thread if r.user != q.user and r.at >= q.at]
        times += [r.at for r in to_asker if r.user != q.user and r.at > q.at]
        outcomes.append(QuestionOutcome(question=q, first_reply_at=min(times, default=None)))
    return outcomes


def question_counts(records: Sequence[ActivityRecord], since: datetime, until: datetime) -> QuestionCounts:
    """How many questions :func:`question_outcomes` finds, and how many of them were answered."""
    outcomes = question_outcomes(records, since, until)
    return QuestionCounts(len(outcomes), sum(1 for o in outcomes if o.first_reply_at is not None))


def newcomers(
    records: Iterable[ActivityRecord], joined: Iterable[tuple[str, datetime]], *, later: timedelta
) -> list[NewcomerActivity]:
    """See ``ActivityRepository.newcomers``: ``joined`` are (member id, joined at)."""
    mine: dict[str, list[ActivityRecord]] = defaultdict(list)
    for r in records:
        mine[r.user.id].append(r)

    def first(user: str, since: datetime, kinds: frozenset[str] | None = None) -> datetime | None:
        times = [r.at for r in mine.get(user, ()) if r.at >= since and (kinds is None or r.kind in kinds)]
        return min(times, default=None)

    return [
        NewcomerActivity(
            user=user,
            joined_at=at,
            first_post=first(user, at, POSTING),
            first_active=first(user, at),
            first_active_later=first(user, at + later),
        )
        for user, at in joined
    ]
