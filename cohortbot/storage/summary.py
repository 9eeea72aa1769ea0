"""``ActivityRepository.summary``: the report's days and members from one pass over the records.

``aggregates.days`` and ``aggregates.users`` each read the report's whole range (a million
records: most of a report's time). Here the records are grouped once, by member, day and
*segment*, into a common table (a few hundred thousand rows, materialised: it is read twice),
and both answers come from it in one statement:

- the segments cut the range at ``users_since`` and at every period's start and end, so a
  period is a run of whole segments and a member's flags for it are those of their groups in
  it (a record's segment is a binary search of CASEs, as its day is);
- a day cut by a segment boundary gives a member two groups that day: the second follows the
  first with a gap of 0 days, which counts no member and opens no window (``day_series``),
  while its messages and reactions still count.

The rows of both parts share one column list (UNION ALL): ``part`` 0 is a (day, gap) group of
``aggregates.days``, ``part`` 1 a member of ``aggregates.users``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cohortbot.playbook.ports import ActivitySummary, UserActivity
from cohortbot.playbook.refs import CommunityRef
from cohortbot.storage._sql import ACTIVITY
from cohortbot.storage.aggregates import day, day_series, each_row, flag, in_range, kind_columns, kind_sums
from cohortbot.storage.types import UTCDateTime

__all__ = ["summary"]


async def summary(
    session: AsyncSession,
    community: CommunityRef,
    starts: Sequence[datetime],
    *,
    until: datetime | None,
    windows: Sequence[int],
    users_since: datetime,
    periods: Sequence[tuple[datetime, datetime]],
) -> ActivitySummary:
    count = len(starts) - 1
    if count < 1:
        return ActivitySummary(days=[], users=[])
    end = starts[-1] if until is None else min(until, starts[-1])
    if users_since < starts[0]:
        raise ValueError("users_since must not be before the first day")
    cuts = sorted({t for t in (users_since, *(t for p in periods for t in p)) if starts[0] < t < end})
    edges = [starts[0], *cuts, end]

    def segment(t: datetime) -> int:
        """The first segment at or after ``t`` (a cut, or outside the range)."""
        return len(cuts) + 1 if t >= end else bisect_right(cuts, t)

    a = ACTIVITY.c
    rows = (
        select(
            a.user_id,
            a.at,
            day(a.at, starts, 0, count).label("day"),
            day(a.at, edges, 0, len(edges) - 1).label("segment"),
            *kind_columns(a),
        )
        .where(in_range(ACTIVITY, community, starts[0], end))
        .subquery()
    )
    groups = (
        select(
            rows.c.user_id,
            rows.c.day,
            rows.c.segment,
            *kind_sums(rows),
            func.max(rows.c.at).label("last"),
        )
        .group_by(rows.c.user_id, rows.c.day, rows.c.segment)
        .cte("member_segments")
    )
    g = groups.c
    cap = max([1, *windows])
    previous = func.lag(g.day).over(partition_by=g.user_id, order_by=g.day)
    gaps = select(
        g.day,
        g.messages,
        g.replies,
        g.reactions,
        g.score_sum,
        g.score_count,
        case((previous.is_(None), cap), (g.day - previous >= cap, cap), else_=g.day - previous).label("gap"),
    ).subquery()
    flags = []
    for start, stop in periods:
        inside = and_(g.segment >= segment(start), g.segment < segment(stop))
        flags += [
            flag(inside),
            flag(and_(inside, g.messages + g.replies > 0)),
            flag(and_(inside, g.reactions > 0)),
        ]
    no_user = [cast(null(), String), cast(null(), UTCDateTime()), *(cast(null(), Integer) for _ in flags)]
    no_day = [cast(null(), Integer) for _ in range(8)]
    day_part = select(
        literal(0).label("part"),
        gaps.c.day,
        gaps.c.gap,
        func.count(case((gaps.c.gap > 0, 1))),
        func.sum(gaps.c.messages),
        func.sum(gaps.c.replies),
        func.sum(gaps.c.reactions),
        func.sum(type_coerce(gaps.c.score_sum, Float)),
        func.sum(gaps.c.score_count),
        *no_user,
    ).group_by(gaps.c.day, gaps.c.gap)
    user_part = (
        select(literal(1), *no_day, g.user_id, func.max(g.last), *flags)
        .where(g.segment >= segment(users_since))
        .group_by(g.user_id)
    )
    days: list[tuple[Any, ...]] = []
    users = []
    async for row in each_row(session, union_all(day_part, user_part)):
        if row[0] == 0:
            days.append(tuple(row[1:9]))
            continue
        marks = [bool(v) for v in row[11:]]
        users.append(
            UserActivity(
                user=row[9],
                last=row[10],
                active=tuple(marks[0::3]),
                posted=tuple(marks[1::3]),
                reacted=tuple(marks[2::3]),
            )
        )
    return ActivitySummary(days=day_series(days, count, windows), users=sorted(users, key=lambda u: u.user))
