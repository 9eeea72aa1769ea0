"""The transactional outbox: decided actions, recorded with the state that produced them.

Life of a row: ``pending`` -> (claimed by a deliverer for a lease) -> ``delivered``, or back
to ``pending`` with a later ``next_attempt_at`` after a failure, or ``parked`` when the
deliverer gives up. Parked rows are kept and stay visible in :meth:`stats` until an operator
requeues them. Delivered rows are kept too: their unique ``key`` is what makes a late
duplicate of the same action collapse at insert time.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select, update

from cohortbot.playbook.actions import Action, action_from_json, action_to_json
from cohortbot.playbook.ports import DeliveryScope, OutboxBacklog, OutboxItem, OutboxStats
from cohortbot.playbook.refs import CommunityRef
from cohortbot.storage._sql import OUTBOX, SqlRepository, in_community, rowcount
from cohortbot.storage.types import UTCDateTime

__all__ = [
    "DELIVERED",
    "LAST_ERRORS",
    "MAX_ERROR_LENGTH",
    "PARKED",
    "PENDING",
    "SqlOutboxRepository",
    "outbox_values",
]

log = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
PARKED = "parked"

MAX_ERROR_LENGTH = 2000     # an error is a diagnosis, not a dump of a whole HTTP body
LAST_ERRORS = 5

# When a row can next be handed out: its retry time, or later if a deliverer's lease on it
# still runs (a crashed deliverer's rows come back when the lease expires).
_AVAILABLE_AT = case(
    (
        and_(OUTBOX.c.claimed_until.is_not(None), OUTBOX.c.claimed_until > OUTBOX.c.next_attempt_at),
        OUTBOX.c.claimed_until,
    ),
    else_=OUTBOX.c.next_attempt_at,
)


def erased_key(key: str) -> str:
    """What stays of a private action's key once delivered: unique, but naming nobody."""
    return "erased:" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _in(community: CommunityRef) -> Any:
    return in_community(OUTBOX, community)


def _in_scope(scope: DeliveryScope) -> Any:
    served = []
    for platform, communities in scope.items():
        if communities is None:
            served.append(OUTBOX.c.platform == platform)
        elif communities:
            served.append(and_(OUTBOX.c.platform == platform, OUTBOX.c.community_id.in_(sorted(communities))))
    return or_(false(), *served)


def outbox_values(action: Action, *, now: datetime) -> dict[str, Any]:
    """The outbox row of a newly decided action: pending, due now."""
    return {
        "key": action.key,
        "platform": action.community.platform.value,
        "community_id": action.community.id,
        "kind": action.kind,
        "payload": action_to_json(action),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


class SqlOutboxRepository(SqlRepository):
    async def add(self, action: Action, *, now: datetime) -> bool:
        stmt = (
            self._insert(OUTBOX)
            .values(**outbox_values(action, now=now))
            .on_conflict_do_nothing(index_elements=[OUTBOX.c.key])
            .returning(OUTBOX.c.id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def stats(self, community: CommunityRef) -> OutboxStats:
        by_status = await self._session.execute(
            select(OUTBOX.c.status, func.count()).where(_in(community)).group_by(OUTBOX.c.status)
        )
        counts: dict[str, int] = {status: count for status, count in by_status}
        # "Failing" = still pending but already failed at least once; parked = given up.
        errors = await self._session.execute(
            select(OUTBOX.c.key, OUTBOX.c.last_error, OUTBOX.c.last_failed_at)
            .where(
                _in(community),
                OUTBOX.c.last_error.is_not(None),
                OUTBOX.c.last_failed_at.is_not(None),
                or_(OUTBOX.c.status == PARKED, and_(OUTBOX.c.status == PENDING, OUTBOX.c.attempts > 0)),
            )
            .order_by(OUTBOX.c.last_failed_at.desc(), OUTBOX.c.id.desc())
            .limit(LAST_ERRORS)
        )
        return OutboxStats(
            pending=counts.get(PENDING, 0),
            parked=counts.get(PARKED, 0),
            delivered=counts.get(DELIVERED, 0),
            last_errors=tuple((r.key, r.last_error, r.last_failed_at) for r in errors),
        )

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float, scope: DeliveryScope | None = None
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due rows, oldest first, to this deliverer.

        ``scope`` limits it to the platforms and communities this process serves: with Discord
        shards, only the process whose shard holds a server can resolve its channels, so the
        others must leave its rows alone (None: every row).

        The lease (``claimed_until``) is what other deliverers see once this transaction
        commits; a row becomes claimable again when its lease has expired (``<= now``, the
        same instant :meth:`next_due` reports). On PostgreSQL ``FOR UPDATE SKIP LOCKED``
        keeps two concurrent deliverers from even reading the same row; SQLite has no row
        locks (the clause is not rendered) and relies on its single writer instead.
        """
        if limit <= 0:
            return []
        rows = (
            await self._session.execute(
                select(
                    OUTBOX.c.id,
                    OUTBOX.c.key,
                    OUTBOX.c.kind,
                    OUTBOX.c.payload,
                    OUTBOX.c.attempts,
                    OUTBOX.c.claimed_until,
                    OUTBOX.c.created_at,
                )
                .where(
                    OUTBOX.c.status == PENDING,
                    OUTBOX.c.next_attempt_at <= now,
                    or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until <= now),
                    *([] if scope is None else [_in_scope(scope)]),
                )
                .order_by(OUTBOX.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        await self._session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([r.id for r in rows]))
            .values(claimed_until=now + timedelta(seconds=lease_seconds))
        )
        items: list[OutboxItem] = []
        for row in rows:
            try:
                action = action_from_json(row.kind, row.payload)
            except Exception as exc:
                # A row this version cannot read (renamed kind, changed fields) must not block
                # the queue or be retried forever: park it where an operator will see it.
                log.error("parking outbox row %s (%s): cannot decode its action: %s", row.id, row.key, exc)
                await self.mark_failed(row.id, now=now, error=f"undecodable action: {exc}", retry_at=None)
                continue
            resumed = row.claimed_until is not None   # an outcome always clears the lease
            items.append(OutboxItem(id=row.id, action=action, attempts=row.attempts, resumed=resumed,
                                    created_at=row.created_at))
        return items

    async def mark_delivered(
        self, item_id: int, *, now: datetime, result: dict[str, Any], erase: bool = False
    ) -> None:
        values: dict[str, Any] = {
            "status": DELIVERED, "result": result, "delivered_at": now, "claimed_until": None
        }
        if erase:
            key = (await self._session.execute(select(OUTBOX.c.key).where(OUTBOX.c.id == item_id))).scalar()
            if key is not None:
                values |= {"key": erased_key(key), "payload": {}, "result": {}}
        await self._session.execute(update(OUTBOX).where(OUTBOX.c.id == item_id).values(**values))

    async def mark_failed(
        self, item_id: int, *, now: datetime, error: str, retry_at: datetime | None
    ) -> None:
        """A failed attempt: retried at ``retry_at``, or parked (kept, visible) when None."""
        values: dict[str, Any] = {
            "attempts": OUTBOX.c.attempts + 1,
            "last_error": error[:MAX_ERROR_LENGTH],
            "last_failed_at": now,
            "claimed_until": None,
        }
        if retry_at is None:
            values["status"] = PARKED
        else:
            values["next_attempt_at"] = retry_at
        await self._session.execute(update(OUTBOX).where(OUTBOX.c.id == item_id).values(**values))

    async def next_due(self) -> datetime | None:
        """When the earliest pending row becomes claimable (a deliverer can sleep until then)."""
        due: datetime | None = await self._session.scalar(
            select(func.min(_AVAILABLE_AT, type_=UTCDateTime())).where(OUTBOX.c.status == PENDING)
        )
        return due

    async def backlog(self) -> OutboxBacklog:
        """One statement over the (status, next_attempt_at) index: delivered rows are not read."""
        row = (
            await self._session.execute(
                select(
                    func.count().filter(OUTBOX.c.status == PENDING),
                    func.count().filter(OUTBOX.c.status == PARKED),
                    func.min(OUTBOX.c.created_at, type_=UTCDateTime()).filter(OUTBOX.c.status == PENDING),
                ).where(OUTBOX.c.status.in_([PENDING, PARKED]))
            )
        ).one()
        return OutboxBacklog(pending=row[0], parked=row[1], oldest_pending=row[2])

    async def requeue_parked(self, community: CommunityRef, *, now: datetime) -> int:
        """Give a community's parked rows a fresh start (attempts reset, due now)."""
        result = await self._session.execute(
            update(OUTBOX)
            .where(_in(community), OUTBOX.c.status == PARKED)
            .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
        )
        return rowcount(result)
