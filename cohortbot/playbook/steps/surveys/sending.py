"""Sending survey rounds and their single reminder; the request other steps send (``api.py``).

An invitation is a DM; a member who doesn't accept DMs gets it in the fallback channel
(``fallback_channel``, default the general channel) with a mention, as the welcome does. Each
invitation asks to hear of its delivery (``notify``): :func:`on_delivered` counts the round's
``reached`` members and who got it in the channel, so moderators see the true count (a DM
refused with no channel to fall back to stays in the outbox as parked, and is not counted).
"""

from __future__ import annotations

import logging

from cohortbot.playbook.events import ActionDelivered
from cohortbot.playbook.messages import mention
from cohortbot.playbook.refs import ChannelRef, UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.surveys.answering import started
from cohortbot.playbook.steps.surveys.api import SurveyRequested
from cohortbot.playbook.steps.surveys.config import Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.model import RemindRound, Round
from cohortbot.playbook.steps.surveys.rounds import load_round, round_id, store_round
from cohortbot.playbook.steps.surveys.ui import invitation

__all__ = ["audience", "fallback_channel", "on_delivered", "on_requested", "remind", "send_round", "today"]

log = logging.getLogger("cohortbot.surveys")
Ctx = StepContext[SurveysConfig]


def today(ctx: Ctx) -> str:
    return ctx.now.astimezone(ctx.playbook.zone).date().isoformat()


def fallback_channel(ctx: Ctx) -> ChannelRef | None:
    """Where members who refuse DMs get their invitation (None: nowhere)."""
    return ctx.resolve(ctx.config.fallback_channel, default="general")


def _invite_key(ctx: Ctx, survey: str, rid: str, uid: str) -> str:
    return ctx.key("invite", survey, rid, uid)


async def send_round(ctx: Ctx, survey: Survey, rid: str, users: list[UserRef], *, reason: str) -> int:
    """Invite each user once to this round; plan the round's single reminder."""
    rnd = await load_round(ctx.docs, survey.name, rid)
    fresh = rnd is None
    if rnd is None:
        rnd = Round(survey=survey.name, round=rid, sent_on=today(ctx), reason=reason, tracked=True)
    fallback = fallback_channel(ctx)
    invited = 0
    for user in users:
        if user.id in rnd.invited:
            continue
        rnd.invited.append(user.id)
        invited += 1
        member = await ctx.member(user)
        count = str(len(survey.questions))
        text = ctx.fill(survey.intro, member=member or user, title=survey.title, count=count)
        prefix = ctx.fill(ctx.config.fallback_prefix, member=member or user, title=survey.title)
        ctx.dm(
            user,
            invitation(survey, rid, text),
            key=_invite_key(ctx, survey.name, rid, user.id),
            fallback=fallback,
            fallback_prefix=prefix if mention(user) in prefix else f"{mention(user)} {prefix}",
            notify=rnd.tracked,  # on_delivered counts whom it reached, and where
        )
    await store_round(ctx.docs, rnd)
    after = ctx.config.remind_after
    if fresh and survey.remind and after is not None:
        payload = RemindRound(survey=survey.name, round=rid)
        await ctx.set_timer(payload, ctx.now + after, name=rnd.id)
    log.info("survey %s round %s: %d invited (%s)", survey.name, rid, invited, reason)
    return invited


async def on_delivered(event: ActionDelivered, ctx: Ctx) -> None:
    """An invitation arrived (by DM, or in the fallback channel): count it for its round."""
    prefix = ctx.key("invite", "")
    if not event.key.startswith(prefix):
        return
    survey, rid, uid = ([*event.key.removeprefix(prefix).split(":", 2), "", ""])[:3]
    rnd = await load_round(ctx.docs, survey, rid)
    if rnd is None or not uid or not rnd.tracked:
        return
    rnd.reached += 1
    if event.fallback_used and uid not in rnd.in_channel:
        rnd.in_channel.append(uid)
    await store_round(ctx.docs, rnd)


async def audience(ctx: Ctx) -> list[UserRef]:
    return [m.user for m in await ctx.uow.members.list(ctx.community) if m.present and not m.is_bot]


async def on_requested(message: SurveyRequested, ctx: Ctx) -> None:
    """Another step asks: invite exactly these members (present, not bots) to a round."""
    survey = ctx.config.survey(message.survey)
    if survey is None:
        log.warning("survey %r requested (%s) is not in the playbook", message.survey, message.reason)
        return
    users = []
    for user in message.members:
        member = await ctx.member(user)
        if member is not None and (not member.present or member.is_bot):
            continue
        users.append(member.user if member else user)
    await send_round(ctx, survey, round_id(message.round), users, reason=message.reason)


async def remind(payload: RemindRound, ctx: Ctx) -> None:
    survey = ctx.config.survey(payload.survey)
    rnd = await load_round(ctx.docs, payload.survey, payload.round)
    if survey is None or rnd is None or rnd.reminded:
        return
    rnd.reminded = True
    await store_round(ctx.docs, rnd)
    for uid in rnd.waiting():
        if uid in rnd.in_channel:
            continue  # they don't take DMs; a reminder in the channel would single them out
        member = await ctx.member(UserRef(ctx.community.platform, uid))
        if member is None or not member.present:
            continue
        count = str(len(survey.questions))
        text = ctx.fill(ctx.config.reminder, member=member, title=survey.title, count=count)
        message = invitation(survey, rnd.round, text, started=started(ctx, member, survey, rnd.round))
        ctx.dm(member.user, message, key=ctx.key("remind", survey.name, rnd.round, uid))
