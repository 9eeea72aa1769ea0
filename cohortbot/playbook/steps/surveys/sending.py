"""Sending survey rounds and their single reminder; the request other steps send (``api.py``)."""

from __future__ import annotations

import logging

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.surveys.answering import started
from cohortbot.playbook.steps.surveys.api import SurveyRequested
from cohortbot.playbook.steps.surveys.config import Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.model import RemindRound, Round
from cohortbot.playbook.steps.surveys.rounds import load_round, round_id, store_round
from cohortbot.playbook.steps.surveys.ui import invitation

__all__ = ["audience", "on_requested", "remind", "send_round", "today"]

log = logging.getLogger("cohortbot.surveys")
Ctx = StepContext[SurveysConfig]


def today(ctx: Ctx) -> str:
    return ctx.now.astimezone(ctx.playbook.zone).date().isoformat()


async def send_round(ctx: Ctx, survey: Survey, rid: str, users: list[UserRef], *, reason: str) -> int:
    """Invite each user once to this round; plan the round's single reminder."""
    rnd = await load_round(ctx.docs, survey.name, rid)
    fresh = rnd is None
    if rnd is None:
        rnd = Round(survey=survey.name, round=rid, sent_on=today(ctx), reason=reason)
    invited = 0
    for user in users:
        if user.id in rnd.invited:
            continue
        rnd.invited.append(user.id)
        invited += 1
        member = await ctx.member(user)
        count = str(len(survey.questions))
        text = ctx.fill(survey.intro, member=member or user, title=survey.title, count=count)
        ctx.dm(user, invitation(survey, rid, text), key=ctx.key("invite", survey.name, rid, user.id))
    await store_round(ctx.docs, rnd)
    after = ctx.config.remind_after
    if fresh and survey.remind and after is not None:
        payload = RemindRound(survey=survey.name, round=rid)
        await ctx.set_timer(payload, ctx.now + after, name=rnd.id)
    log.info("survey %s round %s: %d invited (%s)", survey.name, rid, invited, reason)
    return invited


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
        member = await ctx.member(UserRef(ctx.community.platform, uid))
        if member is None or not member.present:
            continue
        count = str(len(survey.questions))
        text = ctx.fill(ctx.config.reminder, member=member, title=survey.title, count=count)
        message = invitation(survey, rnd.round, text, started=started(ctx, member, survey, rnd.round))
        ctx.dm(member.user, message, key=ctx.key("remind", survey.name, rnd.round, uid))
