"""The deliverer's own pacing: a token bucket per platform, and the backoff between retries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["MAX_COST", "Pacer", "backoff"]

MAX_COST = 2.0  # a DM to an uncached channel: open + send


def backoff(attempt: int, *, base: float = 2.0, cap: float = 900.0) -> float:
    """Seconds before retry number ``attempt`` (1-based): 2, 4, 8 ... capped at 15 min."""
    return float(min(cap, base * 2 ** (attempt - 1)))


class Pacer:
    """A token bucket per platform: stays under a platform's global request rate.

    ``rate`` requests per second on average; a burst of up to ``capacity`` requests passes at
    once (``burst``, by default one second's worth, and never less than ``MAX_COST``).
    ``monotonic`` and ``sleep`` are the clock it reads and how it waits (tests pass fakes).
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        # At least the dearest single request (a DM costs 2), or a slow platform would wait forever.
        self.capacity = max(MAX_COST, burst if burst is not None else rate)
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self, cost: float = 1.0) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= cost:
                    self._tokens -= cost
                    return
                await self._sleep((cost - self._tokens) / self.rate)
