"""Gathering what the health report needs, through the storage ports (shared by the step and
``cohortbot report``): activity, members, the prompt log, survey headlines, intro connections."""

from __future__ import annotations

from datetime import date, timedelta

from cohortbot.playbook.analytics.metrics import day_start
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.report import HealthInputs, HealthReport, build_report
from cohortbot.playbook.steps.intros.records import load_rounds
from cohortbot.playbook.steps.prompts.records import POSTED_STATE, prompt_engagement
from cohortbot.playbook.steps.surveys.model import SurveysConfig
from cohortbot.playbook.steps.surveys.store import load_summary

__all__ = ["load_report", "survey_headlines"]

LOOKBACK = timedelta(days=35)  # 28-day actives and recently-inactive members need this much before


async def survey_headlines(uow: UnitOfWork, community: CommunityRef, loaded: LoadedPlaybook) -> list[str]:
    """One line per survey with answers (responses, rate, scale means, NPS), via survey_summary."""
    cfg = loaded.steps.get("surveys")
    if not isinstance(cfg, SurveysConfig) or not cfg.enabled:
        return []
    lines = []
    for survey in cfg.surveys:
        summary = await load_summary(uow, community, survey)
        if summary.responses:
            lines.append(f"- {summary.headline()}")
    return lines


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
    connections = None
    if loaded.enabled("intros"):
        rounds = await load_rounds(uow, community)
        connections = sum(1 for r in rounds for m in r.matches if m.confirmed)
    inputs = HealthInputs(
        records=records,
        members=await uow.members.list(community, present_only=False),
        prompts=prompt_engagement(await uow.state.get(community, POSTED_STATE)),
        surveys=await survey_headlines(uow, community, loaded),
        connections=connections,
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
