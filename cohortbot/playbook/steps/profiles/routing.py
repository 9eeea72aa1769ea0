"""Skill routing: a question in a help channel that matches members' skills invites a few of them.

Candidates have a matching skill, take invitations (``/cohort profile routing off`` stops
them), are present, are not the asker and are under their weekly budget. The ones invited
longest ago (never first) go first, so the same members are not asked every time. Replies in
the question's thread are recorded (who replied; never the text) for the champions step.
"""

from __future__ import annotations

from datetime import datetime

from cohortbot.playbook.events import MessagePosted
from cohortbot.playbook.messages import channel_link, mention
from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.activity import is_question
from cohortbot.playbook.steps.profiles.config import ProfilesConfig, Routing
from cohortbot.playbook.steps.profiles.fields import matches, skill_terms
from cohortbot.playbook.steps.profiles.model import WEEK, ProfilesMember, Routed, RoutedQuestion

__all__ = ["on_help_message"]

Ctx = StepContext[ProfilesConfig]
_NEVER = datetime.min


def _in_help_channel(event: MessagePosted, ctx: Ctx, routing: Routing) -> bool:
    for spec in routing.channels:
        channel = ctx.resolve(spec)  # a playbook role, else the channel's name or id
        if channel is not None and any(event.channel.matches(s) for s in (channel.id, channel.name) if s):
            return True
    return False


async def on_help_message(event: MessagePosted, ctx: Ctx) -> None:
    routing = ctx.config.routing
    if routing is None or event.is_bot or event.is_direct or not _in_help_channel(event, ctx, routing):
        return
    top_level = event.thread is None or event.thread.id == event.message.id
    if top_level:
        if is_question(event.text):
            await _route(event, ctx, routing)
        return
    await _record_reply(event, ctx)


async def _record_reply(event: MessagePosted, ctx: Ctx) -> None:
    assert event.thread is not None
    routed = await ctx.load(Routed)
    question = routed.find(event.thread.id)
    if question is None or event.author.id in (question.asker, *question.answered_by):
        return
    author = await ctx.member(event.author)
    if author is not None and author.analytics_opt_out:
        return  # opted out of statistics: not counted as the one who answered
    question.answered_by = [*question.answered_by, event.author.id]
    await ctx.store(routed)


def _matched(profile: ProfilesMember, text: str, ctx: Ctx) -> list[str]:
    return [s for s in profile.skills if matches(text, skill_terms(s, ctx.config))]


async def _route(event: MessagePosted, ctx: Ctx, routing: Routing) -> None:
    routed = await ctx.load(Routed)
    if routed.find(event.message.id) is not None:
        return
    candidates: list[tuple[Member, ProfilesMember, list[str]]] = []
    for member in await ctx.uow.members.list(ctx.community):
        if member.is_bot or member.pending or member.user.id == event.author.id:
            continue
        profile = ctx.section(member, ProfilesMember)
        if profile.routing_off or profile.invitations_since(ctx.now - WEEK) >= routing.weekly_budget:
            continue
        skills = _matched(profile, event.text, ctx)
        if skills:
            candidates.append((member, profile, skills))
    if not candidates:
        return
    candidates.sort(key=lambda c: (_naive(c[1].last_invited()), -len(c[2]), c[0].user.id))
    chosen = candidates[: routing.invite]
    asker = mention(event.author)
    for member, profile, skills in chosen:
        profile.invited(ctx.now)
        ctx.set_section(member, profile)
        await ctx.uow.members.save(member)
        text = ctx.fill(routing.message, member=member, members=asker, interests=", ".join(skills))
        text += f"\nWhere: {channel_link(event.channel)}. Reply in the question's thread."
        text += "\n(Stop these invitations with `/cohort profile routing off`.)"
        ctx.dm(member.user, text, key=ctx.key("invite", event.message.id, member.user.id))
    routed.add(
        RoutedQuestion(
            message=event.message.id,
            channel=event.channel.id,
            asker=event.author.id,
            at=ctx.now,
            skills=sorted({s for _m, _p, skills in chosen for s in skills}),
            invited=[m.user.id for m, _p, _s in chosen],
        )
    )
    await ctx.store(routed)


def _naive(moment: datetime | None) -> datetime:
    return _NEVER if moment is None else moment.replace(tzinfo=None)
