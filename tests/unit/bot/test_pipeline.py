"""The background deliverer is a pipeline: a slow delivery never holds up the ones after it.

It keeps up to ``window`` claimed rows in flight and claims more as rows finish, instead of
claiming a round and waiting for the round's slowest row. ``drain`` (the console, tests)
waits for the rows the pipeline has in flight, so no row is ever worked on twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from cohortbot.adapters.base import Delivered, EventSink
from cohortbot.bot.clock import ManualClock
from cohortbot.bot.deliverer import Deliverer
from cohortbot.playbook.actions import Action, PostMessage
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform
from cohortbot.storage.memory import MemoryStore
from tests.harness import START

COMMUNITY = CommunityRef(Platform.MEMORY, "c1")


@dataclass
class SlowFirst:
    """A platform where the action keyed "slow" is answered only when the test says so."""

    platform: Platform = Platform.MEMORY
    capabilities: Capabilities = field(default_factory=Capabilities)
    performed: list[str] = field(default_factory=list)
    answer_slow: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        pass

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        self.performed.append(action.key)
        if action.key == "slow":
            await self.answer_slow.wait()
        return Delivered(platform_id=action.key)

    async def close(self) -> None:
        pass

    def served_communities(self) -> frozenset[str] | None:
        return None


def _post(key: str) -> PostMessage:
    channel = ChannelRef(Platform.MEMORY, id="C1", name="general")
    return PostMessage(key=key, community=COMMUNITY, channel=channel, message=RichMessage(text=key))


async def _until(check: Callable[[], bool], *, turns: int = 20_000) -> bool:
    """Let the event loop turn until ``check`` holds (False if it never does): no wall clock."""
    for _ in range(turns):
        if check():
            return True
        await asyncio.sleep(0)
    return check()


@dataclass
class EachWhenTold(SlowFirst):
    """A platform that answers each action only when the test says so (``answer(key)``)."""

    answers: dict[str, asyncio.Event] = field(default_factory=dict)

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        self.performed.append(action.key)
        await self.answers.setdefault(action.key, asyncio.Event()).wait()
        return Delivered(platform_id=action.key)

    def answer(self, key: str) -> None:
        self.answers.setdefault(key, asyncio.Event()).set()


@asynccontextmanager
async def _pipeline(
    keys: list[str], adapter: SlowFirst | None = None
) -> AsyncIterator[tuple[Deliverer, SlowFirst, MemoryStore, ManualClock]]:
    store, clock = MemoryStore(), ManualClock(START)
    adapter = adapter if adapter is not None else SlowFirst()
    async with store.unit_of_work() as uow:
        for key in keys:
            await uow.outbox.add(_post(key), now=clock.now())
        await uow.commit()
    # Claimed two at a time at least (window 8); no poll comes: only the pipeline claims on.
    deliverer = Deliverer(
        store.unit_of_work, {Platform.MEMORY: adapter}, clock, batch_size=4, window=8, poll_seconds=3600
    )
    stop = asyncio.Event()
    task = asyncio.create_task(deliverer.run(stop))
    try:
        yield deliverer, adapter, store, clock
    finally:
        adapter.answer_slow.set()
        if isinstance(adapter, EachWhenTold):
            for key in keys:
                adapter.answer(key)
        stop.set()
        await task


async def _delivered(store: MemoryStore) -> int:
    async with store.unit_of_work() as uow:
        return (await uow.outbox.stats(COMMUNITY)).delivered


async def test_rows_after_a_slow_one_are_delivered_while_it_is_still_in_flight() -> None:
    keys = ["slow", *(f"post{n}" for n in range(11))]
    async with _pipeline(keys) as (deliverer, adapter, store, _):
        # A round of four would wait for "slow"; the pipeline claims on as rows finish, with
        # no decision waking it and no poll (the backlog was decided before).
        assert await _until(lambda: deliverer.delivered == 11)
        assert adapter.performed.count("slow") == 1 and await _delivered(store) == 11
        adapter.answer_slow.set()
        assert await _until(lambda: deliverer.delivered == 12)
    assert sorted(adapter.performed) == sorted(keys)  # each once


async def test_rows_finishing_one_by_one_make_room_for_the_next_claim() -> None:
    keys = [f"post{n:02}" for n in range(12)]
    async with _pipeline(keys, EachWhenTold()) as (deliverer, adapter, _, _):
        assert await _until(lambda: len(adapter.performed) == 8)  # the window: 8 in flight
        assert isinstance(adapter, EachWhenTold)
        adapter.answer("post00")
        assert await _until(lambda: deliverer.delivered == 1)
        adapter.answer("post01")  # two done, six still in flight: room for a claim of two
        assert await _until(lambda: len(adapter.performed) == 10)
        assert adapter.performed[8:] == ["post08", "post09"]


async def test_drain_waits_for_the_rows_in_flight_and_never_performs_one_twice() -> None:
    async with _pipeline(["slow"]) as (deliverer, adapter, store, clock):
        assert await _until(lambda: adapter.performed == ["slow"])
        clock.advance(timedelta(seconds=deliverer.lease_seconds + 1))  # its lease ran out meanwhile
        drain = asyncio.create_task(deliverer.drain())
        assert not await _until(drain.done, turns=200)  # it waits for the pipeline's row ...
        adapter.answer_slow.set()
        assert await drain == 0  # ... which is then delivered, not due again
        assert adapter.performed == ["slow"] and await _delivered(store) == 1


@dataclass
class Wide(SlowFirst):
    """A platform whose adapter keeps the rate itself and asks for five deliveries in flight."""

    deliveries_in_flight: int = 5
    inside: int = 0
    most_inside: int = 0
    go: asyncio.Event = field(default_factory=asyncio.Event)

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        await self.go.wait()
        self.inside -= 1
        return Delivered(platform_id=action.key)


@pytest.mark.parametrize(("concurrency", "expected"), [(2, 5), (8, 8), (1, 1)])
async def test_an_adapter_may_ask_for_more_deliveries_in_flight_but_one_by_one_stays(
    concurrency: int, expected: int
) -> None:
    store, clock, adapter = MemoryStore(), ManualClock(START), Wide()
    async with store.unit_of_work() as uow:
        for n in range(12):
            await uow.outbox.add(_post(f"post{n}"), now=clock.now())
        await uow.commit()
    deliverer = Deliverer(store.unit_of_work, {Platform.MEMORY: adapter}, clock, concurrency=concurrency)
    drain = asyncio.create_task(deliverer.drain())
    assert await _until(lambda: adapter.inside == expected)
    assert not await _until(lambda: adapter.inside > expected, turns=200)
    adapter.go.set()
    assert await drain == 12 and adapter.most_inside == expected


async def test_a_row_that_waited_half_its_lease_for_a_slot_is_left_for_its_next_claim() -> None:
    # One slot, held by "slow"; meanwhile half a lease passes for the row waiting behind it. It
    # must not be performed now: its lease may run out mid-delivery and it be claimed again.
    store, clock, adapter = MemoryStore(), ManualClock(START), SlowFirst()
    async with store.unit_of_work() as uow:
        for key in ("slow", "next"):
            await uow.outbox.add(_post(key), now=clock.now())
        await uow.commit()
    deliverer = Deliverer(store.unit_of_work, {Platform.MEMORY: adapter}, clock, concurrency=1)
    drain = asyncio.create_task(deliverer.deliver_due())
    assert await _until(lambda: adapter.performed == ["slow"])
    clock.advance(timedelta(seconds=deliverer.lease_seconds / 2 + 1))
    adapter.answer_slow.set()
    assert await drain == 2
    assert adapter.performed == ["slow"] and await _delivered(store) == 1
    clock.advance(timedelta(seconds=deliverer.lease_seconds))  # its lease ran out: due again
    assert await deliverer.drain() == 1
    assert adapter.performed == ["slow", "next"] and await _delivered(store) == 2


async def test_an_idle_pipeline_lets_drain_in_at_once_not_after_its_poll() -> None:
    async with _pipeline(["post0"]) as (deliverer, adapter, store, clock):
        assert await _until(lambda: deliverer.delivered == 1)
        # The outbox ran dry: the pipeline waits for a decision or its hour-long poll, and
        # meanwhile the console's drain (between two input lines) must not wait for it.
        assert await _until(lambda: not deliverer._round.locked())
        async with store.unit_of_work() as uow:
            await uow.outbox.add(_post("post1"), now=clock.now())
            await uow.commit()
        drained = asyncio.ensure_future(deliverer.drain())
        assert await _until(drained.done)
        assert adapter.performed == ["post0", "post1"]
