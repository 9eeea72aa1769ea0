"""One transaction over all repositories: ``playbook.ports.UnitOfWork`` on SQLAlchemy.

``async with db.unit_of_work() as uow:`` opens a session; everything the repositories do
runs in its single transaction; ``await uow.commit()`` makes it durable. Leaving the block
without committing rolls back, so an exception anywhere loses the state changes *and* the
actions decided from them together (the point of the transactional outbox).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cohortbot.playbook.ports import (
    ActivityRepository,
    ClaimRepository,
    CommunityRepository,
    InboxRepository,
    MemberRepository,
    OutboxRepository,
    PrivacyRepository,
    StateRepository,
    StorageFailed,
    TimerRepository,
)
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage.identity import IdentityMap, PrivacyThroughMap
from cohortbot.storage.outbox import SqlOutboxRepository
from cohortbot.storage.privacy import SqlPrivacyRepository
from cohortbot.storage.repositories import (
    SqlCommunityRepository,
    SqlInboxRepository,
    SqlMemberRepository,
    SqlStateRepository,
)
from cohortbot.storage.scheduling import SqlClaimRepository
from cohortbot.storage.write_behind import (
    BufferedActivityRepository,
    BufferedInboxRepository,
    BufferedTimerRepository,
    FlushingSession,
    Pending,
)

if TYPE_CHECKING:
    from cohortbot.playbook.ports import UnitOfWork

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """A single-use unit of work. Not safe to share between concurrently running tasks."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, dialect: str) -> None:
        # Creating a session does not touch the database: the transaction (and, on SQLite,
        # the write lock) starts with the first statement a repository runs.
        self._session = sessions()
        self._entered = False
        # A batch's writes wait here (write_behind.py); every other statement sends them first.
        self._pending = Pending(self._session, dialect)
        flushing = FlushingSession(self._session, self._pending)
        session = flushing.as_session()
        # Typed as the ports (not the Sql* classes) so that SqlUnitOfWork *is* a
        # playbook.ports.UnitOfWork for mypy: protocol attributes are invariant.
        self.communities: CommunityRepository = SqlCommunityRepository(session, dialect=dialect)
        # Members and step documents through the identity map: each row read once per
        # transaction (point reads go straight to the session: a row with a pending write is
        # always in the map).
        self._identity = IdentityMap(
            SqlMemberRepository(self._session, dialect=dialect),
            SqlStateRepository(self._session, dialect=dialect),
            self._pending,
        )
        self.members: MemberRepository = self._identity.members
        self.state: StateRepository = self._identity.state
        pending = self._pending
        self.timers: TimerRepository = BufferedTimerRepository(flushing, pending, dialect=dialect)
        self.activity: ActivityRepository = BufferedActivityRepository(flushing, pending, dialect=dialect)
        self.outbox: OutboxRepository = SqlOutboxRepository(session, dialect=dialect)
        self.inbox: InboxRepository = BufferedInboxRepository(flushing, pending, dialect=dialect)
        self.claims: ClaimRepository = SqlClaimRepository(session, dialect=dialect)
        self.privacy: PrivacyRepository = PrivacyThroughMap(
            SqlPrivacyRepository(session, dialect=dialect), self._identity
        )
        # Storage-only maintenance beyond the ports (see Database.prune_inbox).
        self.inbox_maintenance = SqlInboxRepository(session, dialect=dialect)

    async def begin_batch(
        self, event_ids: Iterable[str], users: Iterable[tuple[CommunityRef, UserRef]]
    ) -> None:
        """Decide a batch of events in this transaction: writes wait until a query or the commit.

        Reads the batch's inbox records and members in one query each, so deciding an event
        reads nothing it names (the decider calls this for batches of more than one event).
        """
        await self._pending.begin(event_ids, users, self._identity)

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._entered:
            raise RuntimeError("a unit of work is single-use; open a new one with db.unit_of_work()")
        self._entered = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # close() rolls back whatever was not committed and returns the connection to the pool.
        await self._session.close()

    async def commit(self) -> None:
        await self._pending.flush()
        await self._session.commit()
        self._pending.discard()
        self._identity.clear()   # the next transaction reads afresh: others may have written

    async def rollback(self) -> None:
        self._pending.discard()
        self._identity.clear()
        await self._session.rollback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an exception inside undoes only the nested work, then re-raises.

        The engine wraps each step in one, so a failing step cannot take the other steps'
        decisions (or the inbox record of the event) down with it. The identity map goes
        back to what it held at the start, as the database does.

        A database error (a deadlock with another process, a lock timeout, a lost connection)
        is not the step's failure: it leaves as ``StorageFailed``, which the engine does not
        isolate, so the whole event is decided again rather than committed without the step.
        """
        try:
            await self._pending.flush()
        except SQLAlchemyError as exc:
            raise storage_failed(exc) from exc
        snapshot, pending = self._identity.snapshot(), self._pending.snapshot()
        try:
            async with self._session.begin_nested():
                yield
                await self._pending.flush()   # the nested work is sent inside its savepoint
        except BaseException as exc:
            self._identity.restore(snapshot)
            self._pending.restore(pending)
            if isinstance(exc, SQLAlchemyError):
                raise storage_failed(exc) from exc
            raise


def storage_failed(exc: SQLAlchemyError) -> StorageFailed:
    """The error a step's caller sees: the driver's error class and SQLSTATE, never the
    statement or its parameters (member text, ids) that SQLAlchemy's message carries."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return StorageFailed(f"{type(orig).__name__}{f' (SQLSTATE {code})' if code else ''}")


if TYPE_CHECKING:
    # Checked by mypy: SqlUnitOfWork satisfies the engine's port.
    def _conforms(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow
