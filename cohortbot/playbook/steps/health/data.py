"""Gathering what the health report needs, through the storage ports (shared by the step and
``cohortbot report``): activity and members, and from the other steps only what their
published APIs give: prompt engagement, survey headlines, confirmed intro connections, live
sessions, the cohorts' calendars and rolls, roster and submission counts."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from cohortbot.playbook.analytics.metrics import WEEK, WINDOWS, Days, day_starts
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.assignments.api import submission_counts
from cohortbot.playbook.steps.health.attendance import load_sessions
from cohortbot.playbook.steps.health.cohorts import load_cohorts
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.inputs import HealthInputs
from cohortbot.playbook.steps.health.report import HealthReport, build_report
from cohortbot.playbook.steps.health.window import window
from cohortbot.playbook.steps.intros.api import confirmed_connections
from cohortbot.playbook.steps.prompts.api import engagement
from cohortbot.playbook.steps.roster.api import STEP_NAME as ROSTER
from cohortbot.playbook.steps.roster.api import roster_counts
from cohortbot.playbook.steps.surveys.api import survey_headlines

__all__ = ["load_report"]

INTROS = "intros"  # the playbook section whose step counts connections
ASSIGNMENTS = "assignments"  # the playbook section whose step takes submissions


async def load_report(
    uow: UnitOfWork,
    community: CommunityRef,
    loaded: LoadedPlaybook,
    cfg: HealthConfig,
    *,
    since: date,
    until: date,
    history_from: date | None = None,
    newcomers_from: date | None = None,
    now: datetime | None = None,
) -> HealthReport:
    """Read what the report needs for ``[since, until)`` (local days) and build it.

    The store aggregates the activity (a few small answers, whatever the number of records);
    only the members are read whole. ``now``: when the report is read (an assignment due
    after it is not missing yet); without it, as of the period's end.
    """
    zone = loaded.community.zone
    members = await uow.members.list(community, present_only=False)
    cohorts = await load_cohorts(uow, community, loaded)
    w = window(
        cfg,
        members,
        zone,
        since=since,
        until=until,
        history_from=history_from,
        newcomers_from=newcomers_from,
        first_seen=await uow.communities.first_seen(community),
        cohorts={c.name: c.calendar.cohort.start for c in cohorts},
    )
    activity, lo, hi = uow.activity, w.loaded_from, w.end
    # The days and the members' periods from one pass over the records (most of the report's time).
    summary = await activity.summary(
        community,
        day_starts(w.first_day, w.last_day, zone),
        until=hi,
        windows=WINDOWS,
        users_since=w.users_from,
        periods=w.periods,
    )
    inputs = HealthInputs(
        window=w,
        members=members,
        days=Days(w.first_day, summary.days),
        users=summary.users,
        channels=await activity.channels(community, since=w.start, until=hi),
        questions=await activity.questions(
            community, since=lo, until=hi, asked_since=w.questions_from, asked_until=hi
        ),
        answered=None
        if w.goal_from is None
        else await activity.question_counts(
            community, since=lo, until=hi, asked_since=w.goal_from, asked_until=hi
        ),
        newcomers=await activity.newcomers(
            community, since=lo, until=hi, joined_since=w.newcomers_from, joined_until=hi, later=WEEK
        ),
        prompts=await engagement(uow, community),
        surveys=await survey_headlines(uow, community, loaded),
        connections=await confirmed_connections(uow, community) if loaded.enabled(INTROS) else None,
        sessions=await load_sessions(uow, community, loaded, w.start),
        cohorts=cohorts,
        roster=await roster_counts(uow, community, until=hi) if loaded.enabled(ROSTER) else None,
        submissions=await submission_counts(uow, community, loaded) if loaded.enabled(ASSIGNMENTS) else None,
        now=now,
    )
    # Pure Python over every member (tens of milliseconds with ten thousand): in a worker thread,
    # so the event loop goes on meanwhile (the GIL is handed back to it every few milliseconds).
    name = loaded.community.display_name(community)
    return await asyncio.to_thread(build_report, inputs, cfg, community=name)
