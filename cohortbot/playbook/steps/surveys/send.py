"""Sending survey rounds and their single reminder (used by the surveys step and its commands)."""

from __future__ import annotations

import logging

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.ports import Timer
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.surveys.model import Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.store import Round, load_round, progress, save_round
from cohortbot.playbook.steps.surveys.ui import invitation

__all__ = ["audience", "remind", "send_round", "today"]

log = logging.getLogger("cohortbot.surveys")
Ctx = StepContext[SurveysConfig]


def today(ctx: Ctx) -> str:
    return ctx.now.astimezone(ctx.playbook.zone).date().isoformat()


async def send_round(ctx: Ctx, survey: Survey, round_id: str, users: list[UserRef], *, reason: str) -> int:
    """Invite each user once to this round; plan the round's single reminder."""
    rnd = await load_round(ctx.uow, ctx.community, survey.name, round_id)
    fresh = rnd is None
    if rnd is None:
        rnd = Round(survey=survey.name, round=round_id, sent_on=today(ctx), reason=reason)
    invited = 0
    for user in users:
        if user.id in rnd.invited:
            continue
        rnd.invited.append(user.id)
        invited += 1
        member = await ctx.member(user)
        text = ctx.fill(
            survey.intro, member=member or user, title=survey.title, count=str(len(survey.questions))
        )
        ctx.emit(
            SendDirectMessage(
                key=f"surveys-invite:{ctx.community}:{survey.name}:{round_id}:{user.id}",
                community=ctx.community,
                to=user,
                message=invitation(survey, round_id, text),
            )
        )
    await save_round(ctx.uow, ctx.community, rnd)
    after = ctx.config.remind_after
    if fresh and survey.remind and after is not None:
        await ctx.uow.timers.set(
            Timer(
                key=f"surveys.remind:{ctx.community}:{survey.name}:{round_id}",
                community=ctx.community,
                due_at=ctx.now + after,
                kind="surveys.remind",
                data={"survey": survey.name, "round": round_id},
            )
        )
    log.info("survey %s round %s: %d invited (%s)", survey.name, round_id, invited, reason)
    return invited


async def audience(ctx: Ctx) -> list[UserRef]:
    return [m.user for m in await ctx.uow.members.list(ctx.community) if m.present and not m.is_bot]


async def remind(ctx: Ctx, name: str, round_id: str) -> None:
    survey = ctx.config.survey(name)
    rnd = await load_round(ctx.uow, ctx.community, name, round_id)
    if survey is None or rnd is None or rnd.reminded:
        return
    rnd.reminded = True
    await save_round(ctx.uow, ctx.community, rnd)
    for uid in rnd.waiting():
        member = await ctx.member(UserRef(ctx.community.platform, uid))
        if member is None or not member.present:
            continue
        started = bool(progress(member, name, round_id))
        text = ctx.fill(
            ctx.config.reminder, member=member, title=survey.title, count=str(len(survey.questions))
        )
        ctx.emit(
            SendDirectMessage(
                key=f"surveys-remind:{ctx.community}:{name}:{round_id}:{uid}",
                community=ctx.community,
                to=member.user,
                message=invitation(survey, round_id, text, started=started),
            )
        )
