"""Gathering what the health report needs, through the storage ports (shared by the step and
``cohortbot report``): activity and members, and from the other steps only what their
published APIs give: prompt engagement, survey headlines, confirmed intro connections."""

from __future__ import annotations

from datetime import date, timedelta

from cohortbot.playbook.analytics.metrics import day_start
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.report import HealthInputs, HealthReport, build_report
from cohortbot.playbook.steps.intros.api import confirmed_connections
from cohortbot.playbook.steps.prompts.api import engagement
from cohortbot.playbook.steps.surveys.api import survey_headlines

__all__ = ["load_report"]

LOOKBACK = timedelta(days=35)  # 28-day actives and recently-inactive members need this much before
INTROS = "intros"  # the playbook section whose step counts connections


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
) -> HealthReport:
    """Read what the report needs for ``[since, until)`` (local days) and build it."""
    zone = loaded.community.zone
    earliest = min(history_from or since, newcomers_from or since, since - (until - since)) - LOOKBACK
    records = await uow.activity.list(
        community, since=day_start(earliest, zone), until=day_start(until, zone)
    )
    inputs = HealthInputs(
        records=records,
        members=await uow.members.list(community, present_only=False),
        prompts=await engagement(uow, community),
        surveys=await survey_headlines(uow, community, loaded),
        connections=await confirmed_connections(uow, community) if loaded.enabled(INTROS) else None,
        zone=zone,
    )
    return build_report(
        inputs,
        cfg,
        since=since,
        until=until,
        history_from=history_from,
        newcomers_from=newcomers_from,
        community=loaded.community.display_name(community),
    )
