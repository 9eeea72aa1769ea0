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
import hashlib
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

__all__ = ["WindowLimiter", "shared"]


class WindowLimiter:
    """At most ``limit`` acquisitions in any ``window`` (+ ``margin``) seconds, first come first served."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        margin: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.margin = margin
        self._monotonic = monotonic
        self._sleep = sleep
        self._stamps: deque[float] = deque(maxlen=limit)
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting, in total (for benchmarks and logs)

    @property
    def rate(self) -> float:
        """Requests per second it lets through at most, on average."""
        return self.limit / self.window

    def delay(self) -> float:
        """Seconds until the next acquisition may pass (0: now)."""
        now = self._monotonic()
        wait = self._paused_until - now
        if len(self._stamps) >= self.limit:
            wait = max(wait, self._stamps[0] + self.window + self.margin - now)
        return max(0.0, wait)

    async def acquire(self) -> None:
        async with self._lock:
            while (wait := self.delay()) > 0:
                self.waited += wait
                await self._sleep(wait)
            self._stamps.append(self._monotonic())

    def idle(self) -> bool:
        """Nothing waiting and nothing counted any more: forgetting it changes nothing."""
        now = self._monotonic()
        return (
            not self._lock.locked()
            and now >= self._paused_until
            and (not self._stamps or self._stamps[-1] + self.window + self.margin <= now)
        )

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
