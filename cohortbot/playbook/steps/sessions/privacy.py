"""The sessions step's privacy hooks: the RSVP and check-in lists are all it keeps about a member.

(The reminder setting and recent wrong check-in codes are in the member's record, exported and
deleted with it.)
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.sessions.config import SessionsConfig
from cohortbot.playbook.steps.sessions.lifecycle import all_sessions

__all__ = ["export", "forget"]

Ctx = StepContext[SessionsConfig]


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """The sessions the member said they would (or would not) attend, and those they checked in to."""
    rsvps, attended = [], []
    for session in await all_sessions(ctx):
        about = {"session": session.id, "title": session.title, "starts_at": session.starts_at.isoformat()}
        answer = "going" if user.id in session.going else "declined" if user.id in session.declined else None
        if answer:
            rsvps.append({**about, "rsvp": answer})
        if user.id in session.attended:
            attended.append(about)
    found: dict[str, Any] = {}
    if rsvps:
        found["rsvps"] = rsvps
    if attended:
        found["checked_in"] = attended
    return found


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Take the member off every session's RSVP and check-in lists; the sessions stay for the others."""
    for session in await all_sessions(ctx):
        if session.forget(user.id):
            await ctx.store(session, session.id)
