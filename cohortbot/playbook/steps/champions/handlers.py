"""Champions: score helpfulness, nominate the most helpful to moderators, grant a role.

Credits (answers, first replies to newcomers, thanks, reactions on replies, intro welcomes)
are kept as evidence on each member (ids and times, never text), decayed by a half-life and
capped against farming. Weekly, the top candidates go to the moderators' channel with
Approve / Decline buttons; quiet champions are flagged for review once per quiet spell.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cohortbot.playbook.events import (
    ButtonPressed,
    MemberUpdated,
    MessagePosted,
    ReactionAdded,
    ScheduleFired,
)
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.activity import is_question
from cohortbot.playbook.steps.champions.candidates import eligible, present_members, rules, section
from cohortbot.playbook.steps.champions.commands import COMMANDS
from cohortbot.playbook.steps.champions.config import ChampionsConfig
from cohortbot.playbook.steps.champions.memory import Memory, sweep
from cohortbot.playbook.steps.champions.model import ChampionsSection, PostedMessage, RecentPosts
from cohortbot.playbook.steps.champions.nominations import (
    APPROVE,
    DECLINE,
    approve,
    decline,
    nomination,
    note_moderator,
    quiet_review,
)
from cohortbot.playbook.steps.champions.privacy import export, forget
from cohortbot.playbook.steps.champions.scoring import award
from cohortbot.playbook.steps.champions.tracking import (
    Award,
    Post,
    credits_for_post,
    credits_for_reaction,
    mentioned_ids,
    thanks_pattern,
)

__all__ = ["STEP"]

Ctx = StepContext[ChampionsConfig]


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
    memory = Memory(ctx)  # only the records this post's credits depend on
    at = int(post.at.timestamp())
    if post.parent is not None:
        await memory.post(post.parent)
    if post.reply_to and (post.parent is None or post.parent not in memory.view.posts):
        await memory.latest(post.reply_to, post.channel, before=at)
    if post.in_intros:
        for mentioned in post.mentions:
            if mentioned != post.author:
                await memory.intro(mentioned)
    awards = credits_for_post(post, memory.view)
    await memory.save(author, post.message)
    await _apply(ctx, awards)


async def on_reaction(event: ReactionAdded, ctx: Ctx) -> None:
    memory = Memory(ctx)
    await memory.post(event.message.id)
    await _apply(ctx, credits_for_reaction(event.user.id, event.message.id, memory.view))


async def _apply(ctx: Ctx, awards: list[Award]) -> None:
    for item in awards:
        if item.receiver == item.giver:
            continue
        platform = ctx.community.platform
        receiver = await ctx.member(UserRef(platform, item.receiver))
        giver = await ctx.member(UserRef(platform, item.giver))
        if receiver is None or not _eligible_party(receiver) or not _eligible_party(giver):
            continue
        part = section(ctx, receiver)
        verdict = award(part.evidence, item.kind, item.giver, ctx.now, rules(ctx))
        if verdict.credit is not None:
            part.evidence = verdict.evidence
            ctx.set_section(receiver, part)
            await ctx.uow.members.save(receiver)


async def on_member_updated(event: MemberUpdated, ctx: Ctx) -> None:
    member = await ctx.member(event.member)
    if member is None or not event.roles:
        return  # no role information: keep what we saw (e.g. an admin approving a champion)
    is_mod = ctx.playbook.moderators.includes(event.member, event.roles, is_admin=False)
    part = section(ctx, member)
    if part.seen_as_moderator != is_mod:
        part.seen_as_moderator = is_mod
        ctx.set_section(member, part)
        await ctx.uow.members.save(member)


# ------------------------------------------------------------------ the weekly round


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    members = await present_members(ctx)
    for member, score in eligible(ctx, members, rules(ctx), limit=ctx.config.count, threshold=True):
        await nomination(ctx, member, score, key=f"{member.user.id}:{event.occurrence.isoformat()}")
    await quiet_review(ctx, members)
    await sweep(ctx, await ctx.uow.members.list(ctx.community, present_only=False))


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id not in (APPROVE, DECLINE):
        return
    if not ctx.is_moderator(event.actor):
        ctx.respond(event.interaction, "Sorry, only moderators can approve or decline champions.")
        return
    await note_moderator(ctx, event.actor.user)
    member = await ctx.member(UserRef(ctx.community.platform, event.value))
    if member is None:
        ctx.respond(event.interaction, "I don't know that member any more.")
        return
    decide = approve if event.action_id == APPROVE else decline
    ctx.respond(event.interaction, await decide(ctx, member, by=event.actor.user), ephemeral=False)


def schedules(cfg: ChampionsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [ScheduleSpec(name="nominate", cron=cfg.cron, grace=cfg.grace, where=("cron",))]


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
    commands=COMMANDS,
    schedules=schedules,
    documents=(PostedMessage, RecentPosts),
    section=ChampionsSection,
    export=export,
    forget=forget,
)
