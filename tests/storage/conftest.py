"""Fixtures: every storage test runs on SQLite (a temp file) and on PostgreSQL.

Tests of port behaviour take ``store`` instead of ``db``: they run on the in-memory store
too (``storage.memory``), so the stand-in the engine's unit tests use is held to exactly the
same expectations as the databases. SQL-only matters (migrations, WAL, processes) keep ``db``.

PostgreSQL comes from ``COHORTBOT_TEST_POSTGRES_URL`` (default: local trust auth). When it is
unreachable the PostgreSQL cases are skipped with the reason, unless
``COHORTBOT_REQUIRE_POSTGRES=1`` (CI), in which case they fail.

Each PostgreSQL test gets its own schema (``search_path`` set through asyncpg's
``server_settings``), migrated from scratch and dropped afterwards: clean state, no
cross-test leakage, and cheap (PostgreSQL runs the whole migration as one transaction).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import make_url, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from cohortbot.storage import Database
from cohortbot.storage._sql import OUTBOX
from cohortbot.storage.memory import MemoryStore
from cohortbot.storage.memory_repositories import decoded

PG_URL = os.environ.get("COHORTBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("COHORTBOT_REQUIRE_POSTGRES") == "1"

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
COMMUNITY = CommunityRef(Platform.DISCORD, "guild-1", "Data Cohort")
OTHER_COMMUNITY = CommunityRef(Platform.SLACK, "T0001", "Other")
ADA = UserRef(Platform.DISCORD, "u-ada", "ada")
BOB = UserRef(Platform.DISCORD, "u-bob", "bob")


@dataclass(frozen=True)
class Backend:
    """Where a test's database lives; ``database()`` opens a fresh handle on it."""

    name: str
    url: str
    schema: str | None = None
    connect_args: dict[str, Any] = field(default_factory=dict)

    def database(self) -> Database:
        return Database(self.url, connect_args=self.connect_args)


_postgres_unreachable: str | None = None   # remembered, so an absent server costs one timeout


@asynccontextmanager
async def _admin_connection() -> AsyncIterator[AsyncConnection]:
    """An autocommit connection for CREATE/DROP SCHEMA, or a skip (a failure if required)."""
    global _postgres_unreachable
    engine = create_async_engine(
        PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
    )
    try:
        if _postgres_unreachable is None:
            try:
                connection = await engine.connect()
            except (OSError, SQLAlchemyError, TimeoutError) as exc:
                safe = make_url(PG_URL).render_as_string(hide_password=True)
                _postgres_unreachable = f"PostgreSQL at {safe} is unreachable ({type(exc).__name__}: {exc})"
        if _postgres_unreachable is not None:
            message = f"{_postgres_unreachable}; set COHORTBOT_TEST_POSTGRES_URL"
            if REQUIRE_POSTGRES:
                pytest.fail(f"{message} (COHORTBOT_REQUIRE_POSTGRES=1)")
            pytest.skip(message)
        try:
            yield connection
        finally:
            await connection.close()
    finally:
        await engine.dispose()


@asynccontextmanager
async def _backend(name: str, tmp_path: Path) -> AsyncIterator[Backend]:
    if name == "sqlite":
        yield Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'cohortbot.db'}")
        return
    schema = f"cohortbot_test_{uuid.uuid4().hex[:12]}"
    async with _admin_connection() as admin:
        await admin.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield Backend("postgresql", PG_URL, schema, {"server_settings": {"search_path": schema}})
        finally:
            await admin.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@asynccontextmanager
async def _migrated(backend: Backend) -> AsyncIterator[Database]:
    database = backend.database()
    await database.upgrade()
    try:
        yield database
    finally:
        await database.dispose()


SQL_BACKENDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=SQL_BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    async with _backend(request.param, tmp_path) as found:
        yield found


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[Database]:
    """A migrated, empty database on the parametrized backend."""
    async with _migrated(backend) as database:
        yield database


class Store(Protocol):
    """What ``Database`` and ``MemoryStore`` share: units of work, and inbox pruning."""

    def unit_of_work(self) -> Any: ...

    async def prune_inbox(self, *, before: datetime) -> int: ...


@pytest.fixture(params=[pytest.param("memory"), *SQL_BACKENDS])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty store on each backend: in memory, SQLite, PostgreSQL."""
    if request.param == "memory":
        yield MemoryStore()
        return
    async with _backend(request.param, tmp_path) as found, _migrated(found) as database:
        yield database


async def set_outbox_kind(store: Store, key: str, kind: str) -> None:
    """Change a stored action's kind behind the repositories' back (an older/newer version wrote it)."""
    if isinstance(store, MemoryStore):
        uow = store.unit_of_work()
        async with uow:
            transaction = await uow._begin()
            [row] = [r for r in transaction.read("outbox").values() if r.key == key]
            transaction.write("outbox")[row.id] = type(row)(row, kind=kind)
            await uow.commit()
        return
    assert isinstance(store, Database)
    async with store.unit_of_work() as sql:
        await sql._session.execute(update(OUTBOX).where(OUTBOX.c.key == key).values(kind=kind))
        await sql.commit()


async def outbox_rows(store: Store) -> list[dict[str, Any]]:
    """Every outbox row as stored (key, status, payload, last_error, result), oldest first."""
    if isinstance(store, MemoryStore):
        uow = store.unit_of_work()
        async with uow:
            rows = (await uow._begin()).read("outbox").values()
            found = [dict(decoded(row)) for row in sorted(rows, key=lambda r: r.id)]
    else:
        assert isinstance(store, Database)
        async with store.unit_of_work() as sql:
            result = await sql._session.execute(select(OUTBOX).order_by(OUTBOX.c.id))
            found = [dict(row) for row in result.mappings()]
    columns = ("key", "status", "payload", "last_error", "result")
    return [{name: row[name] for name in columns} for row in found]
