"""The assignments step's privacy hooks: submissions (links, notes, times) and timed-exercise
starts are kept under member ids. (Its timers about a member have the member as subject:
storage deletes them.)"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import Work

__all__ = ["export", "forget"]

Ctx = StepContext[AssignmentsConfig]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """Every submission of the member (link, note, when, late or not) and exercise start."""
    found = []
    for moment in await ctx.ids(Work):
        work = await ctx.load(Work, moment)
        submission = work.submissions.get(user.id)
        started = work.started.get(user.id)
        if submission is None and started is None:
            continue
        entry: dict[str, Any] = {"assignment": work.name or moment, "moment": moment}
        if work.due_at is not None:
            entry["due_at"] = work.due_at.isoformat()
        if started is not None:
            entry["started_at"] = started.isoformat()
        if submission is not None:
            entry["submission"] = submission.model_dump(mode="json")
        found.append(entry)
    return {"submissions": found} if found else {}


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Take the member's submissions and starts out; the others' stay."""
    for moment in await ctx.ids(Work):
        work = await ctx.load(Work, moment)
        if work.forget(user.id):
            await ctx.store(work, moment)
