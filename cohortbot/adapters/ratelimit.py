"""Client-side rate limits: at most N requests in any window, shared by every sender per token.

Discord and Slack count requests per bot token (Discord's global 50/s; Slack's per-method
tiers per workspace), so every sender in the process holding that token must draw from one
limiter: :func:`shared` hands out one :class:`WindowLimiter` per (token, limit name) and event
loop. A limiter admits at most ``limit`` requests in any ``window`` seconds (a sliding-window
log, which also keeps under a fixed window of the same size), in arrival order, and can be
paused for a platform's ``Retry-After``. ``margin`` widens the window a little on the client,
because the platform counts a request when it arrives, not when it leaves.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import itertools
import math
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

__all__ = ["WindowLimiter", "shared"]


class WindowLimiter:
    """At most ``limit`` acquisitions in any ``window`` (+ ``margin``) seconds, first come first served.

    A request counts from the moment it is let through. By default its window starts then
    (plus ``margin``, as the platform counts it a little later). ``acquire(until_answered=True)``
    instead keeps it counted until ``answered(ticket)`` and starts its window at the answer:
    the platform received the request before it answered, so a window counted from the answer
    holds every window the platform counts, whatever the request's time in transit or on a
    busy event loop, with no margin at all. A ticket never answered is taken as answered
    ``stale_after`` seconds after it was let through (a slot is never lost for good).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        margin: float = 0.0,
        stale_after: float = 120.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.margin = margin
        self.stale_after = stale_after
        self._monotonic = monotonic
        self._sleep = sleep
        self._stamps: list[float] = []  # when each counted request's window started, ascending
        self._open: dict[int, float] = {}  # ticket -> when it was let through, awaiting its answer
        self._tickets = itertools.count(1)
        self._answer = asyncio.Event()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting, in total (for benchmarks and logs)

    @property
    def rate(self) -> float:
        """Requests per second it lets through at most, on average."""
        return self.limit / self.window

    def _expire(self, now: float) -> None:
        for ticket, at in list(self._open.items()):
            if at + self.stale_after <= now:
                del self._open[ticket]
                bisect.insort(self._stamps, at + self.stale_after)
        span = self.window + self.margin
        drop = bisect.bisect_right(self._stamps, now - span)
        if drop:
            del self._stamps[:drop]

    def delay(self) -> float:
        """Seconds until the next acquisition may pass (0: now; ``inf``: when an answer comes)."""
        now = self._monotonic()
        self._expire(now)
        wait = self._paused_until - now
        over = len(self._open) + len(self._stamps) - self.limit + 1
        if over > len(self._stamps):  # the window is full of requests still waiting for an answer
            return math.inf
        if over > 0:
            wait = max(wait, self._stamps[over - 1] + self.window + self.margin - now)
        return max(0.0, wait)

    async def acquire(self, *, until_answered: bool = False) -> int:
        """Wait for room in the window; the request's ticket (for ``answered``)."""
        async with self._lock:
            while (wait := self.delay()) > 0:
                if math.isinf(wait):  # until an answer, or until the oldest ticket is stale
                    self._answer.clear()
                    started = self._monotonic()
                    stale = min(self._open.values()) + self.stale_after - started
                    waiters = [asyncio.ensure_future(self._answer.wait()),
                               asyncio.ensure_future(self._sleep(max(0.0, stale)))]
                    try:
                        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for waiter in waiters:
                            waiter.cancel()
                    self.waited += self._monotonic() - started
                    continue
                self.waited += wait
                await self._sleep(wait)
            now = self._monotonic()
            ticket = next(self._tickets)
            if until_answered:
                self._open[ticket] = now
            else:
                bisect.insort(self._stamps, now)
            return ticket

    def answered(self, ticket: int) -> None:
        """The platform answered request ``ticket`` (or it failed): its window starts now."""
        if self._open.pop(ticket, None) is not None:
            bisect.insort(self._stamps, self._monotonic())
            self._answer.set()

    def idle(self) -> bool:
        """Nothing waiting and nothing counted any more: forgetting it changes nothing."""
        now = self._monotonic()
        self._expire(now)
        return not self._lock.locked() and now >= self._paused_until and not self._open and not self._stamps

    def pause(self, seconds: float) -> None:
        """Let nothing through for ``seconds`` (the platform's ``Retry-After`` after a 429)."""
        self._paused_until = max(self._paused_until, self._monotonic() + max(0.0, seconds))


L = TypeVar("L")
_Registry = dict[tuple[str, str], object]
_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Registry] = weakref.WeakKeyDictionary()


def shared(token: str, name: str, make: Callable[[], L]) -> L:
    """The process's one limiter (or set of them) ``name`` for ``token``, made by ``make`` on first use.

    Per event loop too: an asyncio lock belongs to one loop, and a process runs the bot on one.
    The token is kept only as a digest.
    """
    registry = _SHARED.setdefault(asyncio.get_running_loop(), {})
    key = (hashlib.sha256(token.encode()).hexdigest(), name)
    if key not in registry:
        registry[key] = make()
    return cast(L, registry[key])
