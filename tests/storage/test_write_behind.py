"""Write-behind in a batch: the batch's writes wait for a query or the commit, and the
transaction holds exactly what it would hold without them whenever anything looks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from cohortbot.playbook.activity_records import ActivityRecord
from cohortbot.playbook.ports import Member, Timer
from cohortbot.storage import Database
from tests.storage.conftest import ADA, BOB, COMMUNITY, T0

ADA_MEMBER = Member(community=COMMUNITY, user=ADA, display_name="Ada", joined_at=T0)
BOB_MEMBER = Member(community=COMMUNITY, user=BOB, display_name="Bob", joined_at=T0)


def statements(db: Database) -> list[tuple[str, bool]]:
    """Every statement the database runs: its first words, and whether it was an executemany."""
    seen: list[tuple[str, bool]] = []

    def note(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
        seen.append((" ".join(statement.split()[:3]), many))

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    return seen


def record(n: int, user: Any = ADA) -> ActivityRecord:
    return ActivityRecord(community=COMMUNITY, user=user, channel=None, at=T0 + timedelta(seconds=n),
                          kind="message", message_id=f"m{n}")


async def test_a_batch_sends_its_writes_at_the_commit_one_statement_per_table(db: Database) -> None:
    seen = statements(db)
    async with db.unit_of_work() as uow:
        await uow.begin_batch([f"e{n}" for n in range(50)], [(COMMUNITY, ADA), (COMMUNITY, BOB)])
        reads = len(seen)
        for n in range(50):
            assert await uow.inbox.record(f"e{n}", now=T0)
            member = await uow.members.get(COMMUNITY, ADA) or ADA_MEMBER
            await uow.members.save(replace(member, last_active_at=T0 + timedelta(seconds=n)))
            await uow.state.put(COMMUNITY, f"post.{n}", {"n": n})
            await uow.activity.add(record(n))
            await uow.timers.set(Timer(key=f"t{n}", community=COMMUNITY, due_at=T0, kind="k"))
        assert len(seen) == reads             # nothing sent while deciding
        await uow.commit()
    writes = [s for s, _ in seen[reads:] if s.startswith("INSERT")]
    assert sorted(writes) == [f"INSERT INTO {t}" for t in ("activity", "inbox", "members", "state", "timers")]
    async with db.unit_of_work() as uow:
        stored = await uow.members.get(COMMUNITY, ADA)
        assert stored is not None and stored.last_active_at == T0 + timedelta(seconds=49)
        assert await uow.state.get(COMMUNITY, "post.49") == {"n": 49}
        assert [r.message_id for r in await uow.activity.list(COMMUNITY)] == [f"m{n}" for n in range(50)]
        assert await uow.timers.get("t7") is not None
        assert not await uow.inbox.record("e3", now=T0)    # recorded: a replay is a duplicate


async def test_any_other_query_sees_the_batch_writes_so_far(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.begin_batch(["e1"], [(COMMUNITY, ADA)])
        await uow.members.save(ADA_MEMBER)
        await uow.members.save(BOB_MEMBER)
        assert {m.user for m in await uow.members.list(COMMUNITY)} == {ADA, BOB}
        await uow.activity.add(record(1))
        assert len(await uow.activity.list(COMMUNITY)) == 1
        await uow.state.put(COMMUNITY, "notes.a", 1)
        await uow.state.delete(COMMUNITY, "notes.b")
        assert await uow.state.keys(COMMUNITY, "notes.") == ["notes.a"]
        await uow.timers.set(Timer(key="t1", community=COMMUNITY, due_at=T0, kind="k"))
        assert [t.key for t in await uow.timers.due(T0)] == ["t1"]
        await uow.timers.cancel("t1")
        assert await uow.timers.get("t1") is None
        assert (await uow.members.counts(COMMUNITY)).present == 2


async def test_a_rollback_drops_the_pending_writes_with_the_transaction(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.begin_batch(["e1"], [(COMMUNITY, ADA)])
        assert await uow.inbox.record("e1", now=T0)
        await uow.members.save(ADA_MEMBER)
        await uow.activity.add(record(1))
        await uow.rollback()
    async with db.unit_of_work() as uow:
        assert await uow.members.get(COMMUNITY, ADA) is None
        assert await uow.activity.list(COMMUNITY) == []
        assert await uow.inbox.record("e1", now=T0)   # never recorded


async def test_an_id_in_the_inbox_or_twice_in_the_batch_is_a_duplicate(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.inbox.record("old", now=T0)
        await uow.commit()
    async with db.unit_of_work() as uow:
        await uow.begin_batch(["old", "new", "new"], [])
        assert [await uow.inbox.record(e, now=T0) for e in ("old", "new", "new")] == [False, True, False]
        await uow.commit()


async def test_an_id_another_process_records_meanwhile_fails_the_batch_instead_of_deciding_twice(
    db: Database,
) -> None:
    if db.dialect == "sqlite":
        pytest.skip("SQLite: the batch holds the write lock from its first read, no one records meanwhile")
    batch = db.unit_of_work()
    async with batch as uow:
        await uow.begin_batch(["e1"], [])
        assert await uow.inbox.record("e1", now=T0)
        async with db.unit_of_work() as other:      # another process decides e1 first
            assert await other.inbox.record("e1", now=T0)
            await other.commit()
        with pytest.raises(IntegrityError):
            await uow.commit()


async def test_a_failing_savepoint_forgets_its_pending_writes(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.begin_batch(["e1"], [(COMMUNITY, ADA)])
        await uow.members.save(ADA_MEMBER)
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                await uow.members.save(BOB_MEMBER)
                await uow.activity.add(record(1, BOB))
                raise RuntimeError("a failing step")
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert {m.user for m in await uow.members.list(COMMUNITY)} == {ADA}
        assert await uow.activity.list(COMMUNITY) == []


async def test_outside_a_batch_every_write_goes_through_at_once(db: Database) -> None:
    seen = statements(db)
    async with db.unit_of_work() as uow:
        await uow.members.save(ADA_MEMBER)
        await uow.activity.add(record(1))
        inserts = [s for s, _ in seen if s.startswith("INSERT")]
        assert inserts == ["INSERT INTO members", "INSERT INTO activity"]
        await uow.commit()
