"""Introductions: detect and acknowledge them, nudge the silent, connect members by interest.

- **Detect**: a member's first substantial top-level post in the intro channel
  (``min_length``) marks them introduced (``member.introduced_at``).
- **Acknowledge**: a reaction (where the platform has reactions) and a reply from a
  template (in the intro's thread where there are threads, else a post mentioning them),
  and optionally an alert in the moderators' channel so a human says hello too.
- **Interests** from the intro's keywords and ``/cohort interests ...``
  (:mod:`playbook.intros_interests`).
- **Connections**: match rounds, follow-ups and ``/cohort match ...``
  (:mod:`playbook.intros_connections`, algorithm in :mod:`playbook.matching`).
- **Nudges** for members who have not introduced themselves, at most ``nudges.max``.
- **Key results**: ``/cohort intros stats`` (:func:`playbook.intros_records.intro_stats`).
"""

from __future__ import annotations

from cohortbot.playbook.actions import AddReaction, PostMessage, SendDirectMessage
from cohortbot.playbook.commands import CommandSpec, OptionSpec
from cohortbot.playbook.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MessagePosted,
    ScheduleFired,
    TimerFired,
)
from cohortbot.playbook.messages import RichMessage, mention, timestamp
from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import Command, Handler, Step, StepContext
from cohortbot.playbook.steps.intros.config import IntrosConfig
from cohortbot.playbook.steps.intros.connections import (
    MET,
    match_group,
    match_history,
    match_now,
    match_optin,
    match_optout,
    match_snooze,
    on_follow_up,
    on_match_schedule,
    on_met,
    schedules,
)
from cohortbot.playbook.steps.intros.interests import (
    INTERESTS_SELECT,
    add_interests,
    interests_add,
    interests_choose,
    interests_in,
    interests_list,
    interests_of,
    interests_remove,
    intros_data,
    on_interests_selected,
)
from cohortbot.playbook.steps.intros.records import intro_stats, load_rounds

__all__ = ["STEP", "IntrosConfig", "is_introduction"]

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
    if ctx.config.interests_from_intro:
        add_interests(member, interests_in(event.text, ctx.config.interests))
    await ctx.uow.members.save(member)
    _acknowledge(event, ctx, member)


def _acknowledge(event: MessagePosted, ctx: Ctx, member: Member) -> None:
    cfg = ctx.config.acknowledge
    key = f"{ctx.community}:{event.message.id}"
    interests = ", ".join(interests_of(member))
    if cfg.reaction and ctx.capabilities.reactions:
        ctx.emit(
            AddReaction(
                key=f"intros-react:{key}", community=ctx.community, message=event.message, emoji=cfg.reaction
            )
        )
    if cfg.reply:
        text = ctx.fill(cfg.reply, member=member, interests=interests)
        thread = event.message if ctx.capabilities.threads else None
        if thread is None and mention(member.user) not in text:
            text = f"{mention(member.user)} {text}"  # a plain post must say whom it answers
        ctx.emit(
            PostMessage(
                key=f"intros-reply:{key}",
                community=ctx.community,
                channel=event.channel,
                message=RichMessage(text=text),
                thread=thread,
            )
        )
    moderators = ctx.channel("moderators")
    if cfg.alert_moderators and moderators is not None:
        text = ctx.fill(cfg.alert, member=member, interests=interests)
        if interests:
            text += f"\nInterests: {interests}"
        ctx.emit(
            PostMessage(
                key=f"intros-alert:{key}",
                community=ctx.community,
                channel=moderators,
                message=RichMessage(text=text),
            )
        )


# ---------------------------------------------------------------------------- nudges


async def on_joined(event: MemberJoined, ctx: Ctx) -> None:
    """Plan the nudges at join; each fires only while the member is still not introduced."""
    nudges = ctx.config.nudges
    member = await ctx.member(event.member)
    if nudges is None or event.is_bot or member is None or member.introduced_at is not None:
        return
    for index in range(nudges.max):
        due = event.occurred_at + nudges.after + index * nudges.every
        if due > ctx.now:  # joins replayed long after the fact get no overdue nudges
            await ctx.set_timer(f"nudge{index}", due, subject=member.user, join=member.join_count)


async def _nudge(event: TimerFired, ctx: Ctx) -> None:
    nudges = ctx.config.nudges
    member = await ctx.member(event.subject) if event.subject else None
    if nudges is None or member is None or member.is_bot or member.pending or not member.present:
        return
    data = intros_data(member)
    sent = int(data.get("nudges", 0))
    if member.introduced_at is not None or sent >= nudges.max:
        return
    if event.data.get("join", member.join_count) != member.join_count:
        return  # a timer from an earlier membership
    data["nudges"] = sent + 1
    await ctx.uow.members.save(member)
    days = str((ctx.now - member.joined_at).days) if member.joined_at else ""
    ctx.emit(
        SendDirectMessage(
            key=f"intros-nudge:{ctx.community}:{member.user.id}:{sent}",
            community=ctx.community,
            to=member.user,
            message=RichMessage(text=ctx.fill(nudges.message, member=member, days=days)),
            fallback_channel=ctx.channel("welcome"),
            fallback_prefix=f"{mention(member.user)} ",
        )
    )


async def on_timer(event: TimerFired, ctx: Ctx) -> None:
    name = event.kind.removeprefix("intros.")
    if name.startswith("nudge"):
        await _nudge(event, ctx)
    elif name.startswith("followup"):
        await on_follow_up(event, ctx)


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id == INTERESTS_SELECT:
        await on_interests_selected(event, ctx)
    elif event.action_id.startswith(MET):
        await on_met(event, ctx)


# ---------------------------------------------------------------------------- key results


async def stats(event: CommandInvoked, ctx: Ctx) -> None:
    members = await ctx.uow.members.list(ctx.community, present_only=False)
    rounds = await load_rounds(ctx.uow, ctx.community)
    result = intro_stats(members, rounds, now=ctx.now, zone=ctx.playbook.zone)
    lines = [f"Introductions: **{result.introductions}**"]
    if result.per_week:
        lines.append("Per week since the first join:")
        lines += [
            f"- week {i + 1} (from {start.isoformat()}): {n}" for i, (start, n) in enumerate(result.per_week)
        ]
    lines.append(
        f"Matches made: **{result.matches}** in {result.rounds} round(s); confirmed met: "
        f"**{result.confirmed_met}** ({result.met_rate:.0%})"
    )
    ctx.respond(
        event.interaction,
        "\n".join(lines),
        title="Introductions and connections",
        footer=f"as of {timestamp(ctx.now)}",
    )


def _command(
    path: tuple[str, ...],
    description: str,
    handler: Handler,
    *,
    moderator: bool = False,
    options: tuple[OptionSpec, ...] = (),
) -> Command:
    return Command(
        spec=CommandSpec(path=path, description=description, options=options, moderator=moderator),
        handler=handler,
    )


_INTERESTS = OptionSpec(name="interests", description="Interests, separated by commas", rest=True)

STEP = Step(
    name="intros",
    config=IntrosConfig,
    handlers={
        MessagePosted: on_message,
        MemberJoined: on_joined,
        TimerFired: on_timer,
        ButtonPressed: on_button,
        ScheduleFired: on_match_schedule,
    },
    commands=(
        _command(("interests", "choose"), "Choose your interests from a list", interests_choose),
        _command(
            ("interests", "add"),
            "Add interests (e.g. python, statistics)",
            interests_add,
            options=(_INTERESTS,),
        ),
        _command(("interests", "remove"), "Remove interests", interests_remove, options=(_INTERESTS,)),
        _command(("interests", "list"), "Your interests and the ones you can choose", interests_list),
        _command(
            ("match", "snooze"),
            "No match rounds for a while (e.g. 2w)",
            match_snooze,
            options=(OptionSpec(name="duration", description="How long, e.g. 1w or 2w"),),
        ),
        _command(("match", "optout"), "Leave the match rounds", match_optout),
        _command(("match", "optin"), "Join the match rounds (again)", match_optin),
        _command(
            ("match", "group"),
            "Choose your match group (e.g. mentor, mentee; none to leave)",
            match_group,
            options=(OptionSpec(name="name", description="The group's name, or none"),),
        ),
        _command(("match", "now"), "Run a match round now", match_now, moderator=True),
        _command(("match", "history"), "Recent match rounds and who met", match_history, moderator=True),
        _command(
            ("intros", "stats"), "Introductions per week, matches made, confirmed met", stats, moderator=True
        ),
    ),
    schedules=schedules,
)
