"""Pacing: the rate the deliverer actually lets through to a platform, on a fake clock.

Each platform's registration gives its requests per second (Discord 45, Slack 2); the
deliverer's ``Pacer`` is a token bucket that lets a burst of ``capacity`` requests through at
once, then one request every ``1 / rate`` seconds. Nothing here reads the wall clock: the
pacer is given ``FakeTime``, whose ``sleep`` parks the caller until ``FakeTime.run`` moves
virtual time to its wake-up, so the times below are exact and the tests take milliseconds.
A pacer that never waits fails every test in this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from cohortbot.adapters.base import Delivered, EventSink
from cohortbot.bot.clock import ManualClock
from cohortbot.bot.deliverer import MAX_COST, Deliverer, Pacer
from cohortbot.playbook.actions import Action, PostMessage, SendDirectMessage
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from cohortbot.storage.memory import MemoryStore
from tests.harness import START

T = TypeVar("T")

EPSILON = 1e-9  # float slack for "at or after"
DISCORD, SLACK = 45.0, 2.0  # cohortbot/adapters/{discord,slack}/__init__.py: requests_per_second


class FakeTime:
    """Virtual seconds for a pacer: ``monotonic`` reads them, ``sleep`` waits in them.

    ``run(awaitable)`` runs it to its end; whenever every task is parked in ``sleep``, time
    jumps to the earliest wake-up (so concurrent sleeps overlap, as on a real clock).
    """

    QUIET_TICKS = 50  # event-loop turns without progress before time moves on
    # A real sleep lasts at least the clock's resolution (time.monotonic: 1 ns). The pacer
    # relies on that: after sleeping (cost - tokens) / rate, rounding can leave it a hair
    # short (0.9999999999 tokens) and it sleeps again for ~1e-17 s, which must move time.
    RESOLUTION = 1e-9

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []  # every sleep asked for, in order
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        wake_up: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, self.RESOLUTION), self._seq, wake_up))
        self._seq += 1
        await wake_up

    def pacer(self, rate: float, *, burst: float | None = None) -> Pacer:
        return Pacer(rate, burst=burst, monotonic=self.monotonic, sleep=self.sleep)

    async def run(self, awaitable: Awaitable[T], *, max_wake_ups: int = 100_000) -> T:
        task: asyncio.Future[T] = asyncio.ensure_future(awaitable)
        try:
            for _ in range(max_wake_ups):
                for _ in range(self.QUIET_TICKS):
                    if task.done():
                        return task.result()
                    await asyncio.sleep(0)
                if not self._sleepers:
                    raise AssertionError("stuck: nothing is sleeping, yet the work is not done")
                when, _, wake_up = heapq.heappop(self._sleepers)
                if wake_up.done():  # a sleep cancelled (it lost a race): time does not move for it
                    continue
                self.now = max(self.now, when)
                wake_up.set_result(None)
            raise AssertionError(f"not done after {max_wake_ups} wake-ups")
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _acquire_all(time: FakeTime, pacer: Pacer, count: int, cost: float = 1.0) -> list[float]:
    """Acquire ``count`` times in a row; the virtual time at which each one was let through."""
    times: list[float] = []
    for _ in range(count):
        await pacer.acquire(cost)
        times.append(time.now)
    return times


def _earliest(k: int, *, rate: float, capacity: float, cost: float = 1.0) -> float:
    """When request ``k`` (0-based) may pass at the earliest: after its tokens have accrued."""
    return max(0.0, ((k + 1) * cost - capacity) / rate)


def _assert_paced(times: Sequence[float], *, rate: float, capacity: float, cost: float = 1.0) -> None:
    """Not one request early, none later than one interval after its earliest moment."""
    for k, at in enumerate(times):
        earliest = _earliest(k, rate=rate, capacity=capacity, cost=cost)
        assert at >= earliest - EPSILON, f"request {k} passed at {at:.4f}s, before {earliest:.4f}s"
        assert at <= earliest + cost / rate + EPSILON, (
            f"request {k} held until {at:.4f}s (due {earliest:.4f}s)"
        )


# ---------------------------------------------------------------------------- the pacer


@pytest.mark.parametrize(
    ("rate", "count"), [(DISCORD, 500), (SLACK, 20), (0.5, 6)], ids=["discord", "slack", "slow"]
)
async def test_n_requests_take_n_minus_the_burst_over_the_rate(rate: float, count: int) -> None:
    time = FakeTime()
    pacer = time.pacer(rate)
    times = await time.run(_acquire_all(time, pacer, count))
    expected = (count - pacer.capacity) / rate
    assert expected - EPSILON <= times[-1] <= expected + 1 / rate + EPSILON
    _assert_paced(times, rate=rate, capacity=pacer.capacity)


@pytest.mark.parametrize(
    ("rate", "burst", "size"),
    [(DISCORD, None, 45), (SLACK, None, 2), (0.5, None, 2), (10.0, 3.0, 3), (10.0, 1.0, 2)],
    ids=["discord-one-second", "slack-one-second", "slow-at-least-a-dm", "explicit", "explicit-below-a-dm"],
)
async def test_a_burst_passes_at_once_only_up_to_its_documented_size(
    rate: float, burst: float | None, size: int
) -> None:
    # The documented size: one second's worth unless ``burst`` says otherwise, never below MAX_COST.
    time = FakeTime()
    pacer = time.pacer(rate, burst=burst)
    assert pacer.capacity == size
    times = await time.run(_acquire_all(time, pacer, size + 1))
    assert times[:size] == [0.0] * size
    assert times[size] == pytest.approx(1 / rate)


async def test_an_idle_pacer_saves_up_no_more_than_its_burst() -> None:
    time = FakeTime()
    pacer = time.pacer(SLACK)
    await time.run(_acquire_all(time, pacer, 2))
    time.now = 100.0  # quiet for 100 s: 200 requests' worth of time, but the bucket holds 2
    times = await time.run(_acquire_all(time, pacer, 4))
    assert times == pytest.approx([100.0, 100.0, 100.5, 101.0])


async def test_a_request_costing_two_waits_for_two_tokens() -> None:
    time = FakeTime()
    pacer = time.pacer(SLACK)
    times = await time.run(_acquire_all(time, pacer, 5, cost=MAX_COST))
    assert times == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])  # one DM a second at 2 requests/s


async def test_a_slow_platform_still_admits_a_dm_costing_two_requests_then_paces_it() -> None:
    # At 0.5 requests/s a one-second bucket would hold half a DM and wait forever: the
    # bucket holds at least MAX_COST, so the first DM passes at once and the next 4 s later.
    time = FakeTime()
    pacer = time.pacer(0.5)
    times = await time.run(_acquire_all(time, pacer, 3, cost=MAX_COST))
    assert times == pytest.approx([0.0, 4.0, 8.0])


@pytest.mark.parametrize(("rate", "count"), [(DISCORD, 300), (SLACK, 30)], ids=["discord", "slack"])
async def test_concurrent_acquirers_are_held_to_the_rate_too(rate: float, count: int) -> None:
    time = FakeTime()
    pacer = time.pacer(rate)
    times: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        times.append(time.now)

    await time.run(asyncio.gather(*(one() for _ in range(count))))
    assert len(times) == count
    _assert_paced(sorted(times), rate=rate, capacity=pacer.capacity)
    assert times[-1] == pytest.approx((count - pacer.capacity) / rate)


async def test_two_platforms_are_paced_independently() -> None:
    # Both at once on one clock: each keeps to its own rate, neither uses the other's budget.
    time = FakeTime()
    slack, discord = time.pacer(SLACK), time.pacer(DISCORD)
    slack_times, discord_times = await time.run(
        asyncio.gather(_acquire_all(time, slack, 20), _acquire_all(time, discord, 450))
    )
    _assert_paced(slack_times, rate=SLACK, capacity=2)
    _assert_paced(discord_times, rate=DISCORD, capacity=45)
    assert slack_times[-1] == pytest.approx(9.0)  # (20 - 2) / 2
    assert discord_times[-1] == pytest.approx(9.0)  # (450 - 45) / 45: not slowed to Slack's pace


# ---------------------------------------------------------------------------- through the deliverer


@dataclass
class TimedAdapter:
    """A platform that records the virtual time of every request performed."""

    platform: Platform
    time: FakeTime
    capabilities: Capabilities = field(default_factory=Capabilities)
    performed: list[tuple[float, Action]] = field(default_factory=list)

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        pass

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        self.performed.append((self.time.now, action))
        return Delivered(platform_id=str(len(self.performed)))

    async def close(self) -> None:
        pass

    def served_communities(self) -> frozenset[str] | None:
        return None

    def times(self) -> list[float]:
        return [at for at, _ in self.performed]


def _dm(platform: Platform, n: int) -> SendDirectMessage:
    return SendDirectMessage(
        key=f"dm:{platform}:{n}",
        community=CommunityRef(platform, "c1"),
        to=UserRef(platform, f"u{n}"),
        message=RichMessage(text=f"Welcome #{n}"),
    )


def _post(platform: Platform, n: int) -> PostMessage:
    return PostMessage(
        key=f"post:{platform}:{n}",
        community=CommunityRef(platform, "c1"),
        channel=ChannelRef(platform, id="C1", name="general"),
        message=RichMessage(text=f"Prompt #{n}"),
    )


class Paced:
    """A deliverer over an in-memory outbox, its pacers on a fake clock, one adapter per platform."""

    def __init__(self, rates: dict[Platform, float | None]) -> None:
        self.time = FakeTime()
        self.store = MemoryStore()
        self.clock = ManualClock(START)
        self.adapters = {platform: TimedAdapter(platform, self.time) for platform in rates}
        self.deliverer = Deliverer(self.store.unit_of_work, self.adapters, self.clock, pacer=self.time.pacer)
        for platform, rate in rates.items():
            self.deliverer.pace(platform, rate)

    async def due(self, actions: Sequence[Action]) -> None:
        async with self.store.unit_of_work() as uow:
            for action in actions:
                assert await uow.outbox.add(action, now=self.clock.now())
            await uow.commit()

    async def deliver(self) -> int:
        delivered: int = await self.time.run(self.deliverer.drain())
        return delivered

    def times(self, platform: Platform) -> list[float]:
        return self.adapters[platform].times()


async def test_due_dms_are_performed_no_faster_than_the_platform_rate() -> None:
    bot = Paced({Platform.SLACK: SLACK})
    await bot.due([_dm(Platform.SLACK, n) for n in range(20)])
    assert await bot.deliver() == 20
    times = bot.times(Platform.SLACK)
    assert len(times) == 20
    # A DM counts as two requests (open the conversation, then send): one DM a second at 2/s.
    _assert_paced(times, rate=SLACK, capacity=2, cost=MAX_COST)
    assert times[-1] == pytest.approx(19.0)


async def test_a_dm_is_paced_as_two_requests_a_post_as_one() -> None:
    posts, dms = Paced({Platform.SLACK: SLACK}), Paced({Platform.SLACK: SLACK})
    await posts.due([_post(Platform.SLACK, n) for n in range(20)])
    await dms.due([_dm(Platform.SLACK, n) for n in range(20)])
    await posts.deliver()
    await dms.deliver()
    _assert_paced(posts.times(Platform.SLACK), rate=SLACK, capacity=2, cost=1.0)
    assert posts.times(Platform.SLACK)[-1] == pytest.approx(9.0)  # (20 - 2) / 2
    assert dms.times(Platform.SLACK)[-1] == pytest.approx(19.0)  # (2 * 20 - 2) / 2


async def test_an_unpaced_platform_never_waits_beside_a_paced_one() -> None:
    bot = Paced({Platform.MEMORY: None, Platform.SLACK: SLACK})
    assert bot.deliverer.rate(Platform.MEMORY) is None and bot.deliverer.rate(Platform.SLACK) == SLACK
    await bot.due(
        [_post(Platform.MEMORY, n) for n in range(30)] + [_post(Platform.SLACK, n) for n in range(10)]
    )
    assert await bot.deliver() == 40
    assert bot.times(Platform.MEMORY) == [0.0] * 30
    _assert_paced(bot.times(Platform.SLACK), rate=SLACK, capacity=2)
    assert bot.times(Platform.SLACK)[-1] == pytest.approx(4.0)  # (10 - 2) / 2
    # ... and un-pacing a platform (rate None) lets everything through at once.
    bot.deliverer.pace(Platform.SLACK, None)
    await bot.due([_post(Platform.SLACK, n) for n in range(10, 30)])
    start = bot.time.now
    await bot.deliver()
    assert bot.times(Platform.SLACK)[10:] == [start] * 20


async def test_the_deliverer_paces_each_platform_at_its_own_rate() -> None:
    bot = Paced({Platform.SLACK: SLACK, Platform.DISCORD: DISCORD})
    await bot.due(
        [_post(Platform.SLACK, n) for n in range(6)] + [_post(Platform.DISCORD, n) for n in range(2)]
    )
    await bot.deliver()
    _assert_paced(bot.times(Platform.SLACK), rate=SLACK, capacity=2)
    assert bot.times(Platform.SLACK)[-1] == pytest.approx(2.0)  # (6 - 2) / 2
    assert bot.times(Platform.DISCORD) == [0.0, 0.0]  # within Discord's burst: Slack's wait is not theirs
    await bot.due([_post(Platform.DISCORD, n) for n in range(2, 92)])
    start = bot.time.now
    await bot.deliver()
    later = [at - start for at in bot.times(Platform.DISCORD)[2:]]
    _assert_paced(later, rate=DISCORD, capacity=45)
    assert later[-1] == pytest.approx(1.0)  # (90 - 45) / 45


async def test_a_paced_backlog_does_not_hold_up_another_platform() -> None:
    # Each platform has its own concurrency gate: 20 Slack DMs waiting for Slack's tokens
    # fill Slack's slots, and the post to another platform goes out at once beside them.
    bot = Paced({Platform.SLACK: SLACK, Platform.MEMORY: None})
    await bot.due([_dm(Platform.SLACK, n) for n in range(20)] + [_post(Platform.MEMORY, 0)])
    await bot.deliver()
    assert bot.times(Platform.MEMORY) == [0.0]
