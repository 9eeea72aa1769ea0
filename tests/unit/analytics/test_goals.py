"""Goals: every goal metric's value on the synthetic community, and progress on timelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from cohortbot.playbook.analytics.goals import GOAL_METRICS, cohort_week, goal_progress
from tests.unit.analytics.support import goals as goal_values
from tests.unit.synthetic import START, Community, day

D0 = START.date()


def on(d: int) -> date:
    return D0 + timedelta(days=d)


# ---------------------------------------------------------------------------- goals


@dataclass(frozen=True)
class Goal:
    name: str
    metric: str
    target: float
    by_week: int


def test_goal_metric_values(community: Community, records) -> None:
    values = goal_values(records, community.members, start=START, now=day(35), extra={"connections": 4})
    assert set(values) == set(GOAL_METRICS)
    assert values["members_joined"] == 40
    assert values["introductions"] == 25
    assert values["active_members"] == 30  # the core, days 28..34
    assert values["posters"] == 120 + 40
    assert values["messages"] == 840 + (870 + 20) + 330 + 300 + 210
    assert values["activation_rate"] == pytest.approx(100 * 30 / 40)
    assert values["retention_rate"] == pytest.approx(100 * 20 / 30)
    assert values["answered_rate"] == pytest.approx(100 * 17 / 20)
    assert values["connections"] == 4


def test_goals_progress_against_their_timelines(community: Community, records) -> None:
    values = goal_values(records, community.members, start=START, now=day(35))
    week_now = cohort_week(D0, on(35))
    assert week_now == 6
    goals = [
        Goal("Members invited", "members_joined", 20, 3),  # 40 >= 20
        Goal("Introductions", "introductions", 30, 6),  # 25 < 30 * 6/6
        Goal("Introductions by term end", "introductions", 40, 12),  # 25 >= 40 * 6/12 = 20
        Goal("Chatty", "messages", 10_000, 4),  # week 6 > 4, not reached
        Goal("Answered", "answered_rate", 90, 8),  # 85% < 90%, week 8 not over
    ]
    progress = goal_progress(goals, values, week=week_now)
    assert [(p.name, p.value, p.status) for p in progress] == [
        ("Members invited", 40, "met"),
        ("Introductions", 25, "behind"),
        ("Introductions by term end", 25, "on track"),
        ("Chatty", 2570, "missed"),
        ("Answered", pytest.approx(85.0), "below target"),
    ]
    assert cohort_week(D0, D0) == 1 and cohort_week(D0, on(6)) == 1 and cohort_week(D0, on(7)) == 2


def test_a_percentage_with_nothing_to_count_is_no_data_not_missed(community: Community, records) -> None:
    """A week with no newcomer whose first week is over and no question asked: the rates are
    unknown, shown as such even past their week, while counts still go from 0."""
    values = goal_values(records, community.members, start=day(35), now=day(42))
    assert values["activation_rate"] is None and values["retention_rate"] is None
    assert values["answered_rate"] is None
    assert values["members_joined"] == 0
    goals = [Goal("Activation", "activation_rate", 60, 1), Goal("Joined", "members_joined", 5, 1)]
    progress = goal_progress(goals, values, week=2)
    assert [(p.name, p.value, p.status) for p in progress] == [
        ("Activation", None, "no data yet"),
        ("Joined", 0, "missed"),
    ]
