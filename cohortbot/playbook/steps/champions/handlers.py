"""Champions: score helpfulness, nominate the most helpful to moderators, grant a role.

Credits (answers, first replies to newcomers, thanks, reactions on replies, intro welcomes)
are kept as evidence on each member (ids and times, never text), decayed by a half-life and
capped against farming. Weekly, the top candidates go to the moderators' channel with
Approve / Decline buttons; quiet champions are flagged for review once per quiet spell.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cohortbot.playbook.commands import CommandSpec, OptionKind, OptionSpec
from cohortbot.playbook.durations import Duration
from cohortbot.playbook.events import (
    ButtonPressed,
    CommandInvoked,
    MemberUpdated,
    MessagePosted,
    ReactionAdded,
    ScheduleFired,
)
from cohortbot.playbook.model import CommunityPlaybook, StepConfig
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Command, ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.activity import is_question
from cohortbot.playbook.steps.champions.flow import (
    APPROVE,
    DECLINE,
    approve,
    candidate_lines,
    champion_lines,
    current_score,
    decline,
    eligible,
    nomination,
    quiet_review,
    revoke,
    state,
)
from cohortbot.playbook.steps.champions.scoring import Rules, award, dump_evidence, load_evidence
from cohortbot.playbook.steps.champions.tracking import (
    Award,
    Post,
    RecentPosts,
    credits_for_post,
    credits_for_reaction,
    mentioned_ids,
    thanks_pattern,
)
from cohortbot.playbook.templates import Placeholders

__all__ = ["STEP", "ChampionsConfig"]

TEXT = Annotated[
    str,
    Placeholders(
        "member",
        "mention",
        "community",
        "role",
        "intro_channel",
        "welcome_channel",
        "guidelines",
        "facilitators",
    ),
]
ChannelRole = Literal["welcome", "intros", "moderators", "announcements", "general"]
RECENT = "champions.recent"
MAX_REMEMBERED = 1000  # recent posts that may still earn a credit (questions, intros, replies...)

DEFAULT_DM = (
    "Hi {member}! The moderators of **{community}** have made you a **community champion**: "
    "thank you for helping others so generously.\n\n"
    "What it means:\n"
    "- You carry the {role} role, so newcomers know whom to ask\n"
    "- Keep doing what you already do: answer questions, welcome newcomers, point people to the right place\n"
    "- Nothing is mandatory: if you need a break, just tell a moderator"
)


class Weights(BaseModel):
    """Points per credit (0 turns a kind off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: float = Field(3.0, ge=0)  # a reply to someone else's question
    newcomer_reply: float = Field(3.0, ge=0)  # the first reply to a newcomer's post
    thanks: float = Field(2.0, ge=0)  # "thanks @x", or a thankful reply to x
    reaction: float = Field(1.0, ge=0)  # a reaction on one of their replies
    intro_welcome: float = Field(2.0, ge=0)  # a reply (or mention) welcoming an introduction


class Celebrate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: ChannelRole = "announcements"
    message: TEXT = (
        "Please welcome {mention}, our newest **community champion**! "
        "Thank you for all your help in {community}."
    )


class ChampionsConfig(StepConfig):
    role: str | None = "Champion"  # granted on approval (Discord role; Slack user group)
    weights: Weights = Weights()
    newcomer_window: Duration = timedelta(days=14)  # members who joined this recently are newcomers
    half_life: Duration = Field(timedelta(days=14), gt=timedelta(0))  # a credit's points halve this often
    cooldown: Duration = timedelta(days=1)  # the same giver -> receiver credit counts once per window
    daily_cap: float = Field(10.0, gt=0)  # points a member can earn per day
    thanks_words: list[str] = Field(
        default_factory=lambda: ["thanks", "thank you", "thank u", "thx", "ty", "merci", "danke", "gracias"]
    )
    remember_posts: Duration = timedelta(days=7)  # how long a question stays creditable
    cron: str = "0 10 * * fri"  # when candidates are nominated (community time zone)
    grace: Duration = timedelta(hours=12)  # after downtime, nominate late within this window
    count: int = Field(3, ge=0)  # candidates per nomination round
    min_score: float = Field(10.0, ge=0)
    exclude_moderators: bool = True
    decline_pause: Duration = timedelta(days=60)  # declined members aren't nominated again for this long
    quiet_after: Duration | None = timedelta(days=30)  # flag champions silent this long (None: never)
    dm: TEXT = DEFAULT_DM
    celebrate: Celebrate | None = None


Ctx = StepContext[ChampionsConfig]


def rules(ctx: Ctx) -> Rules:
    cfg = ctx.config
    return Rules(
        weights=cfg.weights.model_dump(),
        half_life=cfg.half_life,
        cooldown=cfg.cooldown,
        daily_cap=cfg.daily_cap,
        zone=ctx.playbook.zone,
    )


# ------------------------------------------------------------------ credits


def _newcomer(member: Member | None, at: datetime, window: timedelta) -> bool:
    return member is not None and member.joined_at is not None and at - member.joined_at <= window


def _eligible_party(member: Member | None) -> bool:
    return member is not None and not member.is_bot and not member.analytics_opt_out


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    if event.is_bot or event.is_direct:
        return
    cfg = ctx.config
    author = await ctx.member(event.author)
    in_thread = event.thread is not None and event.thread.id != event.message.id
    parent = event.reply_to_message.id if event.reply_to_message else None
    if parent is None and in_thread and event.thread is not None:
        parent = event.thread.id
    intros = ctx.playbook.channels.intros
    post = Post(
        author=event.author.id,
        message=event.message.id,
        channel=event.channel.id or event.channel.name,
        at=event.occurred_at,
        parent=parent,
        reply_to=event.reply_to.id if event.reply_to else None,
        mentions=mentioned_ids(event.text, (m.id for m in event.mentions)),
        question=is_question(event.text),
        thanks=bool(thanks_pattern(tuple(cfg.thanks_words)).search(event.text)),
        newcomer=_newcomer(author, event.occurred_at, cfg.newcomer_window),
        in_intros=intros is not None and event.channel.matches(intros),
        track=_eligible_party(author),
    )
    stored = await ctx.uow.state.get(ctx.community, RECENT)
    recent = RecentPosts(stored)
    awards = credits_for_post(post, recent)
    kept = recent.dump(ctx.now, keep=cfg.remember_posts, limit=MAX_REMEMBERED)
    if kept != stored:
        await ctx.uow.state.put(ctx.community, RECENT, kept)
    await _apply(ctx, awards)


async def on_reaction(event: ReactionAdded, ctx: Ctx) -> None:
    recent = RecentPosts(await ctx.uow.state.get(ctx.community, RECENT))
    await _apply(ctx, credits_for_reaction(event.user.id, event.message.id, recent))


async def _apply(ctx: Ctx, awards: list[Award]) -> None:
    for item in awards:
        if item.receiver == item.giver:
            continue
        platform = ctx.community.platform
        receiver = await ctx.member(UserRef(platform, item.receiver))
        giver = await ctx.member(UserRef(platform, item.giver))
        if receiver is None or not _eligible_party(receiver) or not _eligible_party(giver):
            continue
        data = state(receiver)
        verdict = award(load_evidence(data.get("ev")), item.kind, item.giver, ctx.now, rules(ctx))
        if verdict.credit is not None:
            data["ev"] = dump_evidence(verdict.evidence)
            await ctx.uow.members.save(receiver)


async def on_member_updated(event: MemberUpdated, ctx: Ctx) -> None:
    member = await ctx.member(event.member)
    if member is None or not event.roles:
        return  # no role information: keep what we saw (e.g. an admin approving a champion)
    is_mod = ctx.playbook.moderators.includes(event.member, event.roles, is_admin=False)
    if bool(state(member).get("mod")) != is_mod:
        state(member)["mod"] = is_mod
        await ctx.uow.members.save(member)


# ------------------------------------------------------------------ the weekly round


async def _members(ctx: Ctx) -> list[Member]:
    """Present members, including those who predate the bot (``present_only`` skips them)."""
    return [m for m in await ctx.uow.members.list(ctx.community, present_only=False) if m.present]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    members = await _members(ctx)
    for member, score in eligible(ctx, members, rules(ctx), limit=ctx.config.count, threshold=True):
        await nomination(ctx, member, score, key=f"{member.user.id}:{event.occurrence.isoformat()}")
    await quiet_review(ctx, members)


# ------------------------------------------------------------------ buttons and commands


async def _target(ctx: Ctx, member_id: str) -> Member | None:
    return await ctx.member(UserRef(ctx.community.platform, member_id))


async def _note_moderator(ctx: Ctx, user: UserRef) -> None:
    member = await ctx.member(user)
    if member is not None and not state(member).get("mod"):
        state(member)["mod"] = True
        await ctx.uow.members.save(member)


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id not in (APPROVE, DECLINE):
        return
    if not ctx.is_moderator(event.actor):
        ctx.respond(event.interaction, "Sorry, only moderators can approve or decline champions.")
        return
    await _note_moderator(ctx, event.actor.user)
    member = await _target(ctx, event.value)
    if member is None:
        ctx.respond(event.interaction, "I don't know that member any more.")
        return
    decide = approve if event.action_id == APPROVE else decline
    ctx.respond(event.interaction, await decide(ctx, member, by=event.actor.user), ephemeral=False)


def _member_option(event: CommandInvoked) -> str:
    return str(event.options.get("member", "")).strip()


async def _with_member(event: CommandInvoked, ctx: Ctx) -> Member | None:
    await _note_moderator(ctx, event.actor.user)
    member_id = _member_option(event)
    member = await _target(ctx, member_id) if member_id else None
    if member is None:
        ctx.respond(event.interaction, f"I don't know a member {member_id!r} here.")
    return member


async def cmd_list(event: CommandInvoked, ctx: Ctx) -> None:
    await _note_moderator(ctx, event.actor.user)
    members = await _members(ctx)
    lines = [*champion_lines(ctx, members), "", *candidate_lines(ctx, members, rules(ctx))]
    ctx.respond(event.interaction, "\n".join(lines).strip(), title="Community champions")


async def cmd_nominate(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is None:
        return
    data = state(member)
    if member.is_bot or member.analytics_opt_out or data.get("since"):
        why = (
            "is a bot"
            if member.is_bot
            else "opted out of analytics"
            if member.analytics_opt_out
            else "is already a champion"
        )
        ctx.respond(event.interaction, f"<@{member.user.id}> can't be nominated: they {why}.")
        return
    score = current_score(ctx, member)
    where = await nomination(
        ctx, member, score, key=f"{member.user.id}:{event.event_id}", interaction=event.interaction
    )
    if where:
        ctx.respond(event.interaction, f"Nominated <@{member.user.id}>: see {where}.")


async def cmd_approve(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is not None:
        ctx.respond(event.interaction, await approve(ctx, member, by=event.actor.user))


async def cmd_decline(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is not None:
        ctx.respond(event.interaction, await decline(ctx, member, by=event.actor.user))


async def cmd_revoke(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is not None:
        ctx.respond(event.interaction, await revoke(ctx, member, by=event.actor.user))


def schedules(cfg: ChampionsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [ScheduleSpec(name="nominate", cron=cfg.cron, grace=cfg.grace, where=("cron",))]


MEMBER = (OptionSpec(name="member", description="the member (a mention or an id)", kind=OptionKind.USER),)


def _command(verb: str, description: str, handler: Any, *, member: bool = True) -> Command:
    return Command(
        spec=CommandSpec(
            path=("champions", verb),
            description=description,
            options=MEMBER if member else (),
            moderator=True,
        ),
        handler=handler,
    )


STEP = Step(
    name="champions",
    config=ChampionsConfig,
    handlers={
        MessagePosted: on_message,
        ReactionAdded: on_reaction,
        MemberUpdated: on_member_updated,
        ScheduleFired: on_schedule,
        ButtonPressed: on_button,
    },
    commands=(
        _command(
            "list", "Current champions and the top candidates with their scores", cmd_list, member=False
        ),
        _command("nominate", "Put a member up for champion now, with their evidence", cmd_nominate),
        _command("approve", "Make a member a champion (grants the role, sends the DM)", cmd_approve),
        _command("decline", "Decline a nomination (no new nomination for a while)", cmd_decline),
        _command("revoke", "Remove a member's champion role", cmd_revoke),
    ),
    schedules=schedules,
)
