"""The activity aggregates of ``ActivityRepository`` in SQL (SQLite and PostgreSQL alike).

A report over a million activity rows reads a few hundred rows of answers: GROUP BY and a
window function do the counting in the database. The semantics are those of
``playbook.analytics.records`` (the in-memory store's answer); ``tests/storage/
test_aggregates.py`` checks both databases agree with it on generated data.

Portable on purpose:

- Local days: the caller gives the instants the days start at (DST-aware); a row's day is
  found by a binary search written as nested CASEs over those instants (a handful of
  comparisons per row, no time-zone support needed in SQLite).
- Counted records: a member whose row says bot or opted out is excluded by ``NOT IN``
  over the members table, in the database.
- Distinct members over rolling windows: each member's active days with the gap since their
  previous one (``LAG``), grouped by (day, gap); a member active on day ``a`` after a gap of
  ``g`` days is newly in a ``w``-day window from ``a + max(0, w - g)`` to ``a + w - 1``, so
  the window counts are prefix sums of those few groups.
- Ordering by text (member ids, channel names) is done in Python, never by a collation.
- A time plus ``later`` (a newcomer's second week) is exact on both: PostgreSQL adds an
  interval in seconds; SQLite's stored text is ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC), so the
  date part moves with ``datetime(..., '+N seconds')`` and the microseconds are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    func,
    literal_column,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cohortbot.playbook.analytics.records import POSTING
from cohortbot.playbook.ports import (
    ChannelActivity,
    DayActivity,
    NewcomerActivity,
    UserActivity,
)
from cohortbot.playbook.refs import CommunityRef
from cohortbot.storage._sql import ACTIVITY, MEMBERS, in_community
from cohortbot.storage.types import UTCDateTime

__all__ = [
    "CHUNK",
    "channels",
    "count_of",
    "day",
    "day_series",
    "days",
    "each_row",
    "in_range",
    "newcomers",
    "users",
]

# Rows turned into Python objects between two turns of the event loop: a report's ten thousand
# members or users are tens of milliseconds of Python each (SQLAlchemy's row processing, the
# dataclasses), which would otherwise run in one go on the loop's thread.
CHUNK = 200


async def each_row(session: AsyncSession, query: Any) -> AsyncIterator[Any]:
    """The rows of ``query``, letting the event loop run other tasks every :data:`CHUNK` rows."""
    result = await session.execute(query)
    for partition in result.partitions(CHUNK):
        for row in partition:
            yield row
        await asyncio.sleep(0)


def _counted(community: CommunityRef, user_id: Any) -> ColumnElement[bool]:
    excluded = select(MEMBERS.c.user_id).where(
        in_community(MEMBERS, community), or_(MEMBERS.c.is_bot, MEMBERS.c.analytics_opt_out)
    )
    counted: ColumnElement[bool] = not_(user_id.in_(excluded.scalar_subquery()))
    return counted


def in_range(table: Any, community: CommunityRef, since: datetime, until: datetime) -> ColumnElement[bool]:
    """Counted rows of the community with ``since <= at < until``."""
    return and_(
        in_community(table, community),
        table.c.at >= since,
        table.c.at < until,
        _counted(community, table.c.user_id),
    )


def day(at: Any, starts: Sequence[datetime], low: int, high: int) -> ColumnElement[int]:
    """The index ``i`` in ``[low, high)`` with ``starts[i] <= at < starts[i + 1]`` (binary search)."""
    if high - low <= 1:
        return literal_column(str(low), Integer)
    middle = (low + high) // 2
    return case((at < starts[middle], day(at, starts, low, middle)), else_=day(at, starts, middle, high))


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 for a group where ``condition`` holds for some row, else 0."""
    return func.max(case((condition, 1), else_=0))


def kind_columns(a: Any) -> list[Any]:
    """Per activity row: 1 for a message, a reply, a reaction; a post's sentiment (else NULL)."""
    posting = a.kind.in_(sorted(POSTING))
    return [
        case((a.kind == "message", 1), else_=0).label("message"),
        case((a.kind == "reply", 1), else_=0).label("reply"),
        case((a.kind == "reaction", 1), else_=0).label("reaction"),
        case((and_(posting, a.sentiment.is_not(None)), a.sentiment)).label("score"),
    ]


def kind_sums(rows: Any) -> list[Any]:
    """The sums of :func:`kind_columns` over a group of ``rows`` (a subquery of them)."""
    return [
        func.sum(rows.c.message).label("messages"),
        func.sum(rows.c.reply).label("replies"),
        func.sum(rows.c.reaction).label("reactions"),
        func.sum(rows.c.score).label("score_sum"),
        func.count(rows.c.score).label("score_count"),
    ]


def count_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def days(
    session: AsyncSession,
    community: CommunityRef,
    starts: Sequence[datetime],
    *,
    until: datetime | None,
    windows: Sequence[int],
) -> list[DayActivity]:
    count = len(starts) - 1
    if count < 1:
        return []
    end = starts[-1] if until is None else min(until, starts[-1])
    a = ACTIVITY.c
    rows = (
        select(a.user_id, day(a.at, starts, 0, count).label("day"), *kind_columns(a))
        .where(in_range(ACTIVITY, community, starts[0], end))
        .subquery()
    )
    per_member_day = (
        select(rows.c.user_id, rows.c.day, *kind_sums(rows))
        .group_by(rows.c.user_id, rows.c.day)
        .subquery()
    )
    cap = max([1, *windows])
    previous = func.lag(per_member_day.c.day).over(
        partition_by=per_member_day.c.user_id, order_by=per_member_day.c.day
    )
    gaps = select(
        per_member_day,
        case(
            (previous.is_(None), cap),
            (per_member_day.c.day - previous >= cap, cap),
            else_=per_member_day.c.day - previous,
        ).label("gap"),
    ).subquery()
    query: Select[Any] = select(
        gaps.c.day,
        gaps.c.gap,
        func.count().label("members"),
        func.sum(gaps.c.messages),
        func.sum(gaps.c.replies),
        func.sum(gaps.c.reactions),
        func.sum(type_coerce(gaps.c.score_sum, Float)),
        func.sum(gaps.c.score_count),
    ).group_by(gaps.c.day, gaps.c.gap)
    return day_series(await session.execute(query), count, windows)


def day_series(groups: Iterable[Any], count: int, windows: Sequence[int]) -> list[DayActivity]:
    """The days from ``(day, gap, members, messages, replies, reactions, score sum, score count)``
    groups: members active on ``day`` whose previous active day was ``gap`` days before (capped)."""
    active = [0] * count
    kinds = [[0, 0, 0] for _ in range(count)]
    scores = [[0.0, 0] for _ in range(count)]
    starting = [[0] * (count + 1) for _ in windows]
    for day, gap, members, messages, replies, reactions, score_sum, score_count in groups:
        day, gap, members = int(day), int(gap), int(members)
        active[day] += members
        for kind, value in enumerate((messages, replies, reactions)):
            kinds[day][kind] += int(value or 0)
        scores[day][0] += float(score_sum or 0.0)
        scores[day][1] += int(score_count or 0)
        for k, window in enumerate(windows):
            starting[k][min(count, day + max(0, window - gap))] += members
            starting[k][min(count, day + window)] -= members
    within: list[list[int]] = []
    for k in range(len(windows)):
        running, series = 0, []
        for day in range(count):
            running += starting[k][day]
            series.append(running)
        within.append(series)
    return [
        DayActivity(
            active=active[i],
            messages=kinds[i][0],
            replies=kinds[i][1],
            reactions=kinds[i][2],
            sentiment_sum=float(scores[i][0]),
            sentiment_count=int(scores[i][1]),
            within=tuple(series[i] for series in within),
        )
        for i in range(count)
    ]


async def users(
    session: AsyncSession,
    community: CommunityRef,
    *,
    since: datetime,
    until: datetime,
    periods: Sequence[tuple[datetime, datetime]],
) -> list[UserActivity]:
    a = ACTIVITY.c
    columns: list[Any] = [a.user_id, func.max(a.at)]
    for start, end in periods:
        inside = and_(a.at >= start, a.at < end)
        columns += [
            flag(inside),
            flag(and_(inside, a.kind.in_(sorted(POSTING)))),
            flag(and_(inside, a.kind == "reaction")),
        ]
    query = select(*columns).where(in_range(ACTIVITY, community, since, until)).group_by(a.user_id)
    found = []
    async for row in each_row(session, query):
        flags = [bool(v) for v in row[2:]]
        found.append(
            UserActivity(
                user=row[0],
                last=row[1],
                active=tuple(flags[0::3]),
                posted=tuple(flags[1::3]),
                reacted=tuple(flags[2::3]),
            )
        )
    return sorted(found, key=lambda u: u.user)


async def channels(
    session: AsyncSession, community: CommunityRef, *, since: datetime, until: datetime
) -> list[ChannelActivity]:
    a = ACTIVITY.c
    key = func.coalesce(func.nullif(a.channel_name, ""), func.nullif(a.channel_id, ""), "(unknown)")
    rows = (
        select(key.label("channel"), a.kind, a.user_id)
        .where(in_range(ACTIVITY, community, since, until))
        .subquery()
    )
    query = select(
        rows.c.channel,
        count_of(rows.c.kind == "message"),
        count_of(rows.c.kind == "reply"),
        count_of(rows.c.kind == "reaction"),
        func.count(rows.c.user_id.distinct()),
    ).group_by(rows.c.channel)
    found = [
        ChannelActivity(
            channel=r[0], messages=int(r[1]), replies=int(r[2]), reactions=int(r[3]), participants=int(r[4])
        )
        for r in await session.execute(query)
    ]
    return sorted(found, key=lambda s: (-s.total, s.channel))


def _plus(dialect: str, at: Any, later: timedelta) -> Any:
    seconds = int(later.total_seconds())
    if later != timedelta(seconds=seconds):
        raise ValueError("later must be whole seconds")
    if dialect == "postgresql":
        return at + func.make_interval(0, 0, 0, 0, 0, 0, seconds)
    # The stored text's date and time moved by whole seconds, its microseconds kept.
    return func.strftime("%Y-%m-%d %H:%M:%S", at, f"+{seconds} seconds").op("||")(func.substr(at, 20))


async def newcomers(
    session: AsyncSession,
    dialect: str,
    community: CommunityRef,
    *,
    since: datetime,
    until: datetime,
    joined_since: datetime,
    joined_until: datetime,
    later: timedelta,
) -> list[NewcomerActivity]:
    m, a = MEMBERS.c, ACTIVITY.c
    counted = and_(m.is_bot.is_(False), m.analytics_opt_out.is_(False))

    def first(*conditions: Any) -> Any:
        found = (
            select(a.at)
            .where(
                in_community(ACTIVITY, community),
                a.user_id == m.user_id,
                a.at >= since,
                a.at < until,
                counted,
                *conditions,
            )
            .order_by(a.at)
            .limit(1)
            .scalar_subquery()
        )
        return type_coerce(found, UTCDateTime())

    query = select(
        m.user_id,
        m.joined_at,
        first(a.at >= m.joined_at, a.kind.in_(sorted(POSTING))),
        first(a.at >= m.joined_at),
        first(a.at >= _plus(dialect, m.joined_at, later)),
    ).where(in_community(MEMBERS, community), m.joined_at >= joined_since, m.joined_at < joined_until)
    found = [
        NewcomerActivity(
            user=r[0], joined_at=r[1], first_post=r[2], first_active=r[3], first_active_later=r[4]
        )
        async for r in each_row(session, query)
    ]
    return sorted(found, key=lambda n: n.user)
