"""The in-memory store: transactions, copies and JSON round-trips like a database.

The first tests run on every store (they are port behaviour the memory store must mirror);
the last ones are about the memory store itself: how its units of work share one store
(the write lock), and the real runtime running on it exactly as on SQLite.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError

from cohortbot.playbook.actions import GrantRole
from cohortbot.playbook.ports import Member, Timer
from cohortbot.storage import Database
from cohortbot.storage.memory import MemoryStore, MemoryUnitOfWork
from tests.storage.conftest import ADA, BOB, COMMUNITY, T0, Store


def grant(key: str) -> GrantRole:
    return GrantRole(key=key, community=COMMUNITY, member=ADA, role="cohort-2026")


# ------------------------------------------------------------------- copies and JSON


async def test_what_a_caller_holds_is_a_copy_until_it_saves(store: Store) -> None:
    member = Member(community=COMMUNITY, user=ADA, display_name="Ada", data={"welcome": {"sent": [1]}})
    async with store.unit_of_work() as uow:
        await uow.members.save(member)
        member.data["welcome"]["sent"].append(2)           # after saving: not stored
        got = await uow.members.get(COMMUNITY, ADA)
        assert got is not None and got.data == {"welcome": {"sent": [1]}}
        got.data["welcome"]["sent"].append(3)              # a returned copy: not stored either
        got.display_name = "changed"
        again = await uow.members.get(COMMUNITY, ADA)
        assert again is not None and again.data == {"welcome": {"sent": [1]}} and again.display_name == "Ada"
        await uow.members.save(got)                        # until it is saved
        saved = await uow.members.get(COMMUNITY, ADA)
        assert saved is not None and saved.data == {"welcome": {"sent": [1, 3]}}

        document = {"order": ["a"]}
        await uow.state.put(COMMUNITY, "doc", document)
        document["order"].append("b")
        read = await uow.state.get(COMMUNITY, "doc")
        read["order"].append("c")
        assert await uow.state.get(COMMUNITY, "doc") == {"order": ["a"]}

        await uow.timers.set(Timer(key="t", community=COMMUNITY, due_at=T0, kind="k", data={"n": [1]}))
        fired = await uow.timers.get("t")
        assert fired is not None
        fired.data["n"].append(2)
        assert (await uow.timers.due(T0))[0].data == {"n": [1]}


async def test_stored_values_round_trip_through_json(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "doc", {"pair": (1, 2), 7: "seven", "nested": [{"t": (True, None)}]})
        await uow.members.save(Member(community=COMMUNITY, user=ADA, display_name="A", data={"ids": ("x",)}))
        await uow.timers.set(Timer(key="t", community=COMMUNITY, due_at=T0, kind="k", data={"at": (0, 1)}))
        await uow.commit()
    async with store.unit_of_work() as uow:
        document = await uow.state.get(COMMUNITY, "doc")
        assert document == {"pair": [1, 2], "7": "seven", "nested": [{"t": [True, None]}]}
        member = await uow.members.get(COMMUNITY, ADA)
        timer = await uow.timers.get("t")
    assert member is not None and member.data == {"ids": ["x"]}
    assert timer is not None and timer.data == {"at": [0, 1]}


async def test_a_value_json_cannot_hold_is_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises((TypeError, StatementError), match="not JSON serializable"):
            await uow.state.put(COMMUNITY, "when", {"at": T0})
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "when") is None


async def test_the_memory_store_refuses_nan_like_postgresql() -> None:
    # SQLite would keep NaN in its JSON text; PostgreSQL's JSONB refuses it: so does memory.
    async with MemoryStore().unit_of_work() as uow:
        with pytest.raises(ValueError, match="not JSON compliant"):
            await uow.state.put(COMMUNITY, "ratio", {"mean": float("nan")})
        assert await uow.state.get(COMMUNITY, "ratio") is None


# -------------------------------------------------------------------- transactions


async def test_a_failed_savepoint_restores_what_the_transaction_had_before_it(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "a", "outer")
        await uow.outbox.add(grant("outer"), now=T0)
        with pytest.raises(ValueError):
            async with uow.savepoint():
                await uow.state.put(COMMUNITY, "a", "inner")         # the same table, written again
                await uow.state.put(COMMUNITY, "b", "inner")
                await uow.members.save(Member(community=COMMUNITY, user=BOB, display_name="Bob"))
                assert await uow.outbox.add(grant("inner"), now=T0)
                assert await uow.inbox.record("evt-inner", now=T0)
                await uow.timers.set(Timer(key="t", community=COMMUNITY, due_at=T0, kind="k"))
                raise ValueError("step failed")
        assert await uow.state.get(COMMUNITY, "a") == "outer"
        assert await uow.state.keys(COMMUNITY, "") == ["a"]
        assert await uow.members.get(COMMUNITY, BOB) is None
        assert await uow.timers.get("t") is None
        # The keys it took are free again: uniqueness is restored along with the rows.
        assert await uow.outbox.add(grant("inner"), now=T0)
        assert await uow.inbox.record("evt-inner", now=T0)
        assert not await uow.outbox.add(grant("outer"), now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        keys = [item.action.key for item in await uow.outbox.claim_due(T0, limit=10, lease_seconds=60)]
    assert keys == ["outer", "inner"]


async def test_savepoints_that_succeed_are_still_undone_by_a_rollback(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "kept", 1)
        await uow.commit()
        async with uow.savepoint():
            await uow.state.put(COMMUNITY, "kept", 2)
            async with uow.savepoint():
                await uow.state.put(COMMUNITY, "inner", 3)
        assert await uow.state.get(COMMUNITY, "inner") == 3
        await uow.rollback()
        assert await uow.state.get(COMMUNITY, "kept") == 1
        assert await uow.state.get(COMMUNITY, "inner") is None


async def test_an_inner_failure_keeps_the_outer_savepoint_and_earlier_siblings(store: Store) -> None:
    async with store.unit_of_work() as uow:
        async with uow.savepoint():
            await uow.state.put(COMMUNITY, "outer", 1)
            async with uow.savepoint():
                await uow.state.put(COMMUNITY, "sibling", 2)
            with pytest.raises(KeyError):
                async with uow.savepoint():
                    await uow.state.put(COMMUNITY, "outer", "overwritten")
                    await uow.state.delete(COMMUNITY, "sibling")
                    raise KeyError("inner")
            await uow.state.put(COMMUNITY, "after", 3)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.keys(COMMUNITY, "") == ["after", "outer", "sibling"]
        assert await uow.state.get(COMMUNITY, "outer") == 1


async def test_work_after_a_commit_is_a_new_transaction(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "first", 1)
        await uow.commit()
        await uow.state.put(COMMUNITY, "second", 2)      # never committed
    async with store.unit_of_work() as uow:
        assert await uow.state.keys(COMMUNITY, "") == ["first"]


# ---------------------------------------------------------------- the memory store itself


async def test_memory_units_of_work_are_the_runtime_s_factory_shape() -> None:
    store = MemoryStore()
    await store.upgrade()
    factory = store.unit_of_work                  # what Runtime(unit_of_work=...) is given
    uow = factory()
    assert isinstance(uow, MemoryUnitOfWork)
    async with uow as entered:
        assert entered is uow
        await uow.inbox.record("old", now=T0 - timedelta(days=30))
        await uow.commit()
    assert await store.prune_inbox(before=T0) == 1
    await store.dispose()


async def test_overlapping_units_of_work_in_one_task_fail_at_once_instead_of_hanging() -> None:
    store = MemoryStore()
    async with store.unit_of_work() as first:
        await first.state.put(COMMUNITY, "k", 1)
        async with store.unit_of_work() as second:
            with pytest.raises(RuntimeError, match="overlap"):
                await second.state.get(COMMUNITY, "k")
        await first.commit()                     # the first one is unharmed
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "k") == 1


async def test_another_task_waits_for_the_open_transaction_and_then_sees_its_commit() -> None:
    store = MemoryStore()
    reading = asyncio.Event()

    async def reader() -> object:
        async with store.unit_of_work() as uow:
            reading.set()
            return await uow.state.get(COMMUNITY, "k")     # blocks: the writer holds the store

    async with store.unit_of_work() as writer:
        await writer.state.put(COMMUNITY, "k", "committed")
        task = asyncio.create_task(reader())
        await reading.wait()                 # the reader has started its statement...
        assert not task.done()               # ...and waits, like on SQLite's write lock
        await writer.commit()
    assert await task == "committed"


async def test_ids_grow_like_a_sequence_even_across_rollbacks() -> None:
    store = MemoryStore()
    async with store.unit_of_work() as uow:
        await uow.outbox.add(grant("rolled-back"), now=T0)
    async with store.unit_of_work() as uow:
        await uow.outbox.add(grant("a"), now=T0)
        await uow.outbox.add(grant("b"), now=T0)
        items = await uow.outbox.claim_due(T0, limit=10, lease_seconds=60)
    assert [(item.action.key, item.id) for item in items] == [("a", 2), ("b", 3)]


# ------------------------------------------------------------ the runtime, on memory and SQLite


PLAYBOOK = """
name: Memory parity
default: true
channels: {intros: introductions, general: general}
steps:
  welcome:
    message: "Hi {member}, welcome!"
    follow_ups:
      - {after: 1d, unless: introduced, message: "Introduce yourself, {member}"}
      - {after: 3d, unless: posted, message: "How is it going, {member}?"}
  intros: {min_length: 20, acknowledge: {reaction: "👋"}}
"""


async def _run_a_playbook(store: Store, tmp_path: Path) -> list[object]:
    # Imported here: the rest of this module tests storage alone, whatever state the bot is in.
    from cohortbot.adapters.memory import MemoryAdapter
    from cohortbot.bot.charts import MatplotlibCharts
    from cohortbot.bot.clock import ManualClock
    from cohortbot.bot.runtime import Runtime
    from cohortbot.bot.scheduler import CronCalendar
    from cohortbot.bot.sentiment import VaderSentiment
    from cohortbot.config.playbook import load_playbooks
    from cohortbot.playbook.engine import Engine
    from cohortbot.playbook.refs import Platform
    from cohortbot.playbook.steps import STEPS
    from tests.harness import START, Harness

    playbook = tmp_path / f"playbook-{type(store).__name__}.yaml"
    playbook.write_text(PLAYBOOK)
    clock = ManualClock(START)
    adapter = MemoryAdapter()
    engine = Engine(
        load_playbooks([playbook], STEPS),
        STEPS,
        clock=clock,
        calendar=CronCalendar(),
        capabilities={Platform.MEMORY: adapter.capabilities},
        sentiment=VaderSentiment(),
        charts=MatplotlibCharts(),
    )
    runtime = Runtime(engine=engine, unit_of_work=store.unit_of_work, adapters={Platform.MEMORY: adapter},
                      clock=clock)
    await adapter.start(runtime.submit, engine.commands())
    bot = Harness(runtime, store, adapter, clock)  # type: ignore[arg-type]  # it only opens units of work
    for name in ["alice", "bob", "carol"]:
        await bot.join(name)
    await bot.post("alice", "general", "How do I read a CSV file with pandas?")
    await bot.post("bob", "introductions", "Hi all, I'm Bob, a biologist learning Python for data analysis.")
    await bot.advance("4d")
    return list(adapter.performed)


async def test_the_runtime_decides_the_same_on_the_memory_store_as_on_sqlite(tmp_path: Path) -> None:
    memory = await _run_a_playbook(MemoryStore(), tmp_path)
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        await database.upgrade()
        sqlite = await _run_a_playbook(database, tmp_path)
    finally:
        await database.dispose()
    assert len(memory) > 5           # welcomes, follow-ups, acknowledgements: a real run
    assert memory == sqlite
