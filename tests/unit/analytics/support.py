"""The store's aggregates of the synthetic community, as the metrics read them.

``analytics.records`` computes them over the records (it is what the in-memory store answers,
and what the SQL of SQLite and PostgreSQL is held to), so each metric test reads the same
numbers a report reads from a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from cohortbot.playbook.analytics import records as aggregate
from cohortbot.playbook.analytics.goals import goal_values
from cohortbot.playbook.analytics.metrics import (
    WEEK,
    WINDOWS,
    Days,
    Participants,
    day_starts,
    participants,
    posts,
)
from cohortbot.playbook.ports import ActivityRecord, Member, NewcomerActivity, UserActivity
from tests.unit.synthetic import START

__all__ = ["days", "during", "goals", "newcomers", "users"]

FIRST, LAST = START.date() - timedelta(days=28), START.date() + timedelta(days=48)


def days(records: Sequence[ActivityRecord]) -> Days:
    """Every UTC day from four weeks before the start to seven weeks after it."""
    starts = day_starts(FIRST, LAST, UTC)
    return Days(FIRST, aggregate.days(records, starts, windows=WINDOWS))


def users(records: Sequence[ActivityRecord], until: datetime) -> list[UserActivity]:
    return aggregate.users(records, since=START - 4 * WEEK, until=until)


def during(records: Sequence[ActivityRecord], since: datetime, until: datetime) -> Participants:
    return participants(aggregate.users(records, since=since, until=until, periods=[(since, until)]), 0)


def newcomers(records: Sequence[ActivityRecord], members: Sequence[Member]) -> dict[str, NewcomerActivity]:
    joined = [(m.user.id, m.joined_at) for m in members if m.joined_at is not None]
    return {n.user: n for n in aggregate.newcomers(records, joined, later=WEEK)}


def goals(
    records: Sequence[ActivityRecord],
    members: Sequence[Member],
    *,
    start: datetime,
    now: datetime,
    extra: Mapping[str, float] | None = None,
) -> dict[str, float | None]:
    return goal_values(
        members,
        start=start,
        now=now,
        messages=posts(days(records), start.date(), (now - timedelta(days=1)).date()),
        since_start=during(records, start, now),
        last_week=during(records, now - WEEK, now),
        questions=aggregate.question_counts(records, start, now),
        newcomers=newcomers(records, members),
        extra=extra,
    )
