"""The in-memory outbox and privacy repositories (see :mod:`storage.memory_repositories`).

They mirror ``SqlOutboxRepository`` and ``SqlPrivacyRepository`` statement by statement; the
privacy decisions come from :mod:`storage.erasure`, shared with the SQL version.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from cohortbot.playbook.actions import Action, action_from_json
from cohortbot.playbook.ports import DeliveryScope, Erasure, OutboxBacklog, OutboxItem, OutboxStats
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage.erasure import (
    Mentions,
    activity_export,
    outbox_export,
    outbox_names,
    outbox_scrubbed,
    timer_about,
    timer_export,
)
from cohortbot.storage.memory_activity import forget_activity
from cohortbot.storage.memory_repositories import (
    Repository,
    Row,
    Transaction,
    decoded,
    dump,
    member_key,
    of_community,
    stored,
)
from cohortbot.storage.outbox import (
    DELIVERED,
    LAST_ERRORS,
    MAX_ERROR_LENGTH,
    PARKED,
    PENDING,
    erased_key,
    outbox_values,
)
from cohortbot.storage.types import to_utc

__all__ = ["MemoryOutboxRepository", "MemoryPrivacyRepository"]

log = logging.getLogger("cohortbot.storage.outbox")


class MemoryOutboxRepository(Repository):
    async def add(self, action: Action, *, now: datetime) -> bool:
        txn = await self._begin()
        if action.key in txn.read("outbox_keys"):
            return False
        row = stored(outbox_values(action, now=now), claimed_until=None, last_error=None, result=None)
        row.update(last_failed_at=None, delivered_at=None, id=txn.next_id("outbox"))
        txn.write("outbox")[row.id] = row
        txn.write("outbox_keys")[action.key] = row.id
        return True

    async def stats(self, community: CommunityRef) -> OutboxStats:
        rows = of_community(community, (await self._begin()).read("outbox").values())
        failing = [
            r
            for r in rows
            if r.last_error is not None
            and r.last_failed_at is not None
            and (r.status == PARKED or (r.status == PENDING and r.attempts > 0))
        ]
        failing.sort(key=lambda r: (r.last_failed_at, r.id), reverse=True)
        return OutboxStats(
            pending=sum(r.status == PENDING for r in rows),
            parked=sum(r.status == PARKED for r in rows),
            delivered=sum(r.status == DELIVERED for r in rows),
            last_errors=tuple((r.key, r.last_error, r.last_failed_at) for r in failing[:LAST_ERRORS]),
        )

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float, scope: DeliveryScope | None = None
    ) -> list[OutboxItem]:
        now = to_utc(now)
        if limit <= 0:
            return []
        txn = await self._begin()
        due = [
            r
            for r in txn.read("outbox").values()
            if r.status == PENDING
            and r.next_attempt_at <= now
            and (r.claimed_until is None or r.claimed_until <= now)
            and (scope is None or _in_scope(scope, r.platform, r.community_id))
        ]
        due = sorted(due, key=lambda r: r.id)[:limit]
        table = txn.write("outbox")
        items: list[OutboxItem] = []
        for row in due:
            table[row.id] = Row(row, claimed_until=now + timedelta(seconds=lease_seconds))
            try:
                action = action_from_json(row.kind, json.loads(row.payload))
            except Exception as exc:   # as on SQL: park what this version cannot read
                log.error("parking outbox row %s (%s): cannot decode its action: %s", row.id, row.key, exc)
                await self.mark_failed(row.id, now=now, error=f"undecodable action: {exc}", retry_at=None)
                continue
            resumed = row.claimed_until is not None   # an outcome always clears the lease
            items.append(OutboxItem(id=row.id, action=action, attempts=row.attempts, resumed=resumed,
                                    created_at=row.created_at))
        return items

    async def _update(self, item_id: int, **changes: Any) -> int:
        txn = await self._begin()
        row = txn.read("outbox").get(item_id)
        if row is None:
            return 0
        txn.write("outbox")[item_id] = Row(row, **changes)
        return 1

    async def mark_delivered(
        self, item_id: int, *, now: datetime, result: dict[str, Any], erase: bool = False
    ) -> None:
        txn = await self._begin()
        row = txn.read("outbox").get(item_id)
        if row is None:
            return
        if erase:
            keys = txn.write("outbox_keys")
            del keys[row.key]
            keys[erased_key(row.key)] = item_id
            await self._update(item_id, key=erased_key(row.key), payload=dump({}), result=dump({}))
            result = {}
        await self._update(item_id, status=DELIVERED, result=dump(result), delivered_at=to_utc(now),
                           claimed_until=None)

    async def mark_failed(
        self, item_id: int, *, now: datetime, error: str, retry_at: datetime | None
    ) -> None:
        row = (await self._begin()).read("outbox").get(item_id)
        if row is None:
            return
        retry = {"status": PARKED} if retry_at is None else {"next_attempt_at": to_utc(retry_at)}
        await self._update(item_id, attempts=row.attempts + 1, last_error=error[:MAX_ERROR_LENGTH],
                           last_failed_at=to_utc(now), claimed_until=None, **retry)

    async def next_due(self) -> datetime | None:
        rows = (await self._begin()).read("outbox").values()
        return min(
            (
                r.claimed_until if r.claimed_until is not None and r.claimed_until > r.next_attempt_at
                else r.next_attempt_at
                for r in rows
                if r.status == PENDING
            ),
            default=None,
        )

    async def backlog(self) -> OutboxBacklog:
        rows = (await self._begin()).read("outbox").values()
        pending = [r.created_at for r in rows if r.status == PENDING]
        return OutboxBacklog(
            pending=len(pending),
            parked=sum(r.status == PARKED for r in rows),
            oldest_pending=min(pending, default=None),
        )

    async def requeue_parked(self, community: CommunityRef, *, now: datetime) -> int:
        now = to_utc(now)
        rows = of_community(community, (await self._begin()).read("outbox").values())
        parked = [r for r in rows if r.status == PARKED]
        for row in parked:
            await self._update(row.id, status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
        return len(parked)


class MemoryPrivacyRepository(Repository):
    """The same decisions as ``SqlPrivacyRepository`` (both use :mod:`storage.erasure`)."""

    async def export(self, community: CommunityRef, user: UserRef) -> dict[str, list[dict[str, Any]]]:
        txn = await self._begin()
        mentions = Mentions(user.id)
        activity = [r for r in of_community(community, txn.read("activity").values()) if r.user_id == user.id]
        return {
            "activity": [activity_export(r) for r in sorted(activity, key=lambda r: (r.at, r.id))],
            "timers": [timer_export(r) for r in _timers_about(txn, community, mentions)],
            "outbox": [outbox_export(r) for r in _outbox_naming(txn, community, mentions)],
        }

    async def forget(self, erasure: Erasure) -> dict[str, int]:
        txn = await self._begin()
        community, user_id = erasure.community, erasure.user.id
        mentions = Mentions(user_id, names=erasure.names, pseudonym=erasure.pseudonym)
        members = int(txn.write("members").pop(member_key(community, user_id), None) is not None)
        activity = sum(await forget_activity(txn, community, user_id))
        timers = _timers_about(txn, community, mentions)
        for row in timers:
            del txn.write("timers")[row.key]
        outbox = _outbox_naming(txn, community, mentions)
        for row in outbox:
            _forget_outbox_row(txn, mentions, row)
        inbox = txn.write("inbox")
        event_ids = [event_id for event_id in inbox if mentions.found_in(event_id)]
        for event_id in event_ids:
            del inbox[event_id]
        return {"members": members, "activity": activity, "timers": len(timers), "outbox": len(outbox),
                "inbox": len(event_ids)}


def _timers_about(txn: Transaction, community: CommunityRef, mentions: Mentions) -> list[Row]:
    rows = [decoded(r) for r in of_community(community, txn.read("timers").values())]
    return sorted((r for r in rows if timer_about(mentions, r)), key=lambda r: (r.due_at, r.id))


def _outbox_naming(txn: Transaction, community: CommunityRef, mentions: Mentions) -> list[Row]:
    rows = [decoded(r) for r in of_community(community, txn.read("outbox").values())]
    return sorted((r for r in rows if outbox_names(mentions, r)), key=lambda r: r.id)


def _forget_outbox_row(txn: Transaction, mentions: Mentions, row: Row) -> None:
    """As ``SqlPrivacyRepository._forget_outbox``: pending goes, the rest is scrubbed in place."""
    table, keys = txn.write("outbox"), txn.write("outbox_keys")
    if row.status != PENDING:
        values = outbox_scrubbed(mentions, row)
        if values["key"] == row.key or values["key"] not in keys:
            del keys[row.key]
            keys[values["key"]] = row.id
            stored = table[row.id]
            table[row.id] = Row(stored, key=values["key"], payload=dump(values["payload"]),
                                last_error=values["last_error"], result=dump(values["result"]))
            return
    del table[row.id]
    del keys[row.key]


def _in_scope(scope: DeliveryScope, platform: str, community_id: str) -> bool:
    if platform not in scope:
        return False
    communities = scope[platform]
    return communities is None or community_id in communities
