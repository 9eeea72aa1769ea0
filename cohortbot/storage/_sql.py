"""Small helpers shared by the repositories: table handles, dialect-specific INSERTs, refs.

Repositories run Core statements (never ORM entities) through the unit of work's session:
rows come back as plain tuples and are mapped to the dataclasses of ``playbook.ports``, so
no identity map can serve a stale object after an upsert, and nothing ORM-shaped leaks out.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, Table, and_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from cohortbot.storage.tables import (
    ActivityRow,
    Base,
    ClaimRow,
    CommunityRow,
    InboxRow,
    MemberRow,
    OutboxRow,
    StateRow,
    TimerRow,
)

__all__ = [
    "ACTIVITY",
    "CLAIMS",
    "COMMUNITIES",
    "INBOX",
    "MEMBERS",
    "OUTBOX",
    "STATE",
    "TIMERS",
    "SqlRepository",
    "UpsertInsert",
    "community_ref",
    "in_community",
    "rowcount",
    "user_ref",
]


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


COMMUNITIES = _table(CommunityRow)
MEMBERS = _table(MemberRow)
ACTIVITY = _table(ActivityRow)
STATE = _table(StateRow)
TIMERS = _table(TimerRow)
INBOX = _table(InboxRow)
OUTBOX = _table(OutboxRow)
CLAIMS = _table(ClaimRow)

UpsertInsert = postgresql.Insert | sqlite.Insert


class SqlRepository:
    """Base of every repository: one session (one transaction), one dialect."""

    def __init__(self, session: AsyncSession, *, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    def _insert(self, table: Table) -> UpsertInsert:
        """An INSERT that supports ``ON CONFLICT``.

        Duplicates are resolved with ``ON CONFLICT DO NOTHING/UPDATE`` rather than by catching
        IntegrityError: on PostgreSQL a failed statement aborts the whole transaction, which
        would take the caller's other work (state changes, other actions) down with it.
        """
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        if self._dialect == "sqlite":
            return sqlite.insert(table)
        # Database rejects other dialects at construction; this guards direct use.
        raise ValueError(f"storage supports sqlite and postgresql, not {self._dialect!r}")


def community_ref(platform: str, community_id: str, name: str = "") -> CommunityRef:
    return CommunityRef(Platform(platform), community_id, name)


def user_ref(platform: str, user_id: str, name: str | None = "") -> UserRef:
    return UserRef(Platform(platform), user_id, name or "")


def in_community(table: Table, community: CommunityRef) -> ColumnElement[bool]:
    """Rows of one community (every per-community table has ``platform`` and ``community_id``)."""
    return and_(table.c.platform == community.platform.value, table.c.community_id == community.id)


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (both drivers report it; asyncpg from the status tag)."""
    return cast(CursorResult[Any], result).rowcount
