"""The join-burst queue stays small however many join: joins are counted per second, and the
members waiting are marked on their own records, not listed in the community's document."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.steps import welcome
from cohortbot.playbook.steps.welcome.model import BurstEnds, BurstQueue
from tests.harness import Harness, sqlite_url
from tests.unit.steps.contexts import step_context
from tests.unit.steps.welcome.test_welcome import PLAYBOOK

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


@pytest.fixture(params=["memory", "sqlite"])
async def bot(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    url = sqlite_url(tmp_path) if request.param == "sqlite" else None  # the members query in SQL too
    harness = await Harness.start(tmp_path, PLAYBOOK, url=url)  # burst: {max_joins: 3, window: 10m}
    yield harness
    await harness.close()


@pytest.mark.parametrize("max_joins", [1, 3, 10, 50])
def test_counting_per_second_decides_as_every_join_moment_would(max_joins: int) -> None:
    rng = random.Random(max_joins)
    queue, moments = BurstQueue(), list[datetime]()
    at = T0
    for _ in range(3000):
        at += timedelta(seconds=rng.choice([0, 0, 1, 2, 30, 200, 700]))  # bursts and lulls
        moments = [t for t in moments if t > at - WINDOW] + [at]  # what the code before kept
        counted = queue.count_join(at, WINDOW, cap=max_joins + 1)
        assert (counted <= max_joins) == (len(moments) <= max_joins)
        assert len(queue.seconds) <= max_joins + 1


def test_a_second_counts_while_it_starts_inside_the_window() -> None:
    queue = BurstQueue()
    queue.count_join(T0 + timedelta(milliseconds=700), WINDOW, cap=100)
    assert queue.count_join(T0 + WINDOW - timedelta(milliseconds=500), WINDOW, cap=100) == 2
    # The first join is 0.2 s inside this one's window, but its second started 0.5 s before
    # the window did: no longer counted (never one older than the window)
    assert queue.count_join(T0 + WINDOW + timedelta(milliseconds=500), WINDOW, cap=100) == 2


def test_a_playbook_that_never_groups_keeps_one_entry_per_second_of_the_window() -> None:
    queue = BurstQueue()
    for n in range(4000):  # four joins a second for 1,000 s
        queue.count_join(T0 + timedelta(milliseconds=250 * n), WINDOW, cap=1_000_001)
    assert len(queue.seconds) <= 601 and sum(count for _second, count in queue.seconds) == 2400


def test_joins_stored_by_the_code_before_are_folded_into_seconds() -> None:
    queue = BurstQueue.model_validate({"joins": [T0.isoformat(), T0.isoformat()], "pending": []})
    assert queue.count_join(T0 + timedelta(seconds=1), WINDOW, cap=100) == 3
    assert queue.joins == [] and queue.seconds == [(int(T0.timestamp()), 2), (int(T0.timestamp()) + 1, 1)]


@pytest.fixture
async def memory_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)  # the same store port; SQLite: ~10x slower here
    yield harness
    await harness.close()


async def test_each_join_of_a_burst_of_2000_rewrites_a_document_of_the_same_small_size(
    memory_bot: Harness,
) -> None:
    bot = memory_bot
    sizes = []
    for n in range(2000):
        await bot.join(f"m{n:04}", settle=False)
        if n % 100 == 0:
            bot.clock.advance(timedelta(seconds=1))  # joins spread over 20 s
            await bot.runtime.settle()
            async with bot.database.unit_of_work() as uow:
                raw = await uow.state.get(bot.community, "welcome.burst")
            sizes.append(len(json.dumps(raw)))
    await bot.runtime.settle()
    async with bot.database.unit_of_work() as uow:
        raw = await uow.state.get(bot.community, "welcome.burst")
    assert raw is not None and raw["waiting"] == 1997 and "m0" not in json.dumps(raw)
    assert max(sizes) < 250 and len(json.dumps(raw)) < 250  # 2,000 ids would be ~16,000 characters
    assert len(bot.of(SendDirectMessage)) == 3
    await bot.advance("10m")
    for name in ["m0003", "m1000", "m1999"]:
        member = await bot.member(name)
        assert member is not None and member.welcomed_at is not None
        assert member.data["welcome"] == {"welcomed_join": 1, "grouped": True}
    assert len(bot.posts_in("welcome")) == 5  # max_posts, the last ending "… and N more"
    assert "<@m0003>" in bot.posts_in("welcome")[0].message.text  # in the order they joined


async def test_a_queue_stored_by_the_code_before_is_still_welcomed_when_its_window_closes(
    bot: Harness,
) -> None:
    for name in ["a1", "a2", "a3"]:
        await bot.join(name)
    for name in ["old1", "old2"]:
        await bot.join(name, pending=True)  # not welcomed yet: the old queue will name them
    async with bot.database.unit_of_work() as uow:
        moments = [bot.clock.now().isoformat()] * 5
        await uow.state.put(bot.community, "welcome.burst", {"joins": moments, "pending": ["old1", "old2"]})
        ctx = step_context(bot, welcome.STEP, uow)
        await ctx.set_timer(BurstEnds(), bot.clock.now() + WINDOW, name="burst")
        await uow.commit()
    await bot.join("a4")  # queued behind them, no new window
    await bot.leave("old1")
    await bot.join("old1")  # named by the old queue: still queued once
    async with bot.database.unit_of_work() as uow:
        raw = await uow.state.get(bot.community, "welcome.burst")
    assert raw is not None and raw["pending"] == ["old1", "old2"] and raw["joins"] == []  # never grown
    await bot.advance("10m")
    [group] = bot.posts_in("welcome")
    assert "all 3 of you" in group.message.text
    text = group.message.text
    assert text.count("<@old1>") == 1 and text.index("<@old1>") < text.index("<@old2>") < text.index("<@a4>")
    async with bot.database.unit_of_work() as uow:
        raw = await uow.state.get(bot.community, "welcome.burst")
    assert raw is not None and raw["pending"] == [] and raw["waiting"] == 0


async def test_a_member_who_left_before_the_window_closed_is_welcomed_by_dm_when_back_later(
    bot: Harness,
) -> None:
    for name in ["a1", "a2", "a3", "a4"]:
        await bot.join(name)
    await bot.leave("a4")
    await bot.advance("10m")
    assert bot.posts_in("welcome") == []  # nobody left to greet
    await bot.advance("1h")
    await bot.join("a4")  # the mark of a closed burst means nothing
    assert len(bot.dms_to("a4")) == 1 and bot.posts_in("welcome") == []
