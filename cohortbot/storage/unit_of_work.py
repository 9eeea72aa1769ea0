"""One transaction over all repositories: ``playbook.ports.UnitOfWork`` on SQLAlchemy.

``async with db.unit_of_work() as uow:`` opens a session; everything the repositories do
runs in its single transaction; ``await uow.commit()`` makes it durable. Leaving the block
without committing rolls back, so an exception anywhere loses the state changes *and* the
actions decided from them together (the point of the transactional outbox).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

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
    TimerRepository,
)
from cohortbot.storage.identity import IdentityMap, PrivacyThroughMap
from cohortbot.storage.outbox import SqlOutboxRepository
from cohortbot.storage.privacy import SqlPrivacyRepository
from cohortbot.storage.repositories import (
    SqlActivityRepository,
    SqlCommunityRepository,
    SqlInboxRepository,
    SqlMemberRepository,
    SqlStateRepository,
)
from cohortbot.storage.scheduling import SqlClaimRepository, SqlTimerRepository

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
        # Typed as the ports (not the Sql* classes) so that SqlUnitOfWork *is* a
        # playbook.ports.UnitOfWork for mypy: protocol attributes are invariant.
        self.communities: CommunityRepository = SqlCommunityRepository(self._session, dialect=dialect)
        # Members and step documents through the identity map: each row read once per transaction.
        self._identity = IdentityMap(
            SqlMemberRepository(self._session, dialect=dialect),
            SqlStateRepository(self._session, dialect=dialect),
        )
        self.members: MemberRepository = self._identity.members
        self.state: StateRepository = self._identity.state
        self.timers: TimerRepository = SqlTimerRepository(self._session, dialect=dialect)
        self.activity: ActivityRepository = SqlActivityRepository(self._session, dialect=dialect)
        self.outbox: OutboxRepository = SqlOutboxRepository(self._session, dialect=dialect)
        self.inbox: InboxRepository = SqlInboxRepository(self._session, dialect=dialect)
        self.claims: ClaimRepository = SqlClaimRepository(self._session, dialect=dialect)
        self.privacy: PrivacyRepository = PrivacyThroughMap(
            SqlPrivacyRepository(self._session, dialect=dialect), self._identity
        )
        # Storage-only maintenance beyond the ports (see Database.prune_inbox).
        self.inbox_maintenance = SqlInboxRepository(self._session, dialect=dialect)

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._entered:
            raise RuntimeError("a unit of work is single-use; open a new one with db.unit_of_work()")
        self._entered = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # close() rolls back whatever was not committed and returns the connection to the pool.
        await self._session.close()

    async def commit(self) -> None:
        await self._session.commit()
        self._identity.clear()   # the next transaction reads afresh: others may have written

    async def rollback(self) -> None:
        self._identity.clear()
        await self._session.rollback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an exception inside undoes only the nested work, then re-raises.

        The engine wraps each step in one, so a failing step cannot take the other steps'
        decisions (or the inbox record of the event) down with it. The identity map goes
        back to what it held at the start, as the database does.
        """
        snapshot = self._identity.snapshot()
        try:
            async with self._session.begin_nested():
                yield
        except BaseException:
            self._identity.restore(snapshot)
            raise


if TYPE_CHECKING:
    # Checked by mypy: SqlUnitOfWork satisfies the engine's port.
    def _conforms(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow
