"""The health report as the bot shows it in chat: seven local days and the charts drawn."""

from __future__ import annotations

from datetime import timedelta

from cohortbot.playbook.messages import Attachment
from cohortbot.playbook.model import CHANNEL_ROLES
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.data import load_report
from cohortbot.playbook.steps.health.report import HealthReport

__all__ = ["Ctx", "chart_files", "moderators_channel", "recent_report"]

Ctx = StepContext[HealthConfig]


def moderators_channel(ctx: Ctx, spec: str) -> ChannelRef | None:
    """A channel role of the playbook (None when it names no such channel), or a channel name."""
    if spec.removeprefix("#") in CHANNEL_ROLES:
        return ctx.channel(spec.removeprefix("#"))
    return ctx.resolve(spec)


async def recent_report(ctx: Ctx, *, weeks: int, with_today: bool) -> HealthReport:
    """Seven local days with ``weeks`` of history in the charts: the full days before today
    (the digest), or the last seven including today so far (on demand)."""
    until = ctx.now.astimezone(ctx.playbook.zone).date() + timedelta(days=1 if with_today else 0)
    return await load_report(
        ctx.uow,
        ctx.community,
        ctx.loaded,
        ctx.config,
        since=until - timedelta(days=7),
        until=until,
        history_from=until - timedelta(weeks=weeks),
        newcomers_from=until - timedelta(weeks=4),
    )


def chart_files(ctx: Ctx, report: HealthReport) -> tuple[Attachment, ...]:
    """The report's charts as PNGs (none without a renderer, or when the playbook says so)."""
    if ctx.charts is None or not ctx.config.charts:
        return ()
    return tuple(ctx.charts.render(chart) for chart in report.charts)
