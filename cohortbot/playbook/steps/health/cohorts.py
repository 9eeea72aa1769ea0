"""The health report per cohort: a short section for each cohort of ``steps.cohorts`` whose
weeks overlap the report's period.

Each says where the cohort is (week N of M), how many are on its roll and how many of them
posted in the last seven days, the assignments due in the period with on-time, late and
missing counts, the roster's joined against its rows, and the goals about the cohort. Only
what the other steps publish is read: rolls and calendars (``cohorts.api``), roster counts
(``roster.api``), submission counts (``assignments.api``); member ids stay ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from cohortbot.playbook.analytics.goals import cohort_week
from cohortbot.playbook.analytics.metrics import participants
from cohortbot.playbook.lengths import more_lines
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.ports import NewcomerActivity, UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.cohorts import api as cohorts
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.goals import cohort_goal_lines
from cohortbot.playbook.steps.health.inputs import CohortRoll, HealthInputs
from cohortbot.playbook.steps.health.text import day_label
from cohortbot.playbook.steps.health.weeks import span
from cohortbot.playbook.steps.health.window import LAST_WEEK

__all__ = ["HEADING", "MAX_DUE", "cohort_sections", "load_cohorts", "running"]

HEADING = "Cohort"
MAX_DUE = 5  # assignments listed per cohort and period (a week rarely has more)


async def load_cohorts(uow: UnitOfWork, community: CommunityRef, loaded: LoadedPlaybook) -> list[CohortRoll]:
    """The playbook's cohorts with who is in each (none when the cohorts step is off)."""
    return [
        CohortRoll(
            calendar=cal, members=frozenset(await cohorts.member_ids(uow, loaded, community, cal.name))
        )
        for cal in cohorts.calendars(loaded)
    ]


def running(inputs: HealthInputs) -> list[CohortRoll]:
    """The cohorts whose weeks overlap the report's period, in the playbook's order."""
    w = inputs.window
    return [c for c in inputs.cohorts if c.calendar.starts_at < w.end and c.calendar.ends_at > w.start]


def cohort_sections(
    inputs: HealthInputs, cfg: HealthConfig, newcomers: Mapping[str, NewcomerActivity]
) -> list[tuple[str, list[str]]]:
    """One section per cohort running in the period (none without cohorts)."""
    return [(_heading(inputs, roll), _body(inputs, cfg, newcomers, roll)) for roll in running(inputs)]


def _heading(inputs: HealthInputs, roll: CohortRoll) -> str:
    cohort = roll.calendar.cohort
    week = cohort_week(cohort.start, inputs.window.until - timedelta(days=1))
    title = literal(roll.calendar.title)
    if week > cohort.weeks:
        last = cohort.start + timedelta(weeks=cohort.weeks, days=-1)
        return f"{HEADING} {title}: its {cohort.weeks} weeks ended {day_label(last)}"
    return f"{HEADING} {title}: week {week} of {cohort.weeks}"


def _body(
    inputs: HealthInputs, cfg: HealthConfig, newcomers: Mapping[str, NewcomerActivity], roll: CohortRoll
) -> list[str]:
    w = inputs.window
    last = w.until - timedelta(days=1)
    posted = participants(inputs.users, LAST_WEEK).posters & roll.members
    lines = [f"{len(roll.members)} member(s); {len(posted)} posted in the 7 days to {day_label(last)}."]
    if inputs.roster is not None:
        rows, joined = inputs.roster.by_cohort.get(roll.name, (0, 0))
        lines.append(f"Roster: {joined} of {rows} joined." if rows else "Roster: no rows for this cohort.")
    if inputs.submissions is not None:
        due = [a for a in inputs.submissions if a.cohort == roll.name and w.start <= a.due_at < w.end]
        period = span(w.since, last)
        if not due:
            lines.append(f"Nothing due {period}.")
        for a in due[:MAX_DUE]:
            if a.due_at < inputs.as_of:
                missing = max(0, a.members - a.on_time - a.late)
                counts = f"{a.on_time} on time, {a.late} late, {missing} missing"
            else:
                counts = f"{a.on_time} submitted so far"
            lines.append(f"- due {timestamp(a.due_at)}: **{literal(a.title)}**: {counts}")
        if len(due) > MAX_DUE:
            lines.append(more_lines(len(due) - MAX_DUE))
    return lines + cohort_goal_lines(inputs, cfg, newcomers, roll)
