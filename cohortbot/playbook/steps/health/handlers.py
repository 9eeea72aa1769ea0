"""Health: a weekly digest of community health for the moderators, on demand too, and a watch
on newcomers' questions that nobody answers.

The digest (``digest`` cron, Monday 09:00 by default) covers the last week over (weeks start
on ``week_start``, by default the digest's weekday), compared with the week before it; none is
sent about a week wholly before the cohort's start (``start``, or the day the bot first saw the
community), so a bot started on a Monday morning sends no digest about the empty week before.
It shows headline numbers, sections and PNG charts (when the
runtime has a chart renderer; text only otherwise). ``/cohort health [weeks]`` answers a
moderator with the same report, privately, for the last seven days including today. Neither
builds the report while deciding: they emit a ``BuildReport`` (recorded in the outbox with the
decision), which the bot's reports job performs off the event path; the command answers
"preparing…" at once and the report follows. The
numbers come from ``playbook.analytics`` over activity records (never message text);
members who opted out are not counted. With cohorts (``steps.cohorts``), the report opens with
a part per cohort running in its days, with the goals about that cohort (``cohorts.py``).

Newcomer watch: when a member who joined recently asks a question (a top-level message with a
question mark), a timer is set; when it fires, the activity records decide whether anyone
replied (in the thread, or answering the asker in that channel). If not, the moderators'
channel hears about it, once per question.

The step keeps nothing about members beyond the watch's timer (about the asker, so storage
forgets it with them): no documents, no member section, no privacy hooks needed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cohortbot.playbook.analytics.records import question_outcomes
from cohortbot.playbook.events import MessagePosted, ScheduleFired
from cohortbot.playbook.messages import Field, RichMessage, channel_link, timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import ScheduleSpec, Step
from cohortbot.playbook.steps.activity import is_question
from cohortbot.playbook.steps.health.commands import COMMANDS
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.digest import Ctx, moderators_channel, period, request_report
from cohortbot.playbook.steps.health.model import STEP_NAME, UnansweredQuestion
from cohortbot.playbook.steps.health.weeks import reported_from

__all__ = ["STEP"]

log = logging.getLogger("cohortbot.health")
DIGEST = "digest"


def schedules(cfg: HealthConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    if cfg.digest is None:
        return []
    return [ScheduleSpec(name=DIGEST, cron=cfg.digest, grace=timedelta(hours=12), where=("digest",))]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    if event.schedule != f"{STEP_NAME}.{DIGEST}":
        return
    channel = moderators_channel(ctx, ctx.config.channel)
    if channel is None:
        log.warning("health digest for %s: the playbook has no %s channel", ctx.community, ctx.config.channel)
        return
    p = period(ctx, weeks=ctx.config.weeks, with_today=False)
    first_seen = await ctx.uow.communities.first_seen(ctx.community)
    began = reported_from(ctx.config, first_seen, ctx.playbook.zone)
    if began is not None and p.until <= began:
        log.info(
            "health digest for %s skipped: %s to %s is before the cohort's start (%s)",
            ctx.community,
            p.since,
            p.until - timedelta(days=1),
            began,
        )
        return
    request_report(
        ctx,
        p,
        key=ctx.key(DIGEST, event.occurrence.isoformat()),
        footer="Weekly health digest. /cohort health shows it any time.",
        channel=channel,
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
        UnansweredQuestion(message=event.message.id, asked=event.occurred_at, asker=event.author.id),
        event.occurred_at + watch.unanswered_after,
        name=event.message.id,
        subject=event.author,
    )


async def on_unanswered(timer: UnansweredQuestion, ctx: Ctx) -> None:
    """Nobody replied to the newcomer's question yet: tell the moderators, once."""
    asked = timer.asked
    records = await ctx.uow.activity.list(ctx.community, since=asked, until=ctx.now + timedelta(seconds=1))
    outcome = next(
        (o for o in question_outcomes(records, asked, ctx.now) if o.question.message_id == timer.message),
        None,
    )
    if outcome is None or outcome.first_reply_at is not None:
        return  # answered (or the record is gone: the member opted out or deleted their data)
    member = await ctx.member(UserRef(ctx.community.platform, timer.asker))
    channel = moderators_channel(ctx, ctx.config.newcomer_watch.channel)
    if member is None or channel is None or member.joined_at is None:
        return
    days = str(max(0, (asked - member.joined_at).days))
    text = ctx.fill(ctx.config.newcomer_watch.message, member=member, days=days, when=timestamp(asked))
    where = outcome.question.channel
    message = RichMessage(
        text=text, fields=(Field(name="Where", value=channel_link(where) if where else "a channel"),)
    )
    ctx.post(channel, message, key=ctx.key("unanswered", timer.message))


STEP = Step(
    name=STEP_NAME,
    config=HealthConfig,
    handlers={ScheduleFired: on_schedule, MessagePosted: on_message},
    timers={UnansweredQuestion: on_unanswered},
    commands=COMMANDS,
    schedules=schedules,
)
