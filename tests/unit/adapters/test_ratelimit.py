"""The client-side window limiter, on a fake clock (``FakeTime`` from the pacing tests).

A platform counts requests in windows (Discord: 50 in any second per bot; Slack: N per
minute per method); the limiter must never let ``limit + 1`` requests into any window, must
let them through as soon as the window allows (that is the throughput), and must be one
limiter per token for every sender in the process.
"""

from __future__ import annotations

import asyncio

import pytest

from cohortbot.adapters.ratelimit import WindowLimiter, shared
from tests.unit.bot.test_pacing import FakeTime as _FakeTime

EPSILON = 1e-9


class FakeTime(_FakeTime):
    QUIET_TICKS = 1_000  # up to hundreds of acquirers hand the limiter's lock on, a turn each


def _limiter(time: FakeTime, limit: int, window: float, *, margin: float = 0.0) -> WindowLimiter:
    return WindowLimiter(limit, window, margin=margin, monotonic=time.monotonic, sleep=time.sleep)


async def _acquire_all(time: FakeTime, limiter: WindowLimiter, count: int) -> list[float]:
    times: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        times.append(time.now)

    await asyncio.gather(*(one() for _ in range(count)))
    return times


def _most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + window - EPSILON) for start in ordered)


@pytest.mark.parametrize(
    ("limit", "window", "count"),
    [(50, 1.0, 500), (20, 1.0, 61), (50, 60.0, 120)],
    ids=["discord", "scaled", "slack-tier3"],
)
async def test_no_window_ever_holds_more_than_the_limit_and_the_limit_is_used(
    limit: int, window: float, count: int
) -> None:
    time = FakeTime()
    limiter = _limiter(time, limit, window)
    times = await time.run(_acquire_all(time, limiter, count))
    assert len(times) == count
    assert _most_in_any_window(times, window) == limit
    # As fast as allowed: request k passes as soon as the window allows it.
    assert sorted(times)[-1] == pytest.approx(((count - 1) // limit) * window)


async def test_the_margin_widens_each_window() -> None:
    time = FakeTime()
    limiter = _limiter(time, 10, 1.0, margin=0.05)
    times = await time.run(_acquire_all(time, limiter, 21))
    assert sorted(times)[10] == pytest.approx(1.05) and sorted(times)[20] == pytest.approx(2.10)
    assert _most_in_any_window(times, 1.05) == 10


async def test_a_pause_holds_every_acquirer_until_it_ends() -> None:
    time = FakeTime()
    limiter = _limiter(time, 50, 1.0)
    await time.run(_acquire_all(time, limiter, 1))
    limiter.pause(2.5)  # a global 429's Retry-After
    times = await time.run(_acquire_all(time, limiter, 5))
    assert times == pytest.approx([2.5] * 5)


async def test_an_idle_limiter_can_be_forgotten_a_busy_one_cannot() -> None:
    time = FakeTime()
    limiter = _limiter(time, 1, 1.0)
    assert limiter.idle()
    await time.run(_acquire_all(time, limiter, 1))
    assert not limiter.idle()  # its last request still counts
    time.now = 1.0
    assert limiter.idle()


async def test_one_limiter_per_token_and_name_in_the_process() -> None:
    made: list[WindowLimiter] = []

    def make() -> WindowLimiter:
        made.append(WindowLimiter(50, 1.0))
        return made[-1]

    first = shared("token-a", "global", make)
    assert shared("token-a", "global", make) is first
    assert shared("token-b", "global", make) is not first
    assert shared("token-a", "other", make) is not first
    assert len(made) == 3
