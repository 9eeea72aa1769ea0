"""The one reminder before an assignment's due moment, to the members who have not submitted,
and a timed exercise's "your time is nearly up".

An hourly planner (``assignments.plan``) sets a timer at each moment's reminder time (its
due moment less ``remind_before``) once it is less than two hours away; if the bot first sees
that time after it passed (a restart, a bot started mid-course) and the assignment is not due
yet, it reminds at once. The moment's document records that its reminder went out, and each
DM's key names the moment and the member, so a replayed timer, a planner that runs again or a
restart never reminds twice; cohorts that share an assignment moment share its document, so
a member in both is reminded once.

DMs refused: no reminder (a mention in a channel would tell everyone who hasn't submitted).
"""

from __future__ import annotations

from datetime import timedelta

from cohortbot.playbook.events import ScheduleFired, TimerFired
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import ScheduleSpec, StepContext
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import RemindMissing, WindowClosing, Work
from cohortbot.playbook.steps.assignments.moments import Moment, closes_at, moments
from cohortbot.playbook.steps.assignments.resolve import cohort_title
from cohortbot.playbook.steps.assignments.ui import how_to_submit, limit_text
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["PLAN_AHEAD", "on_schedule", "remind_missing", "schedules", "window_closing"]

Ctx = StepContext[AssignmentsConfig]
PLAN_AHEAD = timedelta(hours=2)  # more than the planner's hour: no reminder time falls between


def schedules(cfg: AssignmentsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [ScheduleSpec(name="plan", cron="0 * * * *")]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    if event.schedule != "assignments.plan":
        return
    for moment in moments(ctx.loaded):
        before = moment.first.spec.remind_before
        if before <= timedelta(0) or moment.due_at <= ctx.now:
            continue
        remind_at = moment.due_at - before
        if remind_at <= ctx.now:
            await _remind(ctx, moment)  # its time passed while the bot was not there: now, once
        elif remind_at <= ctx.now + PLAN_AHEAD:
            await ctx.set_timer(RemindMissing(moment=moment.id), remind_at, name=moment.id)


def _find(ctx: Ctx, moment_id: str) -> Moment | None:
    return next((m for m in moments(ctx.loaded) if m.id == moment_id), None)


async def remind_missing(payload: RemindMissing, ctx: Ctx) -> None:
    moment = _find(ctx, payload.moment)
    if moment is not None and moment.due_at > ctx.now:
        await _remind(ctx, moment)


def _theirs(moment: Moment, member: Member) -> cohorts.Assignment:
    """The member's cohort's assignment of the moment (the first cohort of theirs that has it)."""
    joined = cohorts.cohorts_of(member)
    return next((a for a in moment.assignments if a.cohort in joined), moment.first)


async def _remind(ctx: Ctx, moment: Moment) -> None:
    work = await ctx.load(Work, moment.id)
    if work.reminded:
        return
    work.name, work.due_at, work.reminded = moment.name, moment.due_at, True
    await ctx.store(work, moment.id)
    ids: set[str] = set()
    for cohort in moment.cohorts:
        ids |= set(await cohorts.member_ids(ctx.uow, ctx.loaded, ctx.community, cohort))
    for uid in sorted(ids):
        if uid in work.submissions or uid in work.started:  # a started exercise has its own reminder
            continue
        member = await ctx.member(UserRef(ctx.community.platform, uid))
        if member is None or not member.present:
            continue
        assignment = _theirs(moment, member)
        spec = assignment.spec
        text = ctx.fill(
            ctx.config.reminder,
            member=member,
            title=assignment.title,
            when=timestamp(assignment.due_at),
            cohort=cohort_title(ctx, assignment.cohort),
            link=spec.link,
        )
        if spec.time_limit is not None:
            text += (
                f"\nIt's timed: start it with `/cohort assignment start {spec.name}` and you'll have "
                f"{limit_text(spec.time_limit)}."
            )
        else:
            text += "\n" + how_to_submit(spec.name)
        ctx.dm(member.user, text, key=ctx.key("remind", moment.id, uid))


async def window_closing(payload: WindowClosing, ctx: Ctx) -> None:
    user = ctx.event.subject if isinstance(ctx.event, TimerFired) else None
    moment = _find(ctx, payload.moment)
    if user is None or moment is None:
        return
    work = await ctx.load(Work, moment.id)
    started = work.started.get(user.id)
    member = await ctx.member(user)
    if started is None or user.id in work.submissions or member is None or not member.present:
        return
    assignment = _theirs(moment, member)
    closes = closes_at(assignment, started)
    if closes is None or closes <= ctx.now:
        return
    text = ctx.fill(
        ctx.config.window_reminder,
        member=member,
        title=assignment.title,
        when=timestamp(closes),
        cohort=cohort_title(ctx, assignment.cohort),
        link=assignment.spec.link,
    )
    text += "\n" + how_to_submit(assignment.spec.name)
    ctx.dm(member.user, text, key=ctx.key("window", moment.id, user.id))
