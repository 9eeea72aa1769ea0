"""The repositories of :mod:`storage.memory`: the ports over plain dicts, mirroring the SQL ones.

Rows are dicts with the SQL columns, mapped to the port's records by the *same* functions the
SQL repositories use (``member_from_row``, ``timer_from_row``...). JSON columns are kept as
JSON text, so values round-trip like on a database: a tuple comes back a list, a caller
mutating what it got (or what it saved) never changes the store, and a value a database
could not store is refused here too (NaN included, as on PostgreSQL). Objects keep their key
order, as on SQLite (PostgreSQL's JSONB reorders keys: never rely on it). Datetimes go
through ``to_utc`` like the column type.

A stored row is never modified in place (it is replaced), and a table is copied before its
first write in a transaction or savepoint, so a snapshot is just the dict of tables. The
outbox and privacy repositories are in :mod:`storage.memory_outbox`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from cohortbot.playbook.ports import (
    Member,
    MemberCounts,
    Timer,
)
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage._sql import community_ref
from cohortbot.storage.repositories import (
    member_from_row,
    member_values,
)
from cohortbot.storage.scheduling import timer_from_row, timer_values
from cohortbot.storage.types import to_utc

__all__ = [
    "TABLES",
    "MemoryClaimRepository",
    "MemoryCommunityRepository",
    "MemoryInboxRepository",
    "MemoryMemberRepository",
    "MemoryStateRepository",
    "MemoryTimerRepository",
    "Repository",
    "Row",
    "Table",
    "Transaction",
    "decoded",
    "dump",
    "member_key",
    "of_community",
    "stored",
]

TABLES = (
    "communities", "members", "state", "timers", "activity", "outbox", "outbox_keys", "inbox", "claims",
    "claims_last",  # (platform, community, schedule) -> its latest occurrence: the scheduler asks often
)
_JSON_COLUMNS = ("data", "value", "payload", "result")
_TIME_COLUMNS = (
    *("joined_at", "left_at", "welcomed_at", "onboarded_at", "introduced_at", "first_post_at"),
    *("last_active_at", "at", "due_at", "fired_at", "next_attempt_at", "claimed_until"),
    *("last_failed_at", "created_at", "delivered_at", "first_seen_at", "last_seen_at"),
)


# A table: primary key -> Row (state: -> JSON text, inbox: -> received_at, outbox_keys: -> id).
Table = dict[Any, Any]


class Row(dict[str, Any]):
    """A stored row: its columns read as attributes too, like an SQLAlchemy ``Row``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def stored(values: dict[str, Any], **more: Any) -> Row:
    """A row as storage keeps it: times in UTC, JSON columns as JSON text."""
    row = Row({**values, **more})
    for name in _TIME_COLUMNS:
        if row.get(name) is not None:
            row[name] = to_utc(row[name])
    for name in _JSON_COLUMNS:
        if name in row:
            row[name] = dump(row[name])
    return row


def dump(value: Any) -> str | None:
    """JSON text as strict as the strictest backend: PostgreSQL's JSONB refuses NaN and infinities."""
    return None if value is None else json.dumps(value, allow_nan=False)


def decoded(row: Row) -> Row:
    """A copy of a row with its JSON columns parsed (fresh objects every time)."""
    return Row({k: json.loads(v) if k in _JSON_COLUMNS and v is not None else v for k, v in row.items()})


class Transaction:
    """The tables one transaction sees; a table is copied before its first write at each level."""

    def __init__(self, tables: dict[str, Table], next_id: Callable[[str], int]) -> None:
        self.tables = dict(tables)
        self.owned: set[str] = set()
        self.next_id = next_id

    def read(self, name: str) -> Table:
        return self.tables[name]

    def write(self, name: str) -> Table:
        if name not in self.owned:
            self.tables[name] = dict(self.tables[name])
            self.owned.add(name)
        return self.tables[name]


Begin = Callable[[], Awaitable[Transaction]]


class Repository:
    def __init__(self, begin: Begin) -> None:
        self._begin = begin


def of_community(community: CommunityRef, rows: Iterable[Row]) -> list[Row]:
    platform, cid = community.platform.value, community.id
    return [row for row in rows if row["platform"] == platform and row["community_id"] == cid]


class MemoryCommunityRepository(Repository):
    async def seen(self, community: CommunityRef, *, playbook: str, now: datetime) -> None:
        table = (await self._begin()).write("communities")
        key = (community.platform.value, community.id)
        old = table.get(key)
        name = community.name or (old["name"] if old else "")
        first = old["first_seen_at"] if old else now
        table[key] = stored(
            {"platform": key[0], "id": key[1], "name": name, "playbook": playbook},
            first_seen_at=first,
            last_seen_at=now,
        )

    async def first_seen(self, community: CommunityRef) -> datetime | None:
        row = (await self._begin()).read("communities").get((community.platform.value, community.id))
        return None if row is None else row.first_seen_at

    async def first_seen_all(self) -> dict[CommunityRef, datetime]:
        rows = (await self._begin()).read("communities").values()
        return {community_ref(r.platform, r.id): r.first_seen_at for r in rows}

    async def list(self) -> list[tuple[CommunityRef, str]]:
        rows = sorted((await self._begin()).read("communities").values(), key=lambda r: (r.platform, r.id))
        return [(community_ref(r.platform, r.id, r.name), r.playbook) for r in rows]


def member_key(community: CommunityRef, user_id: str) -> tuple[str, str, str]:
    return (community.platform.value, community.id, user_id)


class MemoryMemberRepository(Repository):
    async def get(self, community: CommunityRef, user: UserRef) -> Member | None:
        row = (await self._begin()).read("members").get(member_key(community, user.id))
        return None if row is None else member_from_row(decoded(row), community)

    async def save(self, member: Member) -> None:
        txn = await self._begin()
        table = txn.write("members")
        key = member_key(member.community, member.user.id)
        old = table.get(key)
        table[key] = stored(member_values(member), id=old["id"] if old else txn.next_id("members"))

    async def list(self, community: CommunityRef, *, present_only: bool = True) -> list[Member]:
        rows = of_community(community, (await self._begin()).read("members").values())
        rows = sorted((r for r in rows if not present_only or r.left_at is None), key=lambda r: r.id)
        return [member_from_row(decoded(row), community) for row in rows]

    async def counts(self, community: CommunityRef) -> MemberCounts:
        rows = of_community(community, (await self._begin()).read("members").values())
        humans = [r for r in rows if r.left_at is None and not r.is_bot]
        return MemberCounts(
            present=len(humans),
            welcomed=sum(1 for r in humans if r.welcomed_at is not None),
            onboarded=sum(1 for r in humans if r.onboarded_at is not None),
            introduced=sum(1 for r in humans if r.introduced_at is not None),
        )

    async def delete(self, community: CommunityRef, user: UserRef) -> bool:
        return (await self._begin()).write("members").pop(member_key(community, user.id), None) is not None


class MemoryStateRepository(Repository):
    async def get(self, community: CommunityRef, key: str) -> Any | None:
        text = (await self._begin()).read("state").get(member_key(community, key))
        return None if text is None else json.loads(text)

    async def put(self, community: CommunityRef, key: str, value: Any) -> None:
        text = dump(value)   # before touching the table: an unstorable value changes nothing
        (await self._begin()).write("state")[member_key(community, key)] = text

    async def delete(self, community: CommunityRef, key: str) -> None:
        (await self._begin()).write("state").pop(member_key(community, key), None)

    async def keys(self, community: CommunityRef, prefix: str) -> list[str]:
        platform, cid = community.platform.value, community.id
        found = (await self._begin()).read("state")
        return sorted(k for p, c, k in found if p == platform and c == cid and k.startswith(prefix))


class MemoryTimerRepository(Repository):
    async def set(self, timer: Timer) -> None:
        txn = await self._begin()
        table = txn.write("timers")
        old = table.get(timer.key)
        table[timer.key] = stored(timer_values(timer), id=old["id"] if old else txn.next_id("timers"))

    async def cancel(self, key: str) -> None:
        (await self._begin()).write("timers").pop(key, None)

    async def get(self, key: str) -> Timer | None:
        row = (await self._begin()).read("timers").get(key)
        return None if row is None else timer_from_row(decoded(row))

    async def due(self, now: datetime, *, limit: int = 100) -> list[Timer]:
        now = to_utc(now)
        rows = (await self._begin()).read("timers").values()
        due = sorted(
            (r for r in rows if r.fired_at is None and r.due_at <= now), key=lambda r: (r.due_at, r.id)
        )
        return [timer_from_row(decoded(row)) for row in due[: max(limit, 0)]]

    async def claim(self, key: str, *, now: datetime) -> bool:
        now = to_utc(now)
        txn = await self._begin()
        row = txn.read("timers").get(key)
        if row is None or row.fired_at is not None:
            return False
        txn.write("timers")[key] = Row(row, fired_at=now)
        return True

    async def next_due(self) -> datetime | None:
        rows = (await self._begin()).read("timers").values()
        return min((r.due_at for r in rows if r.fired_at is None), default=None)


class MemoryInboxRepository(Repository):
    async def record(self, event_id: str, *, now: datetime) -> bool:
        now = to_utc(now)
        txn = await self._begin()
        if event_id in txn.read("inbox"):
            return False
        txn.write("inbox")[event_id] = now
        return True

    async def prune(self, *, before: datetime) -> int:
        """Forget event ids received before ``before`` (as ``SqlInboxRepository.prune``)."""
        before = to_utc(before)
        table = (await self._begin()).write("inbox")
        old = [event_id for event_id, received_at in table.items() if received_at < before]
        for event_id in old:
            del table[event_id]
        return len(old)


class MemoryClaimRepository(Repository):
    async def claim(
        self, community: CommunityRef, schedule: str, occurrence: datetime, *, status: str, now: datetime
    ) -> bool:
        occurrence, now = to_utc(occurrence), to_utc(now)
        txn = await self._begin()
        key = (community.platform.value, community.id, schedule, occurrence)
        if key in txn.read("claims"):
            return False
        txn.write("claims")[key] = Row(
            platform=key[0], community_id=key[1], schedule=schedule, occurrence=occurrence,
            status=status, claimed_at=now, id=txn.next_id("claims"),
        )
        latest = txn.write("claims_last")
        if key[:3] not in latest or latest[key[:3]] < occurrence:
            latest[key[:3]] = occurrence
        return True

    async def last(self, community: CommunityRef, schedule: str) -> datetime | None:
        latest = (await self._begin()).read("claims_last")
        found: datetime | None = latest.get((community.platform.value, community.id, schedule))
        return found

    async def last_all(self) -> dict[tuple[CommunityRef, str], datetime]:
        latest = (await self._begin()).read("claims_last")
        return {(community_ref(p, c), schedule): at for (p, c, schedule), at in latest.items()}

    async def list(
        self, community: CommunityRef, *, status: str | None = None, since: datetime | None = None
    ) -> Sequence[tuple[str, datetime, str]]:
        since = None if since is None else to_utc(since)
        rows = [
            r
            for r in of_community(community, (await self._begin()).read("claims").values())
            if (status is None or r.status == status) and (since is None or r.occurrence >= since)
        ]
        rows.sort(key=lambda r: (r.occurrence, r.id), reverse=True)
        return [(r.schedule, r.occurrence, r.status) for r in rows]
