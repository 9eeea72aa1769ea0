"""What a scheduler round costs: an idle one asks the store the same few things however many
communities and schedules there are, so many communities (or several processes polling
often) do not slow the rounds down until occurrences are recorded as missed; and processes
sharing a database start their rounds at different schedules rather than queueing behind one
another's claim of the same occurrence."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.bot.scheduler import Scheduler
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from tests.harness import Harness
from tests.unit.bot.test_scheduler import STEPS_WITH_TICK, playbook, ticks

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)   # 08:00 Berlin; the ticks fire at 09:00 Berlin


class Counting:
    """A unit-of-work factory that counts the units of work opened."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory
        self.opened = 0

    def __call__(self) -> Any:
        self.opened += 1
        return self.factory()


async def with_communities(
    tmp_path: Path, count: int, *, rng: random.Random | None = None
) -> tuple[Harness, Scheduler, Counting]:
    """A bot that has seen ``count`` communities, and a scheduler on it that counts its reads."""
    bot = await Harness.start(tmp_path, playbook(), steps=STEPS_WITH_TICK, start=START)
    for n in range(count):
        community = CommunityRef(Platform.MEMORY, f"community-{n}", f"Community {n}")
        await bot.runtime.submit(
            MemberJoined(
                community=community, occurred_at=START, event_id=f"join-{n}",
                member=UserRef(Platform.MEMORY, "alice", "alice"), display_name="alice",
            )
        )
    counting = Counting(bot.database.unit_of_work)
    scheduler = Scheduler(
        unit_of_work=counting, engine=bot.runtime.engine, process=bot.runtime.process, clock=bot.clock,
        rng=rng,
    )
    return bot, scheduler, counting


async def idle_round(scheduler: Scheduler, counting: Counting) -> int:
    counting.opened = 0
    assert await scheduler.run_due() == 0
    await scheduler.next_due()
    return counting.opened


async def test_an_idle_round_costs_the_same_for_one_community_or_twenty(tmp_path: Path) -> None:
    costs = []
    for count in (1, 20):
        bot, scheduler, counting = await with_communities(tmp_path, count)
        try:
            await scheduler.run_due()        # the first round learns where each schedule stands
            await scheduler.next_due()
            costs.append(await idle_round(scheduler, counting))
        finally:
            await bot.close()
    assert costs[0] == costs[1] <= 4, costs


async def test_a_first_round_costs_the_same_for_one_community_or_twenty(tmp_path: Path) -> None:
    """A restart with thousands of communities: where each schedule stands is read at once, and
    only a schedule with an occurrence due is asked about again (none here: 08:00, ticks at 09:00)."""
    costs = []
    for count in (1, 20):
        bot, scheduler, counting = await with_communities(tmp_path, count)
        try:
            costs.append(await idle_round(scheduler, counting))   # the first round, then next_due
        finally:
            await bot.close()
    assert costs[0] == costs[1] <= 5, costs


async def test_a_playbooks_schedules_are_worked_out_once_for_all_its_communities(tmp_path: Path) -> None:
    bot, scheduler, _ = await with_communities(tmp_path, 20)
    worked_out: list[object] = []
    steps = scheduler.engine.steps
    tick = next(i for i, step in enumerate(steps) if step.name == "tick")
    original = steps[tick].schedules
    assert original is not None

    def counting(cfg: Any, community: Any) -> Any:
        worked_out.append(community)
        return original(cfg, community)

    steps[tick] = dataclasses.replace(steps[tick], schedules=counting)
    try:
        await scheduler.run_due()
        await scheduler.next_due()
        await scheduler.run_due()
        assert len(worked_out) == 1   # one playbook: once, for its twenty communities and three rounds
    finally:
        await bot.close()


async def test_a_known_schedule_is_asked_about_again_once_its_next_occurrence_is_due(tmp_path: Path) -> None:
    bot, scheduler, counting = await with_communities(tmp_path, 20)
    try:
        await scheduler.run_due()
        idle = await idle_round(scheduler, counting)
        bot.clock.set(datetime(2026, 5, 4, 7, 0, 1, tzinfo=UTC))   # 09:00:01 Berlin
        assert await scheduler.run_due() == 20
        await bot.runtime.settle()
        assert len(ticks(bot)) == 20
        assert await idle_round(scheduler, counting) == idle
        assert await scheduler.run_due() == 0   # never twice
    finally:
        await bot.close()


async def test_a_clock_set_back_makes_the_next_round_ask_the_store_again(tmp_path: Path) -> None:
    bot, scheduler, counting = await with_communities(tmp_path, 20)
    try:
        await scheduler.run_due()
        idle = await idle_round(scheduler, counting)
        bot.clock.set(datetime(2026, 5, 4, 5, 0, tzinfo=UTC))
        assert await idle_round(scheduler, counting) == idle + 1   # every schedule's bound, read at once
    finally:
        await bot.close()


async def fired_order(tmp_path: Path, count: int, *, seed: int, spread: bool) -> list[str]:
    """The communities whose 09:00 occurrence a round fired, in the order it fired them."""
    bot, scheduler, _ = await with_communities(tmp_path, count, rng=random.Random(seed))
    fired: list[str] = []
    process = scheduler.process

    async def recording(event: Any, **kw: Any) -> bool:
        fired.append(event.community.id)
        return await process(event, **kw)

    scheduler.process = recording
    try:
        bot.clock.set(datetime(2026, 5, 4, 7, 0, 1, tzinfo=UTC))
        assert await scheduler.run_due(spread=spread) == count
    finally:
        await bot.close()
    assert sorted(fired) == sorted(f"community-{n}" for n in range(count))   # each of them, once
    return fired


async def test_the_background_rounds_of_two_processes_start_at_different_schedules(tmp_path: Path) -> None:
    first = await fired_order(tmp_path, 20, seed=1, spread=True)
    second = await fired_order(tmp_path, 20, seed=2, spread=True)
    assert first[0] != second[0]


async def test_without_spreading_a_round_fires_in_the_same_order_every_time(tmp_path: Path) -> None:
    first = await fired_order(tmp_path, 5, seed=1, spread=False)
    second = await fired_order(tmp_path, 5, seed=2, spread=False)
    assert first == second == sorted(first)


async def test_a_stop_ends_a_round_before_its_next_schedule_and_the_next_round_fires_the_rest(
    tmp_path: Path,
) -> None:
    bot, scheduler, _ = await with_communities(tmp_path, 20)
    try:
        stop = asyncio.Event()
        fire = scheduler.process

        async def fire_then_stop(*args: Any, **kwargs: Any) -> bool:
            stop.set()   # SIGTERM arrives while the first occurrence is decided
            return await fire(*args, **kwargs)

        scheduler.process = fire_then_stop
        bot.clock.set(datetime(2026, 5, 4, 7, 0, 1, tzinfo=UTC))   # 09:00:01 Berlin: 20 due
        assert await scheduler.run_due(stop=stop) == 1
        scheduler.process = fire
        assert await scheduler.run_due() == 19
        await bot.runtime.settle()
        assert len(ticks(bot)) == 20
        assert await scheduler.run_due() == 0
    finally:
        await bot.close()
