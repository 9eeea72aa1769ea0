"""The database handle: engine, connection set-up per backend, migrations, units of work.

Supported backends: SQLite through aiosqlite (the single-process default, WAL mode) and
PostgreSQL through asyncpg (several processes sharing one database).

The URL's password never appears in logs or error messages: everything that prints the URL
uses ``render_as_string(hide_password=True)``, and Alembic is handed a live connection
rather than the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from cohortbot.storage.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS_DIR", "Database", "alembic_config"]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Any constant works; it only has to be the same in every process running migrations.
_PG_MIGRATION_LOCK = 0x636F686F7274   # "cohort"


# Alembic is imported where it is used: it takes half a second, and only migrating needs it.


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations; no alembic.ini needed."""
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolates "%": escape it in case the install path contains one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection   # env.py runs on this connection
    command.upgrade(config, revision)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


class Database:
    """Owns the engine. Build one per process (in the composition root), dispose on exit."""

    def __init__(
        self, url: str, *, echo: bool = False, connect_args: Mapping[str, Any] | None = None
    ) -> None:
        """``connect_args`` go to the driver as is, e.g. asyncpg ``server_settings``."""
        parsed = make_url(url)
        self.safe_url = parsed.render_as_string(hide_password=True)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValueError(
                f"unsupported database {self.safe_url!r}: use sqlite+aiosqlite or postgresql+asyncpg"
            )
        options: dict[str, Any] = {"echo": echo}
        if connect_args:
            options["connect_args"] = dict(connect_args)
        self.in_memory = self.dialect == "sqlite" and parsed.database in (None, "", ":memory:")
        if self.in_memory:
            # One shared connection, so every session sees the same in-memory database.
            # Consequence: units of work must not overlap in time (fine for unit tests).
            options["poolclass"] = StaticPool
        elif self.dialect == "postgresql":
            options["pool_pre_ping"] = True   # survive server restarts / idle disconnects
        self.engine: AsyncEngine = create_async_engine(parsed, **options)
        if self.dialect == "sqlite":
            self._configure_sqlite()
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(cohortbot_read_only=True), expire_on_commit=False, autoflush=False
        )

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    def _configure_sqlite(self) -> None:
        in_memory = self.in_memory

        @event.listens_for(self.engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # SQLAlchemy's documented aiosqlite recipe: stop the driver from issuing its own
            # (late, DML-only) BEGIN, so that SAVEPOINT and transactional DDL really nest in
            # our transaction. PRAGMAs must run outside a transaction, i.e. here.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                # First: switching to WAL below needs a lock too, and a second process opening
                # the file at that moment must wait for it rather than fail at once.
                cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                if not in_memory:
                    # Readers never block the writer and vice versa; survives crashes.
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=ON")
            finally:
                cursor.close()

        @event.listens_for(self.engine.sync_engine, "begin")
        def _on_begin(connection: Connection) -> None:
            # IMMEDIATE takes the write lock up front. With a plain (deferred) BEGIN, a
            # transaction that reads and then writes fails at once with SQLITE_BUSY when
            # another connection wrote in between (busy_timeout cannot help there); taking
            # the lock first turns every conflict into a short wait. SQLite has a single
            # writer anyway, so this costs no real concurrency.
            # A read-only unit of work (a report) begins deferred: in WAL it reads a snapshot
            # and never holds the write lock the decider needs.
            if connection.get_execution_options().get("cohortbot_read_only"):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

    async def upgrade(self, revision: str = "head") -> None:
        """Apply the Alembic migrations (idempotent; safe with several processes starting)."""
        log.info("migrating %s to %s", self.safe_url, revision)
        async with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                # Released at commit. The second process waits, then finds nothing to do.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            await connection.run_sync(_upgrade, revision)

    async def current_revision(self) -> str | None:
        """The applied migration revision, None for an empty database."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(_current_revision)

    async def prune_inbox(self, *, before: datetime) -> int:
        """Forget processed event ids older than ``before``; returns how many were removed.

        Platforms replay or retry events for minutes to hours, not weeks: a periodic prune
        keeps the inbox small without weakening de-duplication.
        """
        async with self.unit_of_work() as uow:
            removed = await uow.inbox_maintenance.prune(before=before)
            await uow.commit()
        return removed

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, dialect=self.dialect)

    def read_unit_of_work(self) -> SqlUnitOfWork:
        """A unit of work for long reads (reports): on SQLite it takes no write lock, so it
        never holds up the decisions; it must not write or commit."""
        return SqlUnitOfWork(self._read_sessions, dialect=self.dialect)

    async def dispose(self) -> None:
        await self.engine.dispose()
