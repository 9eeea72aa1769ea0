"""Health: a weekly digest of community health for the moderators, on demand too, and a watch
on newcomers' questions that nobody answers.

The digest (``digest`` cron, Monday 09:00 by default) covers the seven full local days before
it, compared with the seven before those: headline numbers, sections and PNG charts (when the
runtime has a chart renderer; text only otherwise). ``/cohort health [weeks]`` answers a
moderator with the same report, privately, for the last seven days including today. The
numbers come from ``playbook.analytics`` over activity records (never message text);
members who opted out are not counted.

Newcomer watch: when a member who joined recently asks a question (a top-level message with a
question mark), a timer is set; when it fires, the activity records decide whether anyone
replied (in the thread, or answering the asker in that channel). If not, the moderators'
channel hears about it, once per question.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.analytics.metrics import question_outcomes
from cohortbot.playbook.commands import CommandSpec, OptionKind, OptionSpec
from cohortbot.playbook.events import CommandInvoked, MessagePosted, ScheduleFired, TimerFired
from cohortbot.playbook.messages import Attachment, Field, RichMessage, channel_link, timestamp
from cohortbot.playbook.model import Channels, CommunityPlaybook
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import Command, ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.activity import is_question
from cohortbot.playbook.steps.health.config import Goal, HealthConfig, NewcomerWatch
from cohortbot.playbook.steps.health.data import load_report
from cohortbot.playbook.steps.health.report import HealthReport

__all__ = ["STEP", "Goal", "HealthConfig", "NewcomerWatch"]

log = logging.getLogger("cohortbot.health")
Ctx = StepContext[HealthConfig]
ROLES = frozenset(Channels.model_fields)
WATCH = "unanswered:"


def schedules(cfg: HealthConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    if cfg.digest is None:
        return []
    return [ScheduleSpec(name="digest", cron=cfg.digest, grace=timedelta(hours=12), where=("digest",))]


def _channel(ctx: Ctx, spec: str) -> ChannelRef | None:
    name = spec.removeprefix("#")
    if name in ROLES:
        return ctx.channel(name)  # None when the playbook has no such channel
    return ChannelRef(ctx.community.platform, name=name)


async def _report(ctx: Ctx, *, weeks: int, with_today: bool) -> HealthReport:
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


def _charts(ctx: Ctx, report: HealthReport) -> tuple[Attachment, ...]:
    if ctx.charts is None or not ctx.config.charts:
        return ()
    return tuple(ctx.charts.render(chart) for chart in report.charts)


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    if event.schedule != "health.digest":
        return
    channel = _channel(ctx, ctx.config.channel)
    if channel is None:
        log.warning("health digest for %s: the playbook has no %s channel", ctx.community, ctx.config.channel)
        return
    report = await _report(ctx, weeks=ctx.config.weeks, with_today=False)
    ctx.emit(
        PostMessage(
            key=f"health-digest:{ctx.community}:{event.occurrence.isoformat()}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(
                title=report.title,
                text=report.text(),
                attachments=_charts(ctx, report),
                footer="Weekly health digest. /cohort health shows it any time.",
            ),
        )
    )


async def health(event: CommandInvoked, ctx: Ctx) -> None:
    weeks = int(event.options.get("weeks") or ctx.config.weeks)
    if not 1 <= weeks <= 52:
        ctx.respond(event.interaction, "weeks must be between 1 and 52.")
        return
    report = await _report(ctx, weeks=weeks, with_today=True)
    ctx.respond(
        event.interaction,
        report.text(),
        title=report.title,
        attachments=_charts(ctx, report),
        footer=f"as of {timestamp(ctx.now)}",
    )


# ---------------------------------------------------------------------------- newcomer watch


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    """A newcomer's top-level question: check back after ``unanswered_after``."""
    watch = ctx.config.newcomer_watch
    if not watch.enabled or event.is_bot or event.is_direct or not is_question(event.text):
        return
    if event.reply_to is not None or (event.thread is not None and event.thread.id != event.message.id):
        return  # a reply, not a new question
    member = await ctx.member(event.author)
    if member is None or member.analytics_opt_out or member.joined_at is None:
        return
    if event.occurred_at - member.joined_at > watch.newcomer_for:
        return
    await ctx.set_timer(
        f"{WATCH}{event.message.id}",
        event.occurred_at + watch.unanswered_after,
        subject=event.author,
        message=event.message.id,
        asked=event.occurred_at.isoformat(),
    )


async def on_timer(event: TimerFired, ctx: Ctx) -> None:
    if not event.kind.startswith(f"health.{WATCH}") or event.subject is None:
        return
    message_id = str(event.data.get("message", ""))
    asked = datetime.fromisoformat(str(event.data["asked"]))
    records = await ctx.uow.activity.list(ctx.community, since=asked, until=ctx.now + timedelta(seconds=1))
    outcome = next(
        (o for o in question_outcomes(records, asked, ctx.now) if o.question.message_id == message_id), None
    )
    if outcome is None or outcome.first_reply_at is not None:
        return  # answered (or the record is gone: the member opted out or deleted their data)
    member = await ctx.member(event.subject)
    channel = _channel(ctx, ctx.config.newcomer_watch.channel)
    if member is None or channel is None or member.joined_at is None:
        return
    days = str(max(0, (asked - member.joined_at).days))
    text = ctx.fill(ctx.config.newcomer_watch.message, member=member, days=days, when=timestamp(asked))
    where = outcome.question.channel
    ctx.emit(
        PostMessage(
            key=f"health-unanswered:{ctx.community}:{message_id}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(
                text=text,
                fields=(Field(name="Where", value=channel_link(where) if where else "a channel"),),
            ),
        )
    )


def _command(handler: Any) -> Command:
    spec = CommandSpec(
        path=("health",),
        description="Community health: participation, newcomers, questions, channels, goals (with charts)",
        options=(
            OptionSpec(
                name="weeks",
                description="weeks of history in the charts",
                kind=OptionKind.INTEGER,
                required=False,
            ),
        ),
        moderator=True,
    )
    return Command(spec=spec, handler=handler)


STEP = Step(
    name="health",
    config=HealthConfig,
    handlers={ScheduleFired: on_schedule, TimerFired: on_timer, MessagePosted: on_message},
    commands=(_command(health),),
    schedules=schedules,
)
