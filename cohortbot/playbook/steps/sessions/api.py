"""What other steps (and ``bot/``) may use of the sessions step: who came to the live sessions.

- :func:`attendance`: the sessions that started since a moment, each with how many members
  RSVPed yes and how many checked in (``None`` for a session that took no attendance), for
  the health report. Counts only: no member ids leave the step.

Sessions are kept 30 days after they end, so ``since`` further back finds no more than that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.sessions.model import Session

__all__ = ["STEP_NAME", "SessionAttendance", "attendance"]

STEP_NAME = "sessions"


@dataclass(frozen=True, kw_only=True)
class SessionAttendance:
    """One occurrence of a live session: RSVPs against check-ins."""

    id: str
    title: str  # as the moderator typed it: escape it (``messages.literal``) in a message
    starts_at: datetime
    rsvps: int  # members who RSVPed yes
    attended: int | None  # members who checked in; None: the session took no attendance


async def attendance(uow: UnitOfWork, community: CommunityRef, since: datetime) -> list[SessionAttendance]:
    """The sessions starting at or after ``since``, by start: those planned but still to come
    too (announced ahead), so a caller cuts the end it reports on."""
    docs = DocumentStore(uow.state, community, STEP_NAME)
    found = []
    for sid in await docs.ids(Session):
        session = await docs.find(Session, sid)
        if session is None or session.starts_at < since:
            continue
        found.append(
            SessionAttendance(
                id=session.id,
                title=session.title,
                starts_at=session.starts_at,
                rsvps=len(session.going),
                attended=len(session.attended) if session.check_in is not None else None,
            )
        )
    return sorted(found, key=lambda s: (s.starts_at, s.id))
