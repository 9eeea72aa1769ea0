"""Welcome: a personal DM for every new member, guidelines, follow-ups, join-burst grouping."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cohortbot.playbook.actions import GrantRole, PostMessage, SendDirectMessage
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.durations import Duration
from cohortbot.playbook.events import ButtonPressed, CommandInvoked, MemberJoined, MemberUpdated, TimerFired
from cohortbot.playbook.messages import Button, ButtonStyle, RichMessage, mention
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Command, Step, StepContext
from cohortbot.playbook.templates import Placeholders

__all__ = ["STEP", "WelcomeConfig"]

MEMBER_TEXT = Annotated[
    str,
    Placeholders(
        "member", "mention", "community", "intro_channel", "welcome_channel", "guidelines", "facilitators"
    ),
]
GROUP_TEXT = Annotated[
    str, Placeholders("members", "count", "community", "intro_channel", "welcome_channel", "guidelines")
]
REPORT_TEXT = Annotated[str, Placeholders("members", "count", "days", "community")]

DEFAULT_MESSAGE = (
    "Hi {member}, welcome to **{community}**! We're glad you're here.\n\n"
    "Here is how to get started:\n"
    "- Read the community guidelines: {guidelines}\n"
    "- Introduce yourself in {intro_channel}: who you are, what you're learning and why\n"
    "- Ask questions anywhere: there are no silly ones, and someone will answer\n\n"
    "Your facilitators: {facilitators}"
)


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    required: bool = False  # members count as onboarded once they accept
    button: str = "I accept the guidelines"
    role: str | None = None  # granted on acceptance (platforms with roles)
    thanks: MEMBER_TEXT = "Thanks {member}! You're all set. Say hello in {intro_channel}."


class FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after: Duration
    unless: Literal["introduced", "onboarded", "posted"] = "introduced"
    message: MEMBER_TEXT


class Burst(BaseModel):
    """Beyond ``max_joins`` joins inside ``window``, newcomers get one grouped channel welcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_joins: int = Field(10, ge=1)
    window: Duration = timedelta(minutes=10)
    message: GROUP_TEXT = (
        "Welcome to all {count} of you who just joined {community}: {members}! "
        "Start with the guidelines ({guidelines}), then introduce yourselves in {intro_channel}."
    )


def _clock_time(value: object) -> object:
    if isinstance(value, str):
        hour, sep, minute = value.partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ValueError(f"expected a time of day like 09:00, not {value!r}")
        return (int(hour), int(minute))
    return value


class WelcomeConfig(StepConfig):
    title: MEMBER_TEXT = "Welcome to {community}!"
    message: MEMBER_TEXT = DEFAULT_MESSAGE
    guidelines: Acceptance = Acceptance()
    wait_for_onboarding: bool = True  # Discord: welcome once the member passes screening
    skip_bots: bool = True
    rejoin: Literal["never", "welcome_back", "again"] = "never"
    welcome_back: MEMBER_TEXT = "Welcome back to {community}, {member}!"
    fallback_prefix: MEMBER_TEXT = "{mention} I couldn't send you a direct message, so here it is:\n"
    follow_ups: list[FollowUp] = Field(default_factory=list)
    report_unonboarded_after: Duration | None = timedelta(days=7)
    report_time: Annotated[tuple[int, int], BeforeValidator(_clock_time)] = (
        9,
        0,
    )  # "09:00" in the community's time zone
    report_message: REPORT_TEXT = (
        "{count} member(s) joined {days}+ days ago and have not finished onboarding: {members}"
    )
    burst: Burst = Burst()
    catch_up: Duration = timedelta(days=2)  # older joins seen on reconnect are recorded, not welcomed


Ctx = StepContext[WelcomeConfig]
ACCEPT = "welcome:accept"
BURST_STATE = "welcome.burst"


def _card(ctx: Ctx, member: Member, *, preview: bool = False) -> RichMessage:
    cfg = ctx.config
    buttons: list[Button] = []
    if cfg.guidelines.required and not preview:
        buttons.append(Button(label=cfg.guidelines.button, action_id=ACCEPT, style=ButtonStyle.PRIMARY))
    link = ctx.playbook.guidelines.link
    if link:
        buttons.append(Button(label="Read the guidelines", action_id="welcome:guidelines", url=link))
    return RichMessage(
        title=ctx.fill(cfg.title, member=member),
        text=ctx.fill(cfg.message, member=member),
        buttons=tuple(buttons),
        footer="Preview: this is what new members receive." if preview else "",
    )


def _dm(ctx: Ctx, member: Member, key: str, message: RichMessage) -> SendDirectMessage:
    prefix = ctx.fill(ctx.config.fallback_prefix, member=member)
    fallback = ctx.channel("welcome")
    return SendDirectMessage(
        key=key,
        community=ctx.community,
        to=member.user,
        message=message,
        fallback_channel=fallback,
        fallback_prefix=prefix,
    )


async def _welcome(ctx: Ctx, member: Member, *, grouped: bool = False) -> None:
    """Mark welcomed, DM the card (unless grouped) and plan the follow-ups."""
    cfg = ctx.config
    if not grouped:
        key = f"welcome:{ctx.community}:{member.user.id}:{member.join_count}"
        ctx.emit(_dm(ctx, member, key, _card(ctx, member)))
    member.welcomed_at = ctx.now
    if not cfg.guidelines.required:
        member.onboarded_at = member.onboarded_at or ctx.now
    member.data.setdefault("welcome", {}).pop("waiting", None)
    await ctx.uow.members.save(member)
    start = ctx.now
    for index, follow_up in enumerate(cfg.follow_ups):
        await ctx.set_timer(
            f"followup{index}", start + follow_up.after, subject=member.user, join=member.join_count
        )
    if cfg.report_unonboarded_after is not None and cfg.guidelines.required:
        # One list a day (at report_time, local): everyone who crossed the line that day.
        due = _report_moment(ctx, start + cfg.report_unonboarded_after)
        await ctx.set_timer(f"report-{due.date().isoformat()}", due)


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


async def on_joined(event: MemberJoined, ctx: Ctx) -> None:
    cfg = ctx.config
    if event.is_bot and cfg.skip_bots:
        return
    member = await ctx.member(event.member)
    if member is None:  # the core step records every join first
        return
    state = member.data.setdefault("welcome", {})
    if ctx.now - event.occurred_at > cfg.catch_up:
        if member.welcomed_at is None and not state.get("predates"):
            state["predates"] = True  # joined long before we saw it: not a newcomer
            await ctx.uow.members.save(member)
        return
    if member.welcomed_at is not None:
        if state.get("welcomed_join") == member.join_count:
            return  # the same join seen twice (replay, catch-up)
        if cfg.rejoin == "never":
            return
        if cfg.rejoin == "welcome_back":
            state["welcomed_join"] = member.join_count
            await ctx.uow.members.save(member)
            key = f"welcome-back:{ctx.community}:{member.user.id}:{member.join_count}"
            text = ctx.fill(cfg.welcome_back, member=member)
            ctx.emit(_dm(ctx, member, key, RichMessage(text=text)))
            return
    state["welcomed_join"] = member.join_count
    if event.pending and cfg.wait_for_onboarding:
        state["waiting"] = True
        await ctx.uow.members.save(member)
        return
    await _welcome_or_group(ctx, member)


async def _welcome_or_group(ctx: Ctx, member: Member) -> None:
    burst = ctx.config.burst
    doc = await ctx.uow.state.get(ctx.community, BURST_STATE) or {"joins": [], "pending": []}
    horizon = ctx.now - burst.window
    joins = [t for t in doc["joins"] if datetime.fromisoformat(t) > horizon]
    joins.append(ctx.now.isoformat())
    doc["joins"] = joins
    if len(joins) <= burst.max_joins and not doc["pending"]:
        await ctx.uow.state.put(ctx.community, BURST_STATE, doc)
        await _welcome(ctx, member)
        return
    if not doc["pending"]:
        await ctx.set_timer("burst", ctx.now + burst.window)
    doc["pending"].append(member.user.id)
    await ctx.uow.state.put(ctx.community, BURST_STATE, doc)
    await ctx.uow.members.save(member)


async def on_updated(event: MemberUpdated, ctx: Ctx) -> None:
    member = await ctx.member(event.member)
    if member is None or event.pending or member.welcomed_at is not None:
        return
    if member.data.get("welcome", {}).get("waiting"):
        await _welcome_or_group(ctx, member)


async def on_timer(event: TimerFired, ctx: Ctx) -> None:
    name = event.kind.removeprefix("welcome.")
    if name == "burst":
        await _post_group_welcome(ctx)
    elif name.startswith("report"):
        await _report_unonboarded(ctx)
    elif name.startswith("followup") and event.subject is not None:
        await _follow_up(ctx, int(name.removeprefix("followup")), event)


async def _post_group_welcome(ctx: Ctx) -> None:
    doc = await ctx.uow.state.get(ctx.community, BURST_STATE) or {"joins": [], "pending": []}
    members = [m for uid in doc["pending"] if (m := await _by_id(ctx, uid)) is not None and m.present]
    doc["pending"] = []
    await ctx.uow.state.put(ctx.community, BURST_STATE, doc)
    if not members:
        return
    for member in members:
        await _welcome(ctx, member, grouped=True)
    channel = ctx.channel("welcome")
    if channel is None:
        return
    names = ", ".join(mention(m.user) for m in members)
    text = ctx.fill(ctx.config.burst.message, members=names, count=str(len(members)))
    ctx.emit(
        PostMessage(
            key=f"welcome-group:{ctx.community}:{ctx.now.isoformat()}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(text=text, buttons=_card(ctx, members[0]).buttons),
        )
    )


async def _by_id(ctx: Ctx, user_id: str) -> Member | None:
    return await ctx.member(UserRef(ctx.community.platform, user_id))


async def _follow_up(ctx: Ctx, index: int, event: TimerFired) -> None:
    assert event.subject is not None
    member = await ctx.member(event.subject)
    if member is None or not member.present or index >= len(ctx.config.follow_ups):
        return
    if event.data.get("join", member.join_count) != member.join_count:
        return  # a timer from an earlier membership
    follow_up = ctx.config.follow_ups[index]
    done = {
        "introduced": member.introduced_at,
        "onboarded": member.onboarded_at,
        "posted": member.first_post_at,
    }[follow_up.unless]
    if done is not None:
        return
    key = f"welcome-followup:{ctx.community}:{member.user.id}:{member.join_count}:{index}"
    ctx.emit(_dm(ctx, member, key, RichMessage(text=ctx.fill(follow_up.message, member=member))))


async def _report_unonboarded(ctx: Ctx) -> None:
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
        and not m.data.get("welcome", {}).get("reported")
    ]
    if not overdue:
        return
    for member in overdue:
        member.data.setdefault("welcome", {})["reported"] = True
        await ctx.uow.members.save(member)
    names = ", ".join(f"{m.display_name} ({mention(m.user)})" for m in overdue)
    ids = ",".join(sorted(m.user.id for m in overdue))
    text = ctx.fill(ctx.config.report_message, members=names, count=str(len(overdue)), days=str(after.days))
    ctx.emit(
        PostMessage(
            key=f"welcome-report:{ctx.community}:{ids}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(text=text),
        )
    )


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id != ACCEPT:
        return
    cfg = ctx.config.guidelines
    member = await ctx.member(event.actor.user)
    if member is None:
        member = Member(community=ctx.community, user=event.actor.user, display_name=event.actor.user.label)
    if member.onboarded_at is not None:
        ctx.respond(event.interaction, "You have already accepted the guidelines. Thank you!")
        return
    member.onboarded_at = ctx.now
    await ctx.uow.members.save(member)
    if cfg.role and ctx.capabilities.roles:
        ctx.emit(
            GrantRole(
                key=f"welcome-role:{ctx.community}:{member.user.id}:{cfg.role}",
                community=ctx.community,
                member=member.user,
                role=cfg.role,
            )
        )
    ctx.respond(event.interaction, ctx.fill(cfg.thanks, member=member))


async def preview(event: CommandInvoked, ctx: Ctx) -> None:
    member = await ctx.member(event.actor.user) or Member(
        community=ctx.community, user=event.actor.user, display_name=event.actor.user.label
    )
    card = _card(ctx, member, preview=True)
    ctx.respond(event.interaction, card.text, title=card.title, buttons=card.buttons, footer=card.footer)


STEP = Step(
    name="welcome",
    config=WelcomeConfig,
    handlers={
        MemberJoined: on_joined,
        MemberUpdated: on_updated,
        TimerFired: on_timer,
        ButtonPressed: on_button,
    },
    commands=(
        Command(
            spec=CommandSpec(
                path=("welcome", "preview"),
                description="See the welcome new members receive (as if you had just joined)",
                moderator=True,
            ),
            handler=preview,
        ),
    ),
)
