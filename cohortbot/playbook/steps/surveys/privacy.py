"""The surveys step's privacy hooks.

What is about a member: the rounds they were invited to and answered (member ids), and their
answers to **named** surveys (free texts included). Exported, and removed by ``forget``.
Answers to **anonymous** surveys (and their unfinished drafts) are stored with no member id:
nothing links them to anyone, so they can be neither exported nor removed for a member. Named
surveys' unfinished answers are in the member's record (exported and deleted with it).
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.surveys.config import SurveysConfig
from cohortbot.playbook.steps.surveys.model import Answers, Round
from cohortbot.playbook.steps.surveys.rounds import load_answers, rounds_of, store_answers, store_round

__all__ = ["ANONYMOUS_NOTE", "export", "forget"]

Ctx = StepContext[SurveysConfig]
ANONYMOUS_NOTE = (
    "Answers to anonymous surveys are stored without your id (no name, no date), so nothing "
    "links them to you: they are not in this export and cannot be deleted for you. The rounds "
    "above only say that you were invited and whether you answered."
)


async def _names(ctx: Ctx) -> list[str]:
    """Every survey name with stored data: the playbook's, and rounds of surveys since removed."""
    names = [s.name for s in ctx.config.surveys]
    names += [rid.split(":", 1)[0] for rid in await ctx.ids(Round)] + await ctx.ids(Answers)
    return list(dict.fromkeys(names))


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    rounds: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for name in await _names(ctx):
        survey = ctx.config.survey(name)
        for rnd in await rounds_of(ctx.docs, name):
            if user.id in rnd.invited or user.id in rnd.answered:
                anonymous = survey.anonymous if survey else None
                rounds.append(
                    {
                        "survey": name,
                        "round": rnd.round,
                        "sent_on": rnd.sent_on,
                        "anonymous": anonymous,
                        "answered": user.id in rnd.answered,
                    }
                )
        for answer_set in (await load_answers(ctx.docs, name)).named(user.id):
            answers.append({"survey": name, **answer_set.model_dump(exclude={"member"})})
    if not rounds and not answers:
        return {}
    return {"rounds": rounds, "named_answers": answers, "note": ANONYMOUS_NOTE}


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Off every round's lists (still counted as invited), and their named answer sets removed."""
    for name in await _names(ctx):
        for rnd in await rounds_of(ctx.docs, name):
            if rnd.forget(user.id):
                await store_round(ctx.docs, rnd)
        stored = await load_answers(ctx.docs, name)
        if stored.forget(user.id):
            await store_answers(ctx.docs, name, stored)
