"""The qa step's privacy hooks: the questions a member asked, their votes, Q&As they led.

Forgetting unlinks the member: their questions stay (the others voted on them, the expert may
have answered), without their id or name; their votes still count, without their id.
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.qa.config import QaConfig
from cohortbot.playbook.steps.qa.lifecycle import all_qas

__all__ = ["export", "forget"]

Ctx = StepContext[QaConfig]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    asked, voted, answered, expert = [], [], [], []
    for qa in await all_qas(ctx):
        about = {"qa": qa.id, "title": qa.title}
        if qa.expert == user.id:
            expert.append(about)
        for q in qa.questions:
            if q.asker == user.id:
                asked.append(
                    {
                        **about,
                        "question": q.number,
                        "text": q.text,
                        "asked_at": q.asked_at.isoformat(),
                        "votes": q.score,
                        "answered": q.answered_at is not None,
                    }
                )
            if user.id in q.votes:
                voted.append({**about, "question": q.number})
            if q.answered_by == user.id:
                answered.append({**about, "question": q.number})
    found: dict[str, Any] = {}
    for name, items in (("asked", asked), ("upvoted", voted), ("answered", answered), ("expert_of", expert)):
        if items:
            found[name] = items
    return found


async def forget(ctx: Ctx, user: UserRef) -> None:
    for qa in await all_qas(ctx):
        if qa.forget(user.id):
            await ctx.store(qa, qa.id)
