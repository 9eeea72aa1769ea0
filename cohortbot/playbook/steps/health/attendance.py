"""The health report's live sessions: RSVPs against who checked in (``sessions.api``).

Only counts come from the sessions step; a session's title is the moderator's text, shown as
a literal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.sessions.api import STEP_NAME as SESSIONS
from cohortbot.playbook.steps.sessions.api import SessionAttendance, attendance

__all__ = ["HEADING", "load_sessions", "sessions_section"]

HEADING = "Live sessions"


async def load_sessions(
    uow: UnitOfWork, community: CommunityRef, loaded: LoadedPlaybook, since: datetime
) -> list[SessionAttendance] | None:
    """The sessions starting since ``since``; None when the playbook runs no sessions step."""
    if not loaded.enabled(SESSIONS):
        return None
    return await attendance(uow, community, since)


def sessions_section(
    sessions: Sequence[SessionAttendance] | None, start: datetime, end: datetime, period: str
) -> list[tuple[str, list[str]]]:
    """The section (none without the sessions step): each session held in ``[start, end)``."""
    if sessions is None:
        return []
    held = [s for s in sessions if start <= s.starts_at < end]
    lines = []
    for s in held:
        came = "no attendance taken" if s.attended is None else f"{s.attended} checked in"
        lines.append(f"- **{literal(s.title)}** {timestamp(s.starts_at)}: {s.rsvps} RSVPed yes, {came}")
    taking = [s for s in held if s.attended is not None]
    if len(taking) > 1:
        checked = sum(s.attended or 0 for s in taking)
        said = sum(s.rsvps for s in taking)
        lines.append(f"Sessions taking attendance: {len(taking)}, {checked} check-ins against {said} RSVPs.")
    return [(f"{HEADING} ({period})", lines or ["None held."])]
