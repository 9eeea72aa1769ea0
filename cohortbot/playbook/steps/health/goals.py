"""The report's goals: the community's (weeks from ``health.start``, else the first cohort's
start) and each cohort's (weeks from its own start, counting only its members).

A goal about a cohort is shown in that cohort's section while the report's period overlaps its
weeks (:mod:`.cohorts`); before it starts, after it ended, or when the cohorts step is off, it
is shown in the Goals section with the community's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from cohortbot.playbook.analytics.goals import GoalProgress, cohort_week, goal_progress, goal_values
from cohortbot.playbook.analytics.metrics import day_start, participants, posts
from cohortbot.playbook.messages import literal
from cohortbot.playbook.ports import NewcomerActivity, QuestionCounts
from cohortbot.playbook.steps.health.config import Goal, HealthConfig
from cohortbot.playbook.steps.health.inputs import CohortRoll, HealthInputs
from cohortbot.playbook.steps.health.text import day_label
from cohortbot.playbook.steps.health.window import LAST_WEEK, SINCE_START

__all__ = ["cohort_goal_lines", "goals_section", "roster_joined", "submissions_rate"]

GOALS = "Goals"


def roster_joined(inputs: HealthInputs, cohort: str | None) -> float | None:
    """Roster rows matched to a member who joined (by the window's end): the cohort's rows, or
    every row; None without the roster step."""
    if inputs.roster is None:
        return None
    if cohort is None:
        return float(inputs.roster.joined)
    return float(inputs.roster.by_cohort.get(cohort, (0, 0))[1])


def submissions_rate(inputs: HealthInputs, cohort: str | None) -> float | None:
    """Of the assignments due so far (the cohort's, or every cohort's): submissions (on time or
    late) out of the members who should have submitted, in percent; None without any due yet
    (or without the assignments step)."""
    if inputs.submissions is None:
        return None
    due = [
        a for a in inputs.submissions if a.due_at < inputs.as_of and (cohort is None or a.cohort == cohort)
    ]
    expected = sum(a.members for a in due)
    if not expected:
        return None
    return 100.0 * sum(a.on_time + a.late for a in due) / expected


def _values(
    inputs: HealthInputs, newcomers: Mapping[str, NewcomerActivity], roll: CohortRoll | None
) -> dict[str, float | None]:
    """Every metric's value for the community's goals (``roll`` None) or one cohort's."""
    w = inputs.window
    cohort = None if roll is None else roll.name
    extra: dict[str, float | None] = {
        "roster_joined": roster_joined(inputs, cohort),
        "submissions_rate": submissions_rate(inputs, cohort),
    }
    if roll is None:
        start = w.goal_start or w.until
        since, period, messages = day_start(start, w.zone), SINCE_START, _messages(inputs, start)
        if inputs.connections is not None:
            extra["connections"] = float(inputs.connections)
    else:
        start = roll.calendar.cohort.start
        since, period, messages = roll.calendar.starts_at, w.since_cohort(start), 0
    return goal_values(
        inputs.members,
        start=since,
        now=w.end,
        messages=messages,
        since_start=participants(inputs.users, period),
        last_week=participants(inputs.users, LAST_WEEK),
        questions=inputs.answered or QuestionCounts(0, 0),
        newcomers=newcomers,
        extra=extra,
        enrolled=None if roll is None else roll.members,
    )


def _messages(inputs: HealthInputs, start: date) -> int:
    w = inputs.window
    return posts(inputs.days, max(start, w.first_day), w.until - timedelta(days=1))


def _line(g: GoalProgress) -> str:
    unit = "%" if g.metric.endswith("_rate") else ""
    value = "n/a" if g.value is None else f"{g.value:.0f}{unit}"
    return f"- {literal(g.name)}: {value} of {g.target:.0f}{unit} by week {g.by_week}: **{g.status}**"


def _progress(
    goals: Sequence[Goal], values: Mapping[str, float | None], start: date, last: date
) -> list[str]:
    week = cohort_week(start, last)
    if week < 1:
        return [f"Tracked from {day_label(start)}, the start."]
    return [_line(g) for g in goal_progress(goals, values, week=week)]


def cohort_goal_lines(
    inputs: HealthInputs, cfg: HealthConfig, newcomers: Mapping[str, NewcomerActivity], roll: CohortRoll
) -> list[str]:
    """The lines of the goals about ``roll``'s cohort (none if it has none)."""
    goals = [g for g in cfg.goals if g.cohort == roll.name]
    if not goals:
        return []
    last = inputs.window.until - timedelta(days=1)
    return _progress(goals, _values(inputs, newcomers, roll), roll.calendar.cohort.start, last)


def goals_section(
    inputs: HealthInputs,
    cfg: HealthConfig,
    newcomers: Mapping[str, NewcomerActivity],
    *,
    shown: frozenset[str] = frozenset(),
) -> list[tuple[str, list[str]]]:
    """The community's goals, then those about a cohort not ``shown`` in a section of its own."""
    w = inputs.window
    last = w.until - timedelta(days=1)
    lines: list[str] = []
    community = [g for g in cfg.goals if g.cohort is None]
    if community and w.goal_start is not None:
        start = w.goal_start
        week = cohort_week(start, last)
        if week < 1:
            lines.append(f"The cohort starts {day_label(start)}; goals are tracked from then.")
        else:
            lines.append(f"Cohort week {week} (started {day_label(start)}), as of {day_label(last)}:")
            lines += _progress(community, _values(inputs, newcomers, None), start, last)
    for name in dict.fromkeys(g.cohort for g in cfg.goals if g.cohort is not None and g.cohort not in shown):
        goals = [g for g in cfg.goals if g.cohort == name]
        roll = inputs.cohort(name)
        if roll is None:
            lines.append(f"Cohort {literal(name)}: not in the playbook's cohorts (is the cohorts step on?)")
            lines += [f"- {literal(g.name)}: n/a" for g in goals]
            continue
        cohort = roll.calendar.cohort
        title = literal(roll.calendar.title)
        if cohort_week(cohort.start, last) < 1:
            lines.append(f"{title} starts {day_label(cohort.start)}; its goals are tracked from then.")
            continue
        ended = cohort.start + timedelta(weeks=cohort.weeks, days=-1)
        lines.append(f"{title} (started {day_label(cohort.start)}, ended {day_label(ended)}):")
        lines += cohort_goal_lines(inputs, cfg, newcomers, roll)
    return [(GOALS, lines)] if lines else []
