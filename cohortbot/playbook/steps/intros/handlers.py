"""Introductions: detect and acknowledge them, nudge the silent, connect members by interest.

- **Detect**: a member's first substantial top-level post in the intro channel
  (``min_length``) marks them introduced (``member.introduced_at``).
- **Acknowledge**: a reaction (where the platform has reactions) and a reply from a
  template (in the intro's thread where there are threads, else a post mentioning them),
  and optionally an alert in the moderators' channel so a human says hello too.
- **Interests** from the intro's keywords (:mod:`.interests`) and ``/cohort interests ...``.
- **Connections**: match rounds and their follow-ups (:mod:`.connections`, algorithm in
  :mod:`.matching`), ``/cohort match ...`` (:mod:`.commands`).
- **Nudges** for members who have not introduced themselves, at most ``nudges.max``.
- **Key results**: ``/cohort intros stats`` (:func:`.stats.intro_stats`).
- **Privacy**: the member's part of the record is :class:`.model.IntrosMember`; the match
  rounds name members by id, so :func:`export` and :func:`forget` cover them.
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.actions import AddReaction
from cohortbot.playbook.events import ButtonPressed, MemberJoined, MessagePosted, ScheduleFired
from cohortbot.playbook.messages import literal, mention
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Step, StepContext
from cohortbot.playbook.steps.intros.commands import COMMANDS, INTERESTS_SELECT, on_interests_selected
from cohortbot.playbook.steps.intros.config import IntrosConfig
from cohortbot.playbook.steps.intros.connections import (
    MET,
    on_ask_if_met,
    on_match_schedule,
    on_met,
    schedules,
)
from cohortbot.playbook.steps.intros.interests import interests_in
from cohortbot.playbook.steps.intros.model import STEP_NAME, AskIfMet, Cadence, IntrosMember, Nudge, Rounds

__all__ = ["STEP", "IntrosConfig", "export", "forget", "is_introduction"]

Ctx = StepContext[IntrosConfig]


def is_introduction(event: MessagePosted, ctx: Ctx) -> bool:
    """A substantial top-level post (not a thread reply, not a reply to someone else)."""
    channel = ctx.playbook.channels.intros
    replying = event.reply_to is not None and event.reply_to != event.author
    return (
        channel is not None
        and not event.is_bot
        and not event.is_direct
        and event.thread is None
        and not replying
        and event.channel.matches(channel)
        and len(event.text.strip()) >= ctx.config.min_length
    )


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    if not is_introduction(event, ctx):
        return
    member = await ctx.touch_member(event.author)
    if member.introduced_at is not None:
        return
    member.introduced_at = event.occurred_at
    mine = ctx.section(member, IntrosMember)
    if ctx.config.interests_from_intro:
        mine.add_interests(interests_in(event.text, ctx.config.interests))
        ctx.set_section(member, mine)
    await ctx.uow.members.save(member)
    _acknowledge(event, ctx, member, mine)


def _acknowledge(event: MessagePosted, ctx: Ctx, member: Member, mine: IntrosMember) -> None:
    cfg = ctx.config.acknowledge
    interests = ", ".join(mine.interests)
    if cfg.reaction and ctx.capabilities.reactions:
        ctx.emit(
            AddReaction(
                key=ctx.key("react", event.message.id),
                community=ctx.community,
                message=event.message,
                emoji=cfg.reaction,
            )
        )
    if cfg.reply:
        text = ctx.fill(cfg.reply, member=member, interests=interests)
        thread = event.message if ctx.capabilities.threads else None
        if thread is None and mention(member.user) not in text:
            text = f"{mention(member.user)} {text}"  # a plain post must say whom it answers
        ctx.post(event.channel, text, key=ctx.key("reply", event.message.id), thread=thread)
    moderators = ctx.channel("moderators")
    if cfg.alert_moderators and moderators is not None:
        text = ctx.fill(cfg.alert, member=member, interests=interests)
        if interests:
            text += f"\nInterests: {literal(interests)}"
        ctx.post(moderators, text, key=ctx.key("alert", event.message.id))


# ---------------------------------------------------------------------------- nudges


async def on_joined(event: MemberJoined, ctx: Ctx) -> None:
    """Plan the nudges at join; each fires only while the member is still not introduced."""
    nudges = ctx.config.nudges
    member = await ctx.member(event.member)
    if nudges is None or event.is_bot or member is None or member.introduced_at is not None:
        return
    joined = member.joined_at or event.occurred_at  # the membership's recorded start (welcome)
    for index in range(nudges.max):
        due = joined + nudges.after + index * nudges.every
        if due > ctx.now:  # joins replayed long after the fact get no overdue nudges
            await ctx.set_timer(
                Nudge(member=member.user.id, join=member.join_count),
                due,
                name=f"nudge{index}",
                subject=member.user,
            )


async def on_nudge(timer: Nudge, ctx: Ctx) -> None:
    nudges = ctx.config.nudges
    member = await ctx.member(UserRef(ctx.community.platform, timer.member))
    if nudges is None or member is None or member.is_bot or member.pending or not member.present:
        return
    mine = ctx.section(member, IntrosMember)
    sent = mine.nudges
    if member.introduced_at is not None or sent >= nudges.max:
        return
    if timer.join != member.join_count:
        return  # a timer from an earlier membership
    mine.nudges = sent + 1
    ctx.set_section(member, mine)
    await ctx.uow.members.save(member)
    days = str((ctx.now - member.joined_at).days) if member.joined_at else ""
    ctx.dm(
        member.user,
        ctx.fill(nudges.message, member=member, days=days),
        key=ctx.key("nudge", member.user.id, sent),
        fallback=ctx.channel("welcome"),
        fallback_prefix=f"{mention(member.user)} ",
    )


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id == INTERESTS_SELECT:
        await on_interests_selected(event, ctx)
    elif event.action_id.startswith(MET):
        await on_met(event, ctx)


# ---------------------------------------------------------------------------- privacy


async def export(ctx: StepContext[Any], user: UserRef) -> dict[str, Any]:
    """The member's matches: the rounds they were in, whom they met, their answers."""
    rounds = (await ctx.load(Rounds)).about(user.id)
    return {"rounds": rounds} if rounds else {}


async def forget(ctx: StepContext[Any], user: UserRef) -> None:
    """The member leaves the match history (the pairs they were in stay counted, without them)."""
    rounds = await ctx.load(Rounds)
    if rounds.forget(user.id):
        await ctx.store(rounds)


STEP = Step(
    name=STEP_NAME,
    config=IntrosConfig,
    handlers={
        MessagePosted: on_message,
        MemberJoined: on_joined,
        ButtonPressed: on_button,
        ScheduleFired: on_match_schedule,
    },
    timers={Nudge: on_nudge, AskIfMet: on_ask_if_met},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Rounds, Cadence),
    section=IntrosMember,
    export=export,
    forget=forget,
)
