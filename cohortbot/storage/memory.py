"""An in-memory ``playbook.ports.UnitOfWork``: the whole storage port without a database.

For fast, pure unit tests of the engine and its steps (no SQLite, no migrations)::

    store = MemoryStore()
    async with store.unit_of_work() as uow:    # the same shape as Database.unit_of_work
        await uow.state.put(community, "k", {"n": 1})
        await uow.commit()

``store.unit_of_work`` is a drop-in for ``database.unit_of_work`` (``Runtime(unit_of_work=...)``),
and the store also has ``prune_inbox``, ``upgrade`` and ``dispose`` like :class:`Database`.

It behaves like the SQL storage, not just roughly: the same ordering, the same uniqueness
(outbox keys, inbox event ids, schedule claims), JSON round-trips of stored values, copies
handed out, naive datetimes refused. Transactions work like SQLite's: a unit of work takes
the store's single write lock at its first statement and keeps it until it commits, rolls
back or ends, so units of work never interleave; what it did becomes visible to the others
only when it commits. Two overlapping units of work in one task would wait on each other
forever (SQLite fails after its busy timeout): that raises a RuntimeError at once instead.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from cohortbot.playbook.ports import (
    ActivityRepository,
    ClaimRepository,
    CommunityRepository,
    InboxRepository,
    MemberRepository,
    OutboxRepository,
    PrivacyRepository,
    StateRepository,
    TimerRepository,
)
from cohortbot.storage.identity import IdentityMap, PrivacyThroughMap
from cohortbot.storage.memory_activity import MemoryActivityRepository
from cohortbot.storage.memory_outbox import MemoryOutboxRepository, MemoryPrivacyRepository
from cohortbot.storage.memory_repositories import (
    TABLES,
    MemoryClaimRepository,
    MemoryCommunityRepository,
    MemoryInboxRepository,
    MemoryMemberRepository,
    MemoryStateRepository,
    MemoryTimerRepository,
    Table,
    Transaction,
)

if TYPE_CHECKING:
    from cohortbot.playbook.ports import UnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class MemoryStore:
    """The committed tables, shared by every unit of work it hands out."""

    def __init__(self) -> None:
        self._tables: dict[str, Table] = {name: {} for name in TABLES}
        self._ids: dict[str, Iterator[int]] = {name: itertools.count(1) for name in TABLES}
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    def __repr__(self) -> str:
        return "MemoryStore()"

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def read_unit_of_work(self) -> MemoryUnitOfWork:
        """As ``Database.read_unit_of_work``: reads what was committed when it first reads,
        without the write lock (SQLite's deferred read transaction in WAL); it cannot commit."""
        return MemoryReadUnitOfWork(self)

    async def prune_inbox(self, *, before: datetime) -> int:
        """As ``Database.prune_inbox``: forget processed event ids older than ``before``."""
        async with self.unit_of_work() as uow:
            removed = await uow.inbox_maintenance.prune(before=before)
            await uow.commit()
        return removed

    async def upgrade(self, revision: str = "head") -> None:
        """Nothing to migrate (parity with ``Database.upgrade``)."""

    async def dispose(self) -> None:
        """Nothing to release (parity with ``Database.dispose``)."""

    # ----------------------------------------------------------------- transactions

    async def _begin(self) -> Transaction:
        task = asyncio.current_task()
        if self._lock.locked() and task is not None and self._holder is task:
            raise RuntimeError(
                "two units of work overlap in one task; the second would wait for the first forever"
            )
        await self._lock.acquire()
        self._holder = task
        return Transaction(self._tables, self._next_id)

    def _end(self, transaction: Transaction, *, commit: bool) -> None:
        if commit:
            self._tables = transaction.tables
        self._holder = None
        self._lock.release()

    def _next_id(self, table: str) -> int:
        # Like a PostgreSQL sequence: ids grow and are never reused, even after a rollback.
        return next(self._ids[table])


class MemoryUnitOfWork:
    """A single-use unit of work over a :class:`MemoryStore` (a ``playbook.ports.UnitOfWork``)."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._transaction: Transaction | None = None
        self._entered = False
        begin = self._begin
        self.communities: CommunityRepository = MemoryCommunityRepository(begin)
        # Members and step documents through the identity map, as on SQL (storage/identity.py).
        self._identity = IdentityMap(MemoryMemberRepository(begin), MemoryStateRepository(begin))
        self.members: MemberRepository = self._identity.members
        self.state: StateRepository = self._identity.state
        self.timers: TimerRepository = MemoryTimerRepository(begin)
        self.activity: ActivityRepository = MemoryActivityRepository(begin)
        self.outbox: OutboxRepository = MemoryOutboxRepository(begin)
        self.inbox: InboxRepository = MemoryInboxRepository(begin)
        self.claims: ClaimRepository = MemoryClaimRepository(begin)
        self.privacy: PrivacyRepository = PrivacyThroughMap(MemoryPrivacyRepository(begin), self._identity)
        self.inbox_maintenance = MemoryInboxRepository(begin)   # as SqlUnitOfWork

    async def _begin(self) -> Transaction:
        """The open transaction, begun (and the store's lock taken) at the first statement."""
        if self._transaction is None:
            self._transaction = await self._store._begin()
        return self._transaction

    async def __aenter__(self) -> MemoryUnitOfWork:
        if self._entered:
            raise RuntimeError("a unit of work is single-use; open a new one with db.unit_of_work()")
        self._entered = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.rollback()   # whatever was not committed

    async def commit(self) -> None:
        self._finish(commit=True)

    async def rollback(self) -> None:
        self._finish(commit=False)

    def _finish(self, *, commit: bool) -> None:
        self._identity.clear()   # the next transaction reads afresh: others may have written
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            self._store._end(transaction, commit=commit)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an exception inside undoes only the nested work, then re-raises."""
        transaction = await self._begin()
        tables, owned = dict(transaction.tables), transaction.owned
        transaction.owned = set()   # the snapshot shares every table: copy again before writing
        snapshot = self._identity.snapshot()
        try:
            yield
        except BaseException:
            if self._transaction is transaction:   # not committed or rolled back inside
                transaction.tables, transaction.owned = tables, owned
                self._identity.restore(snapshot)
            raise
        transaction.owned |= owned


if TYPE_CHECKING:
    # Checked by mypy: MemoryUnitOfWork satisfies the engine's port.
    def _conforms(uow: MemoryUnitOfWork) -> UnitOfWork:
        return uow


class MemoryReadUnitOfWork(MemoryUnitOfWork):
    """A read-only unit of work: a snapshot of the committed tables, no write lock."""

    async def _begin(self) -> Transaction:
        if self._transaction is None:
            self._transaction = Transaction(self._store._tables, self._store._next_id)
        return self._transaction

    def _finish(self, *, commit: bool) -> None:
        if commit:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._identity.clear()
        self._transaction = None
