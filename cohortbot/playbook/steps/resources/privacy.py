"""The resources step's privacy hooks: the links a member suggested are all it keeps about them.

(Where it suggested resources it keeps thread and channel ids only, never who asked.)
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.resources.config import ResourcesConfig
from cohortbot.playbook.steps.resources.model import Library

__all__ = ["export", "forget"]

Ctx = StepContext[ResourcesConfig]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """The member's suggestions: waiting for a moderator, or taken into the library."""
    library = await ctx.find(Library)
    if library is None:
        return {}
    pending = [
        {"id": s.id, "topic": s.topic, "title": s.title, "url": s.url, "suggested_at": s.at.isoformat()}
        for s in library.pending
        if s.by == user.id
    ]
    approved = [
        {"id": r.id, "topic": r.topic, "title": r.title, "url": r.url, "retired": r.retired}
        for r in library.resources
        if r.suggested_by == user.id
    ]
    found: dict[str, Any] = {}
    if pending:
        found["suggestions_waiting"] = pending
    if approved:
        found["suggestions_approved"] = approved
    return found


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Drop the member's waiting suggestions; approved links stay in the library, no longer theirs."""
    library = await ctx.find(Library)
    if library is None:
        return
    before = len(library.pending)
    library.pending = [s for s in library.pending if s.by != user.id]
    changed = len(library.pending) != before
    for resource in library.resources:
        if resource.suggested_by == user.id:
            resource.suggested_by = None
            changed = True
    if changed:
        await ctx.store(library)
