"""Progress on a playbook's goals: key results with timelines, pure.

Weeks count from the cohort's start (week 1 is its first seven days). A count is on track
while it is at least on the straight line from 0 at the start to the target at ``by_week``;
a percentage has no pace: it is "below target" until its week has passed, then "missed". A
percentage with nothing to count yet (no newcomer's first week over, no question asked) has no
value: "no data yet", never a 0% "missed".

A goal may be about one cohort (``enrolled``: its members): weeks count from its start and
the member metrics count only its members. The metrics the store counts for the whole
community only (:data:`COMMUNITY_ONLY`: messages and questions are aggregated per day and per
question, not per member; connections per match) cannot be restricted to a cohort.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from cohortbot.playbook.analytics.metrics import (
    Participants,
    Rate,
    activation,
    retention,
)
from cohortbot.playbook.ports import Member, NewcomerActivity, QuestionCounts

__all__ = [
    "COMMUNITY_ONLY",
    "GOAL_METRICS",
    "GoalLike",
    "GoalProgress",
    "cohort_week",
    "goal_progress",
    "goal_values",
]

# metric name -> (what it counts, whether it is a percentage)
GOAL_METRICS: dict[str, tuple[str, bool]] = {
    "members_joined": ("members who joined since the cohort start", False),
    "introductions": ("introductions made since the cohort start", False),
    "active_members": ("members active in the last 7 days", False),
    "posters": ("members who posted since the cohort start", False),
    "messages": ("messages and replies since the cohort start", False),
    "activation_rate": ("% of newcomers who posted within 7 days of joining", True),
    "retention_rate": ("% of newcomers active in their first week who were active in the second", True),
    "answered_rate": ("% of questions asked since the start that got a reply", True),
    "connections": ("introductions the bot matched that were confirmed as met", False),
    "roster_joined": ("roster rows matched to a member who joined", False),
    "submissions_rate": ("% of the members' submissions of the assignments due so far", True),
}
# Counted by the store for the whole community, never per member: no goal about a cohort.
COMMUNITY_ONLY = frozenset({"messages", "answered_rate", "connections"})


class GoalLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def target(self) -> float: ...
    @property
    def by_week(self) -> int: ...


@dataclass(frozen=True, slots=True)
class GoalProgress:
    name: str
    metric: str
    value: float | None  # None: a percentage with nothing to count yet
    target: float
    by_week: int
    week: int
    status: str  # "met" | "on track" | "behind" | "below target" | "missed" | "no data yet"


def cohort_week(start: date, today: date) -> int:
    """Week number of ``today`` in a cohort starting ``start`` (week 1 is its first 7 days)."""
    return (today - start).days // 7 + 1


def goal_values(
    members: Iterable[Member],
    *,
    start: datetime,
    now: datetime,
    messages: int,
    since_start: Participants,
    last_week: Participants,
    questions: QuestionCounts,
    newcomers: Mapping[str, NewcomerActivity],
    extra: Mapping[str, float | None] | None = None,
    enrolled: Collection[str] | None = None,
) -> dict[str, float | None]:
    """The value of every metric of :data:`GOAL_METRICS` (``extra`` supplies ``connections``,
    ``roster_joined`` and ``submissions_rate``, None without them: the steps that count them).

    From the store's aggregates: ``messages`` and ``since_start`` over ``[start, now)``,
    ``last_week`` over the 7 days before ``now``, the ``questions`` asked since ``start`` (counted),
    ``newcomers`` (by member id) who joined since ``start``. A percentage with nothing to
    count (no newcomer's week over, no question) is None.

    ``enrolled``: a cohort's member ids. The member metrics count only them, and
    ``members_joined`` is all of them (who joined since its start or were on its roll
    before); the :data:`COMMUNITY_ONLY` metrics are None.
    """
    people = [m for m in members if not m.is_bot and not m.analytics_opt_out]
    if enrolled is not None:
        among = frozenset(enrolled)
        people = [m for m in people if m.user.id in among]
        since_start = _among(since_start, among)
        last_week = _among(last_week, among)
    rates = {
        "activation_rate": activation(newcomers, people, start, now, now=now),
        "retention_rate": retention(newcomers, people, start, now, now=now),
        "answered_rate": Rate(questions.answered, questions.asked),
    }
    joined = (
        len(people)
        if enrolled is not None
        else sum(1 for m in people if m.joined_at is not None and start <= m.joined_at < now)
    )
    values: dict[str, float | None] = {
        "members_joined": joined,
        "introductions": sum(
            1 for m in people if m.introduced_at is not None and start <= m.introduced_at < now
        ),
        "active_members": len(last_week.active),
        "posters": len(since_start.posters),
        "messages": messages,
        **{name: None if rate.value is None else 100.0 * rate.value for name, rate in rates.items()},
        "connections": 0.0,
        "roster_joined": None,
        "submissions_rate": None,
    }
    values.update(extra or {})
    if enrolled is not None:
        values.update(dict.fromkeys(COMMUNITY_ONLY))
    return values


def _among(period: Participants, ids: frozenset[str]) -> Participants:
    return Participants(
        active=period.active & ids, posters=period.posters & ids, reactors=period.reactors & ids
    )


def goal_progress(
    goals: Iterable[GoalLike], values: Mapping[str, float | None], *, week: int
) -> list[GoalProgress]:
    """Each goal's value against its target and timeline.

    Counts are on track when at least ``target * week / by_week`` (a straight line to the
    target); percentages have no pace, only "below target" until their week has passed, and
    none without data ("no data yet").
    """
    found = []
    for goal in goals:
        value = values.get(goal.metric, 0.0)
        rate = GOAL_METRICS.get(goal.metric, ("", False))[1]
        if value is None:
            status = "no data yet"
        elif value >= goal.target:
            status = "met"
        elif week > goal.by_week:
            status = "missed"
        elif rate:
            status = "below target"
        else:
            status = "on track" if value >= goal.target * week / goal.by_week else "behind"
        found.append(
            GoalProgress(
                name=goal.name,
                metric=goal.metric,
                value=None if value is None else float(value),
                target=goal.target,
                by_week=goal.by_week,
                week=week,
                status=status,
            )
        )
    return found
