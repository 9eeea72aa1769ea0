"""Group commit: events that arrive together are decided together, with the same outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.playbook.events import CommandInvoked, Event, MemberJoined, MessagePosted
from cohortbot.playbook.refs import MessageRef
from cohortbot.playbook.step import StepContext
from tests.harness import Harness

PLAYBOOK = """
name: Batch test
default: true
channels: {welcome: welcome}
moderators: {users: [mod]}
steps:
  welcome: {message: "Hi {member}", burst: {max_joins: 1000}}
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


def decided(bot: Harness) -> list[Event]:
    """Record every event the engine decides, in order (wrapping the real engine)."""
    seen: list[Event] = []
    handle = bot.runtime.engine.handle

    async def recording(event: Event, uow: Any, **options: Any) -> Any:
        seen.append(event)
        return await handle(event, uow, **options)

    bot.runtime.engine.handle = recording  # type: ignore[method-assign]
    return seen


async def test_joins_arriving_together_share_transactions_and_each_is_welcomed_once(bot: Harness) -> None:
    bot.runtime.decider.budget = 60.0     # bounded by count here, not by time
    bot.runtime.decider.size = 200
    names = [f"m{n}" for n in range(120)]
    await asyncio.gather(*(bot.join(name, settle=False) for name in names))
    await bot.runtime.settle()
    assert [len(bot.dms_to(name)) for name in names] == [1] * 120
    decider = bot.runtime.decider
    assert decider.processed == 120 and decider.fallbacks == 0
    assert decider.batches <= 3        # not 120 transactions: 120 events in one or two batches


async def test_a_batch_lasts_about_its_time_budget_so_a_command_never_waits_long(bot: Harness) -> None:
    decider = bot.runtime.decider
    now = [0.0]
    decider._monotonic = lambda: now[0]
    decider.budget = 0.05
    decider.size, decider.min_size = 40, 1
    sizes: list[int] = []
    decide_batch = decider._decide_events

    async def recording(batch: Any) -> None:
        sizes.append(len(batch))
        now[0] += 0.004            # what a batch costs whatever its size (reads, the commit) ...
        await decide_batch(batch)

    handle = bot.runtime.engine.handle

    async def takes_10_ms(event: Event, uow: Any, **options: Any) -> Any:
        now[0] += 0.01             # ... and 10 ms an event
        return await handle(event, uow, **options)

    decider._decide_events = recording  # type: ignore[method-assign]
    bot.runtime.engine.handle = takes_10_ms  # type: ignore[method-assign]
    await asyncio.gather(*(bot.join(f"m{n}", settle=False) for n in range(300)))
    assert sizes[0] == 40                    # 404 ms: far over the budget ...
    assert sizes[1] == 4                     # ... so the next batch is cut in proportion
    assert set(sizes[2:-1]) <= {4, 5}        # 44 ms fits in 50 ms; 54 ms does not
    assert sum(sizes) == 300


async def test_batches_grow_while_they_fit_in_the_budget(bot: Harness) -> None:
    decider = bot.runtime.decider
    now = [0.0]
    decider._monotonic = lambda: now[0]
    decider.budget = 0.05
    decider.size = 2
    handle = bot.runtime.engine.handle

    async def takes_1_ms(event: Event, uow: Any, **options: Any) -> Any:
        now[0] += 0.001
        return await handle(event, uow, **options)

    bot.runtime.engine.handle = takes_1_ms  # type: ignore[method-assign]
    await asyncio.gather(*(bot.join(f"m{n}", settle=False) for n in range(300)))
    assert 40 <= decider.size <= 62          # grew from 2 to about 50 events of 1 ms


async def test_a_deep_backlog_is_taken_a_minimum_at_a_time_however_slow_events_are(bot: Harness) -> None:
    decider = bot.runtime.decider
    now = [0.0]
    decider._monotonic = lambda: now[0]
    decider.budget, decider.min_size = 0.05, 16
    sizes: list[int] = []
    decide_batch = decider._decide_events

    async def slow(batch: Any) -> None:
        sizes.append(len(batch))
        now[0] += 0.05 * len(batch)   # a busy machine: 50 ms an event, a batch of one overruns
        await decide_batch(batch)

    decider._decide_events = slow  # type: ignore[method-assign]
    await asyncio.gather(*(bot.join(f"m{n}", settle=False) for n in range(100)))
    assert decider.size == 1                 # what the budget alone would allow ...
    assert sizes[:6] == [16] * 6             # ... but the backlog goes 16 at a time
    assert sum(sizes) == 100


async def test_a_repeated_event_in_the_same_batch_is_decided_once(bot: Harness) -> None:
    await asyncio.gather(*(bot.join("alice", event_id="join-1", settle=False) for _ in range(3)))
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1
    assert (bot.runtime.processed, bot.runtime.duplicates) == (1, 2)


async def test_a_step_failing_inside_a_batch_costs_only_itself(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cohortbot.playbook.steps.welcome import handlers

    real = handlers.on_joined

    async def fails_for_mallory(event: MemberJoined, ctx: StepContext[Any]) -> None:
        if event.member.id == "mallory":
            raise RuntimeError("a bug that only mallory's name triggers")
        await real(event, ctx)

    step = handlers.STEP
    monkeypatch.setitem(step.handlers, MemberJoined, fails_for_mallory)
    names = ["alice", "bob", "mallory", "carol"]
    await asyncio.gather(*(bot.join(name, settle=False) for name in names))
    await bot.runtime.settle()
    assert [len(bot.dms_to(n)) for n in names] == [1, 1, 0, 1]
    assert bot.runtime.decider.fallbacks == 1          # the batch was decided again, one by one
    assert bot.runtime.processed == 4                  # mallory's join is recorded, her welcome not
    async with bot.database.unit_of_work() as uow:
        members = {m.user.id for m in await uow.members.list(bot.community)}
    assert members == set(names)


async def test_a_command_is_decided_before_the_chat_queued_ahead_of_it(bot: Harness) -> None:
    bot.runtime.decider.batch_size = 20
    order = decided(bot)
    chat = [
        bot.send(
            MessagePosted,
            author=bot.user("alice"),
            channel=bot.channel("general"),
            message=MessageRef(bot.channel("general"), f"chat-{n}"),
            text=f"message {n}",
            settle=False,
        )
        for n in range(100)
    ]
    pending = [asyncio.ensure_future(c) for c in chat]
    answer = await bot.command("mod", "status")
    assert answer is not None and "status" in answer.message.title
    await asyncio.gather(*pending)
    position = next(i for i, e in enumerate(order) if isinstance(e, CommandInvoked))
    assert position < 20      # in the first batch, not behind 100 chat messages
    assert len(order) == 101


async def test_nobody_waits_forever_when_the_deciding_task_is_cancelled(bot: Harness) -> None:
    joins = [asyncio.ensure_future(bot.join(f"m{n}", settle=False)) for n in range(5)]
    await asyncio.sleep(0)
    leader = bot.runtime.decider._leader
    assert leader is not None
    leader.cancel()
    await asyncio.wait_for(asyncio.gather(*joins), timeout=5)   # every caller got an answer
    await bot.join("later", settle=False)                      # a new leader takes over ...
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(bot.runtime.intake.run(stop), timeout=5)   # ... and what was kept
    await bot.runtime.settle()
    assert [len(bot.dms_to(f"m{n}")) for n in range(5)] == [1] * 5   # nothing lost
    assert len(bot.dms_to("later")) == 1


async def test_a_catch_up_of_old_members_waits_behind_live_events(bot: Harness) -> None:
    bot.runtime.decider.batch_size = 10
    order = decided(bot)
    backfill = [
        MemberJoined(
            community=bot.community, occurred_at=bot.clock.now(), event_id=f"old-{n}",
            member=bot.user(f"old{n}"), display_name=f"old{n}", backfill=True,
        )
        for n in range(50)
    ]
    caught_up = [asyncio.ensure_future(bot.runtime.submit(e)) for e in backfill]
    await bot.post("alice", "general", "hello, anyone here?")
    await asyncio.gather(*caught_up)
    position = next(i for i, e in enumerate(order) if isinstance(e, MessagePosted))
    assert position <= 10                 # behind at most the batch in flight, not all 50
    assert bot.runtime.processed == 51
