"""The health report as the bot shows it in chat: seven local days and the charts drawn.

Deciding asks for the report (a ``BuildReport`` action); the bot's reports job reads and
draws it later, off the event path, and sends what :func:`answer` makes of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cohortbot.playbook.actions import Action, BuildReport, PostMessage, RespondToInteraction
from cohortbot.playbook.messages import Attachment, RichMessage, timestamp
from cohortbot.playbook.model import CHANNEL_ROLES
from cohortbot.playbook.refs import ChannelRef, InteractionRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.model import STEP_NAME
from cohortbot.playbook.steps.health.report import HealthReport
from cohortbot.playbook.steps.health.weeks import first_weekday, week_start

__all__ = ["ANSWER_WITHIN", "Ctx", "Period", "answer", "moderators_channel", "period", "request_report"]

Ctx = StepContext[HealthConfig]
# Discord accepts follow-ups to an interaction for 15 minutes (Slack's response_url: 30); a
# report finished later than this after the command is posted in the moderators' channel.
ANSWER_WITHIN = timedelta(minutes=14)


@dataclass(frozen=True, kw_only=True)
class Period:
    since: date
    until: date  # exclusive
    history_from: date
    newcomers_from: date


def moderators_channel(ctx: Ctx, spec: str) -> ChannelRef | None:
    """A channel role of the playbook (None when it names no such channel), or a channel name."""
    if spec.removeprefix("#") in CHANNEL_ROLES:
        return ctx.channel(spec.removeprefix("#"))
    return ctx.resolve(spec)


def period(ctx: Ctx, *, weeks: int, with_today: bool) -> Period:
    """Seven local days with ``weeks`` of history in the weekly table and charts.

    The digest: the last week over (the seven days before this week's first day, which is
    today with the digest on the week's first weekday), ``weeks`` whole weeks of history. On
    demand: the last seven days including today so far, the history's last week this one.
    Both cut weeks with ``weeks.week_start``, so their weekly tables agree.
    """
    today = ctx.now.astimezone(ctx.playbook.zone).date()
    this_week = week_start(today, first_weekday(ctx.config))
    until = today + timedelta(days=1) if with_today else this_week
    history = this_week - timedelta(weeks=weeks - 1 if with_today else weeks)
    return Period(
        since=until - timedelta(days=7),
        until=until,
        history_from=history,
        newcomers_from=until - timedelta(weeks=4),
    )


def request_report(
    ctx: Ctx,
    p: Period,
    *,
    key: str,
    footer: str,
    channel: ChannelRef | None = None,
    interaction: InteractionRef | None = None,
) -> None:
    """Decide to build the report and send it (recorded in the outbox with this decision)."""
    ctx.emit(
        BuildReport(
            key=key,
            community=ctx.community,
            report=STEP_NAME,
            since=p.since,
            until=p.until,
            history_from=p.history_from,
            newcomers_from=p.newcomers_from,
            channel=channel,
            interaction=interaction,
            requested_at=ctx.now if interaction is not None else None,
            footer=footer,
        )
    )


def answer(
    request: BuildReport,
    report: HealthReport,
    attachments: tuple[Attachment, ...],
    *,
    max_length: int,
    now: datetime,
) -> Action:
    """What to send once the report is built: the answer to the interaction while it can still
    be answered, else a post in the request's channel."""
    interaction, asked = request.interaction, request.requested_at
    late = asked is not None and now - asked >= ANSWER_WITHIN
    to_channel = request.channel is not None and (interaction is None or late)
    footer = request.footer
    if to_channel and asked is not None:
        footer = f"{footer} (asked for with /cohort health at {timestamp(asked)})"
    message = RichMessage(
        title=report.title, text=report.text(max_length), attachments=attachments, footer=footer
    )
    if to_channel and request.channel is not None:
        return PostMessage(
            key=f"{request.key}:answer",
            community=request.community,
            channel=request.channel,
            message=message,
            origin=request.origin,
        )
    if interaction is None:
        raise ValueError(f"report {request.key} has neither an interaction nor a channel to go to")
    return RespondToInteraction(
        key=f"{request.key}:answer",
        community=request.community,
        interaction=interaction,
        message=message,
        origin=request.origin,
    )
