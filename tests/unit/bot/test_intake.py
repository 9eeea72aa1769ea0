"""Intake: an event the platform was told we received is stored, even through an outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cohortbot.bot.intake import Intake
from cohortbot.bot.runtime import FatalStop
from cohortbot.playbook.events import Event
from cohortbot.storage.memory import MemoryStore, MemoryUnitOfWork
from tests.harness import Harness

PLAYBOOK = """
name: Intake test
default: true
channels: {welcome: welcome}
steps:
  welcome: {message: "Hi {member}"}
"""


class FlakyStore(MemoryStore):
    """The memory store, with a switch that makes every transaction fail like a dead server."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def unit_of_work(self) -> MemoryUnitOfWork:
        if self.down:
            raise ConnectionRefusedError("connection to the database refused")
        return super().unit_of_work()


class Outage:
    """The replay task's sleep: counts the back-off pauses, and ends the outage after some."""

    def __init__(self, store: FlakyStore, *, lasts: int) -> None:
        self.store, self.lasts, self.pauses = store, lasts, []   # type: ignore[var-annotated]

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        if len(self.pauses) >= self.lasts:
            self.store.down = False
        await asyncio.sleep(0)


@pytest.fixture
async def store() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
async def bot(tmp_path: Path, store: FlakyStore) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK, database=store)
    yield harness
    await harness.close()


def replaying(bot: Harness, outage: Outage, **options: Any) -> Intake:
    intake = Intake(bot.runtime.process, bot.runtime._store_answers, sleep=outage, **options)
    bot.runtime.intake = intake
    return intake


async def drain(intake: Intake) -> None:
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(intake.run(stop), timeout=5)


async def test_joins_during_an_outage_are_welcomed_once_the_database_is_back(
    bot: Harness, store: FlakyStore
) -> None:
    outage = Outage(store, lasts=4)
    intake = replaying(bot, outage)
    store.down = True
    for name in ("alice", "bob", "carol"):
        await bot.join(name, settle=False)        # the adapter's sink returns: nothing raised
    assert intake.waiting == 3
    await drain(intake)
    await bot.runtime.settle()
    assert [len(bot.dms_to(n)) for n in ("alice", "bob", "carol")] == [1, 1, 1]
    assert intake.waiting == 0 and intake.buffered == 3
    assert outage.pauses == [0.5, 1.0, 2.0, 4.0]   # backing off while the database is away


async def test_events_arriving_behind_a_backlog_keep_their_order(bot: Harness, store: FlakyStore) -> None:
    intake = replaying(bot, Outage(store, lasts=1))
    store.down = True
    await bot.join("alice", settle=False)
    store.down = False              # the database is back, but the backlog is not empty yet
    await bot.join("bob", settle=False)
    assert intake.waiting == 2      # bob queued behind alice, not stored before her
    await drain(intake)
    await bot.runtime.settle()
    async with store.unit_of_work() as uow:
        members = await uow.members.list(bot.community)
    assert sorted(m.user.id for m in members) == ["alice", "bob"]
    first, second = (bot.dms_to(n)[0] for n in ("alice", "bob"))
    delivered = [a.key for a in bot.adapter.performed]
    assert delivered.index(first.key) < delivered.index(second.key)


async def test_an_event_that_fails_while_the_database_answers_is_skipped_not_retried_forever(
    bot: Harness, store: FlakyStore, caplog: pytest.LogCaptureFixture
) -> None:
    real_process = bot.runtime.process

    async def process(event: Event) -> bool:
        if event.event_id == "poison":
            raise ValueError("this event breaks a repository")
        return await real_process(event)

    intake = Intake(process, bot.runtime._store_answers, sleep=Outage(store, lasts=0))
    bot.runtime.intake = intake
    await bot.join("mallory", event_id="poison", settle=False)
    await bot.join("alice", settle=False)
    with caplog.at_level(logging.ERROR, logger="cohortbot.intake"):
        await drain(intake)
    await bot.runtime.settle()
    assert intake.skipped == 1 and intake.waiting == 0
    assert len(bot.dms_to("alice")) == 1 and bot.dms_to("mallory") == []
    assert "skipped MemberJoined event poison: it failed 3 times" in caplog.text


async def test_a_full_backlog_makes_the_sink_wait_instead_of_dropping(
    bot: Harness, store: FlakyStore
) -> None:
    intake = replaying(bot, Outage(store, lasts=2), limit=2)
    store.down = True
    await bot.join("alice", settle=False)
    await bot.join("bob", settle=False)
    third = asyncio.create_task(bot.join("carol", settle=False))
    await asyncio.sleep(0)
    assert not third.done() and intake.waiting == 2       # back-pressure, not loss
    replay = asyncio.create_task(drain(intake))
    await asyncio.wait_for(third, timeout=5)     # room freed as the replay stored alice
    await replay
    await drain(intake)
    await bot.runtime.settle()
    assert [len(bot.dms_to(n)) for n in ("alice", "bob", "carol")] == [1, 1, 1]
    assert intake.peak == 2


async def test_stopping_with_the_database_still_down_reports_what_was_not_stored(
    bot: Harness, store: FlakyStore, caplog: pytest.LogCaptureFixture
) -> None:
    bot.runtime.shutdown_grace = 0.05
    store.down = True
    await bot.join("alice", settle=False)
    bot.runtime.request_stop()
    with caplog.at_level(logging.ERROR, logger="cohortbot.intake"):
        await asyncio.wait_for(bot.runtime._serve(), timeout=5)
    assert "stopping with 1 event(s) not stored" in caplog.text



async def test_a_delivery_made_just_before_an_outage_is_recorded_after_it_not_sent_again(
    bot: Harness, store: FlakyStore
) -> None:
    outage = Outage(store, lasts=3)
    bot.runtime.deliverer._sleep = outage
    perform = bot.adapter.perform

    async def perform_then_lose_the_database(action: Any, *, resumed: bool = False) -> Any:
        delivered = await perform(action, resumed=resumed)
        store.down = True                 # the server goes away between send and "delivered"
        return delivered

    bot.adapter.perform = perform_then_lose_the_database  # type: ignore[method-assign]
    await bot.join("alice")
    assert len(outage.pauses) == 3 and not store.down
    bot.adapter.perform = perform  # type: ignore[method-assign]
    bot.clock.advance(timedelta(hours=1))      # far past any lease
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1
    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(bot.community)
    assert (stats.pending, stats.delivered) == (0, 1)


async def test_a_fatal_stop_ends_run_with_the_reason(bot: Harness) -> None:
    bot.runtime.request_stop("Discord closed the gateway with code 4004: the token was reset")
    with pytest.raises(FatalStop, match="code 4004"):
        await asyncio.wait_for(bot.runtime.run(), timeout=5)
