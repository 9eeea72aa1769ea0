"""Timers (one-off, per-step deadlines) and schedule claims (exactly-once occurrences).

Both are race-free across processes by construction, not by locking in Python: a timer is
fired by a conditional UPDATE (``... WHERE fired_at IS NULL``) whose affected row tells the
single winner, and an occurrence is claimed by an INSERT under a unique constraint with
``ON CONFLICT DO NOTHING`` (the loser inserts nothing and carries on).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from cohortbot.playbook.ports import Timer
from cohortbot.playbook.refs import CommunityRef
from cohortbot.storage._sql import CLAIMS, TIMERS, SqlRepository, community_ref, in_community, user_ref

__all__ = ["SqlClaimRepository", "SqlTimerRepository", "timer_from_row", "timer_values"]


def timer_values(timer: Timer) -> dict[str, Any]:
    """The timers row of a timer, armed (not fired)."""
    return {
        "key": timer.key,
        "platform": timer.community.platform.value,
        "community_id": timer.community.id,
        "due_at": timer.due_at,
        "kind": timer.kind,
        "subject_user_id": timer.subject.id if timer.subject else None,
        "subject_user_name": timer.subject.name if timer.subject else None,
        "data": timer.data,
        "fired_at": None,
    }


def timer_from_row(row: Any) -> Timer:
    """A Timer from a timers row (anything with the columns as attributes)."""
    return Timer(
        key=row.key,
        community=community_ref(row.platform, row.community_id),
        due_at=row.due_at,
        kind=row.kind,
        subject=None if row.subject_user_id is None else user_ref(
            row.platform, row.subject_user_id, row.subject_user_name
        ),
        data=dict(row.data or {}),
    )


class SqlTimerRepository(SqlRepository):
    async def set(self, timer: Timer) -> None:
        """Create or replace the timer with this key; a replaced timer is armed again."""
        values = timer_values(timer)
        stmt = self._insert(TIMERS).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[TIMERS.c.key],
            set_={name: stmt.excluded[name] for name in values if name != "key"},
        )
        await self._session.execute(stmt)

    async def cancel(self, key: str) -> None:
        await self._session.execute(delete(TIMERS).where(TIMERS.c.key == key))

    async def get(self, key: str) -> Timer | None:
        row = (await self._session.execute(select(TIMERS).where(TIMERS.c.key == key))).first()
        return None if row is None else timer_from_row(row)

    async def due(self, now: datetime, *, limit: int = 100) -> list[Timer]:
        rows = await self._session.execute(
            select(TIMERS)
            .where(TIMERS.c.fired_at.is_(None), TIMERS.c.due_at <= now)
            .order_by(TIMERS.c.due_at, TIMERS.c.id)
            .limit(limit)
        )
        return [timer_from_row(row) for row in rows]

    async def claim(self, key: str, *, now: datetime) -> bool:
        """Mark a due timer fired; False if another process (or a replay) already did."""
        won = await self._session.execute(
            update(TIMERS)
            .where(TIMERS.c.key == key, TIMERS.c.fired_at.is_(None))
            .values(fired_at=now)
            .returning(TIMERS.c.id)
        )
        return won.first() is not None

    async def next_due(self) -> datetime | None:
        return await self._session.scalar(
            select(TIMERS.c.due_at)
            .where(TIMERS.c.fired_at.is_(None))
            .order_by(TIMERS.c.due_at)
            .limit(1)
        )


_CLAIM_KEY = ("platform", "community_id", "schedule", "occurrence")


class SqlClaimRepository(SqlRepository):
    """Schedule occurrences, each claimed exactly once across processes."""

    async def claim(
        self, community: CommunityRef, schedule: str, occurrence: datetime, *, status: str, now: datetime
    ) -> bool:
        stmt = (
            self._insert(CLAIMS)
            .values(
                platform=community.platform.value,
                community_id=community.id,
                schedule=schedule,
                occurrence=occurrence,
                status=status,
                claimed_at=now,
            )
            .on_conflict_do_nothing(index_elements=[CLAIMS.c[k] for k in _CLAIM_KEY])
            .returning(CLAIMS.c.id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def last(self, community: CommunityRef, schedule: str) -> datetime | None:
        """The newest claimed occurrence (posted or recorded as missed) of a schedule."""
        last: datetime | None = await self._session.scalar(
            select(func.max(CLAIMS.c.occurrence)).where(
                in_community(CLAIMS, community), CLAIMS.c.schedule == schedule
            )
        )
        return last

    async def last_all(self) -> dict[tuple[CommunityRef, str], datetime]:
        """The newest claimed occurrence of every schedule that has one (the claims' unique
        index, in its column order, serves the grouping)."""
        latest = func.max(CLAIMS.c.occurrence).label("latest")
        rows = await self._session.execute(
            select(CLAIMS.c.platform, CLAIMS.c.community_id, CLAIMS.c.schedule, latest).group_by(
                CLAIMS.c.platform, CLAIMS.c.community_id, CLAIMS.c.schedule
            )
        )
        return {(community_ref(r.platform, r.community_id), r.schedule): r.latest for r in rows}

    async def list(
        self, community: CommunityRef, *, status: str | None = None, since: datetime | None = None
    ) -> Sequence[tuple[str, datetime, str]]:
        """(schedule, occurrence, status) rows, newest first; ``since`` is inclusive."""
        stmt = select(CLAIMS.c.schedule, CLAIMS.c.occurrence, CLAIMS.c.status).where(
            in_community(CLAIMS, community)
        )
        if status is not None:
            stmt = stmt.where(CLAIMS.c.status == status)
        if since is not None:
            stmt = stmt.where(CLAIMS.c.occurrence >= since)
        rows = await self._session.execute(stmt.order_by(CLAIMS.c.occurrence.desc(), CLAIMS.c.id.desc()))
        return [(r.schedule, r.occurrence, r.status) for r in rows]
