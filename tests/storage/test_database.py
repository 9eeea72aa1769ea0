"""The Database handle and the unit of work: transactions, savepoints, migrations, URLs.

Transaction and savepoint semantics are the port's: those tests run on every store,
the in-memory one included.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from cohortbot.playbook.actions import GrantRole
from cohortbot.playbook.ports import StorageFailed
from cohortbot.storage import Database
from cohortbot.storage.tables import metadata
from tests.storage.conftest import ADA, COMMUNITY, T0, Backend, Store


def grant(key: str) -> GrantRole:
    return GrantRole(key=key, community=COMMUNITY, member=ADA, role="cohort-2026")


# ------------------------------------------------------------------------- transactions


async def test_committed_work_is_visible_to_the_next_unit_of_work(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "rotation", {"next": 3})
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "rotation") == {"next": 3}


async def test_leaving_without_commit_rolls_back_state_and_actions_together(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "rotation", {"next": 3})
        assert await uow.outbox.add(grant("k1"), now=T0)
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "rotation") is None
        assert (await uow.outbox.stats(COMMUNITY)).pending == 0


async def test_an_exception_in_the_block_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            await uow.state.put(COMMUNITY, "rotation", 1)
            raise RuntimeError("step crashed")
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "rotation") is None


async def test_explicit_rollback_discards_uncommitted_work(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "a", 1)
        await uow.rollback()
        await uow.state.put(COMMUNITY, "b", 2)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "a") is None
        assert await uow.state.get(COMMUNITY, "b") == 2


async def test_a_unit_of_work_is_single_use(store: Store) -> None:
    uow = store.unit_of_work()
    async with uow:
        pass
    with pytest.raises(RuntimeError, match="single-use"):
        async with uow:
            pass


# ---------------------------------------------------------------------------- savepoints


async def test_a_failed_savepoint_undoes_only_the_nested_work(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.inbox.record("evt-1", now=T0)
        await uow.state.put(COMMUNITY, "welcome", "kept")
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                await uow.state.put(COMMUNITY, "intros", "undone")
                await uow.state.put(COMMUNITY, "welcome", "overwritten then undone")
                await uow.outbox.add(grant("intros:undone"), now=T0)
                raise RuntimeError("the intros step failed")
        async with uow.savepoint():   # a later step still works in the same transaction
            await uow.outbox.add(grant("prompts:kept"), now=T0)
        await uow.commit()

    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "welcome") == "kept"
        assert await uow.state.get(COMMUNITY, "intros") is None
        assert not await uow.inbox.record("evt-1", now=T0)    # the outer work committed
        keys = [item.action.key for item in await uow.outbox.claim_due(T0, limit=10, lease_seconds=60)]
        assert keys == ["prompts:kept"]


async def test_a_database_error_inside_a_savepoint_leaves_the_transaction_usable(db: Database) -> None:
    # On PostgreSQL a failed statement aborts the transaction unless it ran in a savepoint.
    async with db.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "before", 1)
        with pytest.raises(StorageFailed):
            async with uow.savepoint():
                await uow._session.execute(text("SELECT * FROM no_such_table"))
        await uow.state.put(COMMUNITY, "after", 2)
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "before") == 1
        assert await uow.state.get(COMMUNITY, "after") == 2


async def test_a_database_error_leaves_a_savepoint_as_storage_failed_without_the_statement(
    db: Database,
) -> None:
    # The engine isolates a step's own failure but not the storage's (a deadlock, a lost
    # connection): that one must fail the whole event. Its message names the driver's error,
    # never the statement and its parameters (member text).
    async with db.unit_of_work() as uow:
        with pytest.raises(StorageFailed) as failed:
            async with uow.savepoint():
                await uow._session.execute(
                    text("INSERT INTO no_such_table VALUES (:intro)"), {"intro": "Ada's secret intro"}
                )
    assert isinstance(failed.value.__cause__, DBAPIError)
    assert "secret" not in str(failed.value) and "INSERT" not in str(failed.value)
    assert "Error" in str(failed.value)


async def test_a_step_failing_in_a_savepoint_is_not_a_storage_failure(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(KeyError):
            async with uow.savepoint():
                raise KeyError("a bug in a step")


async def test_savepoints_nest(store: Store) -> None:
    async with store.unit_of_work() as uow:
        async with uow.savepoint():
            await uow.state.put(COMMUNITY, "outer", 1)
            with pytest.raises(KeyError):
                async with uow.savepoint():
                    await uow.state.put(COMMUNITY, "inner", 2)
                    raise KeyError("inner")
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "outer") == 1
        assert await uow.state.get(COMMUNITY, "inner") is None


# ---------------------------------------------------------------------------- migrations


def _schema_diffs(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    async with db.engine.connect() as connection:
        diffs = await connection.run_sync(_schema_diffs)
    assert diffs == []


async def test_upgrade_is_idempotent_and_records_the_revision(db: Database) -> None:
    await db.upgrade()
    assert await db.current_revision() == "0005"


async def test_instances_starting_together_migrate_once_without_colliding(backend: Backend) -> None:
    first, second = backend.database(), backend.database()
    try:
        await asyncio.gather(first.upgrade(), second.upgrade())
        assert await first.current_revision() == "0005"
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_fresh_database_has_no_revision(backend: Backend) -> None:
    database = backend.database()
    try:
        assert await database.current_revision() is None
    finally:
        await database.dispose()


# ---------------------------------------------------------------------- URLs and secrets


async def test_an_in_memory_sqlite_database_is_shared_by_every_unit_of_work() -> None:
    database = Database("sqlite+aiosqlite://")
    try:
        await database.upgrade()
        async with database.unit_of_work() as uow:
            await uow.state.put(COMMUNITY, "k", [1, 2])
            await uow.commit()
        async with database.unit_of_work() as uow:
            assert await uow.state.get(COMMUNITY, "k") == [1, 2]
    finally:
        await database.dispose()


async def test_a_sqlite_file_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with database.engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await database.dispose()


async def test_the_password_never_shows_in_repr_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-Pa55"
    database = Database(f"postgresql+asyncpg://bot:{secret}@127.0.0.1:1/cohortbot")
    caplog.set_level(logging.DEBUG)
    try:
        assert secret not in repr(database) and "***" in repr(database)
        with pytest.raises(OSError) as failure:     # nothing listens on port 1
            await database.upgrade()
        chain: list[BaseException] = []
        exc: BaseException | None = failure.value
        while exc is not None and len(chain) < 10:
            chain.append(exc)
            exc = exc.__cause__ or exc.__context__
        assert all(secret not in f"{e!r} {e}" for e in chain)
        assert "migrating" in caplog.text and secret not in caplog.text
    finally:
        await database.dispose()

    with pytest.raises(ValueError) as unsupported:
        Database(f"mysql+aiomysql://bot:{secret}@db/cohortbot")
    assert secret not in str(unsupported.value)


async def test_naive_datetimes_are_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.inbox.record("evt", now=T0.replace(tzinfo=None))


async def test_datetimes_in_other_zones_are_stored_as_utc(store: Store) -> None:
    paris_summer = timezone(timedelta(hours=2))
    local = T0.astimezone(paris_summer).replace(microsecond=123456)
    async with store.unit_of_work() as uow:
        await uow.claims.claim(COMMUNITY, "weekly", local, status="posted", now=local)
        await uow.commit()
    async with store.unit_of_work() as uow:
        [(_, occurrence, _)] = await uow.claims.list(COMMUNITY)
    assert occurrence == local and occurrence.tzinfo is not None
    assert occurrence.utcoffset() == timedelta(0) and occurrence.microsecond == 123456
