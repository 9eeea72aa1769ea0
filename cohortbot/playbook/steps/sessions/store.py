"""Where the sessions step keeps its records: one ``uow.state`` document per session/deadline.

An index document lists the ids (the state port has no listing), and one small document per
native scheduled event maps the platform's id back to our session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cohortbot.playbook.ports import StateRepository
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.steps.sessions.model import Deadline, Session

__all__ = ["SessionStore"]

INDEX = "sessions.index"
KEEP = timedelta(days=30)  # finished sessions and passed deadlines are forgotten after this


class SessionStore:
    def __init__(self, state: StateRepository, community: CommunityRef) -> None:
        self.state = state
        self.community = community

    async def _index(self) -> dict[str, list[str]]:
        doc = await self.state.get(self.community, INDEX)
        return doc if isinstance(doc, dict) else {"sessions": [], "deadlines": []}

    async def _add_to_index(self, kind: str, item_id: str) -> None:
        doc = await self._index()
        ids = doc.setdefault(kind, [])
        if item_id not in ids:
            ids.append(item_id)
            await self.state.put(self.community, INDEX, doc)

    # ------------------------------------------------------------------ sessions

    async def session(self, session_id: str) -> Session | None:
        doc = await self.state.get(self.community, f"sessions.session.{session_id}")
        return Session.model_validate(doc) if doc is not None else None

    async def save(self, session: Session) -> None:
        await self.state.put(
            self.community, f"sessions.session.{session.id}", session.model_dump(mode="json")
        )
        await self._add_to_index("sessions", session.id)

    async def sessions(self) -> list[Session]:
        found = [s for sid in (await self._index()).get("sessions", []) if (s := await self.session(sid))]
        return sorted(found, key=lambda s: s.starts_at)

    async def link_event(self, platform_id: str, session_id: str) -> None:
        await self.state.put(self.community, f"sessions.event.{platform_id}", session_id)

    async def by_event(self, platform_id: str) -> Session | None:
        session_id = await self.state.get(self.community, f"sessions.event.{platform_id}")
        return await self.session(session_id) if isinstance(session_id, str) else None

    # ------------------------------------------------------------------ deadlines

    async def deadline(self, deadline_id: str) -> Deadline | None:
        doc = await self.state.get(self.community, f"sessions.deadline.{deadline_id}")
        return Deadline.model_validate(doc) if doc is not None else None

    async def save_deadline(self, deadline: Deadline) -> None:
        key = f"sessions.deadline.{deadline.id}"
        await self.state.put(self.community, key, deadline.model_dump(mode="json"))
        await self._add_to_index("deadlines", deadline.id)

    async def deadlines(self) -> list[Deadline]:
        found = [d for did in (await self._index()).get("deadlines", []) if (d := await self.deadline(did))]
        return sorted(found, key=lambda d: d.due)

    # ------------------------------------------------------------------ housekeeping

    async def forget_old(self, now: datetime) -> None:
        """Drop sessions that ended (and were followed up) and deadlines that passed long ago."""
        doc = await self._index()
        keep_sessions, keep_deadlines = [], []
        for sid in doc.get("sessions", []):
            session = await self.session(sid)
            if session is not None and (session.ends_at > now - KEEP or not session.followed_up):
                keep_sessions.append(sid)
                continue
            await self.state.delete(self.community, f"sessions.session.{sid}")
            if session is not None and session.platform_id:
                await self.state.delete(self.community, f"sessions.event.{session.platform_id}")
        for did in doc.get("deadlines", []):
            deadline = await self.deadline(did)
            if deadline is not None and deadline.due > now - KEEP:
                keep_deadlines.append(did)
                continue
            await self.state.delete(self.community, f"sessions.deadline.{did}")
        if keep_sessions != doc.get("sessions", []) or keep_deadlines != doc.get("deadlines", []):
            await self.state.put(
                self.community, INDEX, {"sessions": keep_sessions, "deadlines": keep_deadlines}
            )
