"""Goals: every goal metric's value on the synthetic community, and progress on timelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from cohortbot.playbook.analytics.goals import COMMUNITY_ONLY, GOAL_METRICS, cohort_week, goal_progress
from cohortbot.playbook.analytics.goals import goal_values as raw_goal_values
from cohortbot.playbook.ports import QuestionCounts
from tests.unit.analytics.support import during, newcomers
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


def test_a_cohort_s_goals_count_its_members_only(community: Community, records) -> None:
    """A cohort starting in week 2 whose roll has regulars, a reactor, a silent member, four
    newcomers and a member who opted out (never counted)."""
    start, now = day(7), day(35)
    enrolled = {"a0", "a1", "a50", "b0", "c0", "d0", "d20", "d30", "d35", "o0"}
    values = raw_goal_values(
        community.members,
        start=start,
        now=now,
        messages=12_345,  # the community's: no cohort can have it
        since_start=during(records, start, now),
        last_week=during(records, now - timedelta(days=7), now),
        questions=QuestionCounts(asked=20, answered=17),
        newcomers=newcomers(records, community.members),
        extra={"roster_joined": 7.0, "submissions_rate": 50.0, "connections": 4.0},
        enrolled=enrolled,
    )
    assert values["members_joined"] == 9  # the roll, whenever they joined; not o0
    assert values["introductions"] == 2  # d0 and d20 (of d0..d24), on day 7
    assert values["active_members"] == 2  # a0, a1: the core posts in week 5, a50 does not
    assert values["posters"] == 7  # a0, a1, a50, d0, d20, d30, d35; b0 only reacted, c0 is silent
    assert values["activation_rate"] == pytest.approx(100 * 2 / 4)  # d0, d20 of the four newcomers
    assert values["retention_rate"] == pytest.approx(100 * 1 / 2)  # d0 posted again in week 2, d20 not
    assert values["roster_joined"] == 7 and values["submissions_rate"] == 50
    assert {"messages", "answered_rate", "connections"} == COMMUNITY_ONLY
    assert all(values[m] is None for m in COMMUNITY_ONLY)


def test_without_the_steps_that_count_them_roster_and_submissions_have_no_data(
    community: Community, records
) -> None:
    values = goal_values(records, community.members, start=START, now=day(35))
    assert values["roster_joined"] is None and values["submissions_rate"] is None
    goals = [Goal("Roster", "roster_joined", 20, 3), Goal("Handed in", "submissions_rate", 80, 3)]
    assert [p.status for p in goal_progress(goals, values, week=6)] == ["no data yet", "no data yet"]
