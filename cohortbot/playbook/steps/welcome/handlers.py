"""Welcome: a personal DM for every new member, guidelines, follow-ups, join-burst grouping.

- **Welcome**: a DM with the welcome card (:mod:`.card`) once per membership; a member
  still in the platform's own onboarding is welcomed once it is done; a rejoin gets nothing,
  a "welcome back" or the welcome again (``rejoin``); joins older than ``catch_up`` (seen on
  reconnect) are recorded, not welcomed.
- **Guidelines**: an accept button that onboards the member (and grants a role).
- **Follow-ups**: DMs after a delay, unless the member did what they nudge; a member
  welcomed in a grouped post gets a wording that does not refer to a welcome DM they never
  got, and the "accept the guidelines" nudge carries the accept button.
- **Report**: once a day, moderators get the list of members not onboarded in time.
- **Join bursts**: beyond ``burst.max_joins`` joins within ``burst.window``, newcomers are
  queued (once each, even if they leave and rejoin) and welcomed in a channel post when the
  window closes, split to fit the platform's message length (:mod:`.grouping`).
- **Replies**: a DM to the bot that is neither a survey answer nor a command goes to the
  moderators (:mod:`.replies`).
- **Privacy**: the member's part of the record is :class:`.model.WelcomeMember` (it holds
  their place in a join burst's queue); :func:`export` and :func:`forget` also cover a queue
  stored by the code before, which named members by id.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from cohortbot.playbook.actions import GrantRole
from cohortbot.playbook.events import ButtonPressed, MemberJoined, MemberUpdated, MessagePosted
from cohortbot.playbook.lengths import fit_names
from cohortbot.playbook.messages import RichMessage, literal, mention
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Step, StepContext
from cohortbot.playbook.steps.profiles.api import persona_of
from cohortbot.playbook.steps.welcome.card import ACCEPT, card, send
from cohortbot.playbook.steps.welcome.commands import COMMANDS
from cohortbot.playbook.steps.welcome.config import WelcomeConfig
from cohortbot.playbook.steps.welcome.grouping import grouped_posts
from cohortbot.playbook.steps.welcome.model import (
    STEP_NAME,
    BurstEnds,
    BurstQueue,
    FollowUpDue,
    ReportDue,
    WelcomeMember,
)
from cohortbot.playbook.steps.welcome.replies import on_direct_message

__all__ = ["STEP", "export", "forget"]

Ctx = StepContext[WelcomeConfig]


async def _save(ctx: Ctx, member: Member, mine: WelcomeMember) -> None:
    ctx.set_section(member, mine)
    await ctx.uow.members.save(member)


async def on_joined(event: MemberJoined, ctx: Ctx) -> None:
    cfg = ctx.config
    if event.is_bot and cfg.skip_bots:
        return
    member = await ctx.member(event.member)
    if member is None:  # the core step records every join first
        return
    mine = ctx.section(member, WelcomeMember)
    # The membership's start as first recorded (the core step keeps it while they stay): a
    # join replayed with a later time (Slack's catch-up has none, only ``updated``) does not
    # make a long-standing member new.
    if ctx.now - (member.joined_at or event.occurred_at) > cfg.catch_up:
        if member.welcomed_at is None and not mine.predates:
            mine.predates = True  # joined long before we saw it: not a newcomer
            await _save(ctx, member, mine)
        return
    if member.welcomed_at is not None:
        if mine.welcomed_join == member.join_count:
            return  # the same join seen twice (replay, catch-up)
        if cfg.rejoin == "never":
            return
        if cfg.rejoin == "welcome_back":
            mine.welcomed_join = member.join_count
            await _save(ctx, member, mine)
            text = ctx.fill(cfg.welcome_back, member=member)
            send(ctx, member, text, key=ctx.key("back", member.user.id, member.join_count))
            return
    mine.welcomed_join = member.join_count
    if event.pending and cfg.wait_for_onboarding:
        mine.waiting = True
        await _save(ctx, member, mine)
        return
    ctx.set_section(member, mine)
    await _welcome_or_group(ctx, member)


async def on_updated(event: MemberUpdated, ctx: Ctx) -> None:
    member = await ctx.member(event.member)
    if member is None or event.pending or member.welcomed_at is not None:
        return
    if ctx.section(member, WelcomeMember).waiting:
        await _welcome_or_group(ctx, member)


async def _welcome_or_group(ctx: Ctx, member: Member) -> None:
    """Welcome now, or queue the member for the grouped welcome while joins come in a burst.

    Writes the member's own row and the small :class:`BurstQueue` document, whatever the
    number of members already waiting (they are marked on their own records).
    """
    burst = ctx.config.burst
    queue = await ctx.load(BurstQueue)
    mine = ctx.section(member, WelcomeMember)
    if member.user.id in queue.pending or mine.queued_in(queue):  # left and rejoined inside the window
        await ctx.uow.members.save(member)  # still queued once
        return
    joins = queue.count_join(ctx.now, burst.window, cap=burst.max_joins + 1)
    if joins <= burst.max_joins and not queue.anyone_waiting:
        await ctx.store(queue)
        await _welcome(ctx, member)
        return
    if not queue.anyone_waiting:
        await ctx.set_timer(BurstEnds(), ctx.now + burst.window, name="burst")
    queue.enqueue(ctx.now, mine)
    await ctx.store(queue)
    await _save(ctx, member, mine)


async def _welcome(ctx: Ctx, member: Member, *, grouped: bool = False) -> None:
    """Mark welcomed, DM the card (unless grouped) and plan the follow-ups."""
    cfg = ctx.config
    if not grouped:
        send(ctx, member, card(ctx, member), key=ctx.key(member.user.id, member.join_count))
    member.welcomed_at = ctx.now
    if not cfg.guidelines.required:
        member.onboarded_at = member.onboarded_at or ctx.now
    mine = ctx.section(member, WelcomeMember)
    mine.waiting = False
    mine.grouped = grouped
    mine.burst, mine.burst_place = None, 0  # no longer queued (or a mark from a closed burst)
    await _save(ctx, member, mine)
    start = ctx.now
    for index, follow_up in enumerate(cfg.follow_ups):
        await ctx.set_timer(
            FollowUpDue(member=member.user.id, index=index, join=member.join_count),
            start + follow_up.after,
            name=f"followup{index}",
            subject=member.user,
        )
    if cfg.report_unonboarded_after is not None and cfg.guidelines.required:
        # One list a day (at report_time, local): everyone who crossed the line that day.
        due = _report_moment(ctx, start + cfg.report_unonboarded_after)
        await ctx.set_timer(ReportDue(), due, name=f"report-{due.date().isoformat()}")


def _report_moment(ctx: Ctx, overdue_at: datetime) -> datetime:
    """The first daily report time (community zone) at or after ``overdue_at``."""
    zone = ctx.playbook.zone
    local = overdue_at.astimezone(zone)
    hour, minute = ctx.config.report_time
    day = local.date()
    candidate = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if candidate < local:
        candidate = datetime.combine(day + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return candidate.astimezone(UTC)


# ---------------------------------------------------------------------------- timers


async def on_burst_ends(timer: BurstEnds, ctx: Ctx) -> None:
    """Welcome the queued members: each is marked welcomed, and a post (or a few) greets them all.

    The members waiting are found with one query (those marked for this burst, in the order
    they were queued), after the ones a queue stored by the code before named.
    """
    queue = await ctx.load(BurstQueue)
    members = [
        m
        for uid in dict.fromkeys(queue.pending)  # a queue stored before rejoins were kept out
        if (m := await ctx.member(UserRef(ctx.community.platform, uid))) is not None and m.present
    ]
    if queue.opened is not None:
        members += await _queued(ctx, queue)
    queue.close()
    await ctx.store(queue)
    if not members:
        return
    for member in members:
        await _welcome(ctx, member, grouped=True)
    channel = ctx.channel("welcome")
    if channel is None:
        return
    for index, message in enumerate(grouped_posts(ctx, members)):
        ctx.post(channel, message, key=ctx.key("group", ctx.now.isoformat(), index))


async def _queued(ctx: Ctx, queue: BurstQueue) -> list[Member]:
    """The present members waiting in the queue's open burst, in the order they were queued."""
    places: list[tuple[int, Member]] = []
    for member in await ctx.uow.members.list(ctx.community):
        raw = member.data.get(STEP_NAME)
        if not raw or raw.get("burst") is None:  # most members: no need to read their section
            continue
        mine = ctx.section(member, WelcomeMember)
        if mine.queued_in(queue):
            places.append((mine.burst_place, member))
    places.sort(key=lambda place: place[0])
    return [member for _place, member in places]


async def on_follow_up(timer: FollowUpDue, ctx: Ctx) -> None:
    member = await ctx.member(UserRef(ctx.community.platform, timer.member))
    if member is None or not member.present or timer.index >= len(ctx.config.follow_ups):
        return
    if timer.join != member.join_count:
        return  # a timer from an earlier membership
    follow_up = ctx.config.follow_ups[timer.index]
    done = {
        "introduced": member.introduced_at,
        "onboarded": member.onboarded_at,
        "posted": member.first_post_at,
    }[follow_up.unless]
    wanted = follow_up.persona.strip().lower() if follow_up.persona is not None else None
    if done is not None or (wanted is not None and persona_of(member) != wanted):
        return
    cfg = ctx.config
    if not ctx.section(member, WelcomeMember).grouped:
        text = ctx.fill(follow_up.message, member=member)
    elif follow_up.grouped_message is not None:
        text = ctx.fill(follow_up.grouped_message, member=member)
    else:  # their welcome was a channel post: say so before a text written for a welcome DM
        text = ctx.fill(cfg.burst.follow_up_note + follow_up.message, member=member)
    message = RichMessage(text=text)
    if follow_up.unless == "onboarded" and cfg.guidelines.required:
        message = RichMessage(text=text, buttons=card(ctx, member).buttons)  # accept right here
    send(ctx, member, message, key=ctx.key("followup", member.user.id, member.join_count, timer.index))


async def on_report_due(timer: ReportDue, ctx: Ctx) -> None:
    """Moderators get one list of the members who were not onboarded in time (each once)."""
    after = ctx.config.report_unonboarded_after
    channel = ctx.channel("moderators")
    if after is None or channel is None:
        return
    overdue = [
        m
        for m in await ctx.uow.members.list(ctx.community)
        if not m.is_bot
        and m.welcomed_at is not None
        and m.onboarded_at is None
        and _report_moment(ctx, m.welcomed_at + after) <= ctx.now
        and not ctx.section(m, WelcomeMember).reported
    ]
    if not overdue:
        return
    for member in overdue:
        mine = ctx.section(member, WelcomeMember)
        mine.reported = True
        await _save(ctx, member, mine)
    ids = ",".join(sorted(m.user.id for m in overdue))
    count, days = str(len(overdue)), str(after.days)
    room = ctx.capabilities.max_message_length - len(
        ctx.fill(ctx.config.report_message, members="", count=count, days=days)
    )
    names = fit_names([f"{literal(m.display_name)} ({mention(m.user)})" for m in overdue], room)
    text = ctx.fill(ctx.config.report_message, members=names, count=count, days=days)
    ctx.post(channel, text, key=ctx.key("report", ids))


# ---------------------------------------------------------------------------- guidelines


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id != ACCEPT:
        return
    cfg = ctx.config.guidelines
    member = await ctx.touch_member(event.actor.user)
    if member.onboarded_at is not None:
        ctx.respond(event.interaction, "You have already accepted the guidelines. Thank you!")
        return
    member.onboarded_at = ctx.now
    await ctx.uow.members.save(member)
    if cfg.role and ctx.capabilities.roles:
        ctx.emit(
            GrantRole(
                key=ctx.key("role", member.user.id, cfg.role),
                community=ctx.community,
                member=member.user,
                role=cfg.role,
            )
        )
    ctx.respond(event.interaction, ctx.fill(cfg.thanks, member=member))


# ---------------------------------------------------------------------------- privacy


async def export(ctx: StepContext[Any], user: UserRef) -> dict[str, Any]:
    """Whether the member waits in the join-burst queue (their record, exported whole, holds
    the mark; a queue stored by the code before names them in the step's document)."""
    queue = await ctx.load(BurstQueue)
    member = await ctx.member(user)
    marked = member is not None and ctx.section(member, WelcomeMember).queued_in(queue)
    waiting = marked or user.id in queue.pending
    return {"join_burst": {"waiting_for_grouped_welcome": True}} if waiting else {}


async def forget(ctx: StepContext[Any], user: UserRef) -> None:
    """Take the member out of the join-burst queue (their mark, and their id in a queue stored
    by the code before); the member's record itself is deleted by the privacy step."""
    queue = await ctx.load(BurstQueue)
    member = await ctx.member(user)
    mine = ctx.section(member, WelcomeMember) if member is not None else WelcomeMember()
    marked = mine.burst is not None
    if queue.forget(user.id, mine):
        await ctx.store(queue)
    if member is not None and marked:
        ctx.set_section(member, mine)
        await ctx.uow.members.save(member)


STEP = Step(
    name=STEP_NAME,
    config=WelcomeConfig,
    handlers={
        MemberJoined: on_joined,
        MemberUpdated: on_updated,
        ButtonPressed: on_button,
        MessagePosted: on_direct_message,
    },
    timers={FollowUpDue: on_follow_up, ReportDue: on_report_due, BurstEnds: on_burst_ends},
    commands=COMMANDS,
    documents=(BurstQueue,),
    section=WelcomeMember,
    export=export,
    forget=forget,
)
