"""What the prompts step keeps about a member: their id in the replier lists of the prompts
they answered (the log counts replies and repliers; it never keeps what anyone wrote)."""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.steps.prompts.bank import question_id
from cohortbot.playbook.steps.prompts.model import PostedLog, Rotation
from cohortbot.playbook.steps.prompts.posting import Ctx

__all__ = ["export", "forget"]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """The prompts the member replied to (when, which schedule, the question if still known)."""
    replied = (await ctx.load(PostedLog)).replied_by(user.id)
    if not replied:
        return {}
    questions = await _question_texts(ctx)
    return {
        "replied_to": [
            {
                "schedule": p.schedule,
                "posted_at": p.posted_at.isoformat(),
                "question": questions.get(p.question) if p.question else None,
            }
            for p in replied
        ]
    }


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Take the member's id out of the replier lists; the reply and replier counts stay."""
    log = await ctx.find(PostedLog)
    if log is not None and log.forget(user.id):
        await ctx.store(log)


async def _question_texts(ctx: Ctx) -> dict[str, str]:
    """Question ids to their text: the playbook's banks and the questions moderators added."""
    texts = [q for s in ctx.config.schedules for q in s.bank]
    for name in await ctx.ids(Rotation):
        texts += (await ctx.load(Rotation, name)).added
    return {question_id(t): t.strip() for t in texts if t.strip()}
