"""The roster step's privacy hooks: a member's roster row (name, email, handle, cohort).

Export gives the row matched to the member; forget deletes it (with its code and handle
entries) and any pending note naming them. Rows of people who never joined name no member.
(The member's section, naming their row, goes with their record.)
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.roster.config import RosterConfig
from cohortbot.playbook.steps.roster.model import Pending
from cohortbot.playbook.steps.roster.store import RosterStore

__all__ = ["export", "forget"]

Ctx = StepContext[RosterConfig]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    rows = await RosterStore(ctx.docs).all_rows()
    mine = [
        row.model_dump(mode="json", include={"name", "email", "handle", "cohort", "joined_at", "matched_by"})
        for row in rows.values()
        if row.member == user.id
    ]
    return {"roster": mine} if mine else {}


async def forget(ctx: Ctx, user: UserRef) -> None:
    store = RosterStore(ctx.docs)
    for rid, row in (await store.all_rows()).items():
        if row.member == user.id:
            await store.remove(rid)
    await store.flush()
    pending = await ctx.find(Pending)
    if pending is not None and any(member == user.id for member, _ in pending.removed):
        left = [(member, cohort) for member, cohort in pending.removed if member != user.id]
        await (ctx.store(Pending(removed=left)) if left else ctx.drop(Pending))
