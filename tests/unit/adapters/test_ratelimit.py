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


async def test_a_request_held_until_answered_starts_its_window_at_the_answer() -> None:
    # Discord counts a request when it arrives, somewhere between sending and answering: a
    # window started at the answer holds every window Discord can count, whatever the transit.
    time = FakeTime()
    limiter = _limiter(time, 2, 1.0)
    passed: list[float] = []

    async def request(answer_after: float) -> None:
        ticket = await limiter.acquire(until_answered=True)
        passed.append(time.now)
        await time.sleep(answer_after)
        limiter.answered(ticket)

    await time.run(asyncio.gather(request(0.3), request(0.5), request(0.0)))
    # The third waits for an answer, then for the second after it (not for 1.0 after sending).
    assert passed == pytest.approx([0.0, 0.0, 1.3])


async def test_a_ticket_never_answered_frees_its_place_once_stale() -> None:
    time = FakeTime()
    limiter = WindowLimiter(1, 1.0, stale_after=5.0, monotonic=time.monotonic, sleep=time.sleep)
    await time.run(limiter.acquire(until_answered=True))  # its answer is lost
    assert limiter.delay() == float("inf")
    await time.run(limiter.acquire())
    assert time.now == pytest.approx(6.0)  # counted as answered 5 s after it left
    limiter.answered(12345)  # an unknown (or already answered) ticket changes nothing
    assert limiter.delay() == pytest.approx(1.0)
