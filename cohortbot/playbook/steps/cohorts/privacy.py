"""The cohorts step's privacy hooks: the rolls list member ids.

(Which cohorts a member is in is also in their record, exported and deleted with it.)
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.cohorts.config import CohortsConfig
from cohortbot.playbook.steps.cohorts.model import Roll

__all__ = ["export", "forget"]

Ctx = StepContext[CohortsConfig]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """The cohorts whose roll lists the member."""
    found = [name for name in await ctx.ids(Roll) if user.id in (await ctx.load(Roll, name)).members]
    return {"cohorts": found} if found else {}


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Take the member off every roll (every cohort's, configured or not any more)."""
    for name in await ctx.ids(Roll):
        roll = await ctx.load(Roll, name)
        if user.id in roll.members:
            roll.members.remove(user.id)
            await ctx.store(roll, name)
