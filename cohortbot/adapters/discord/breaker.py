"""A circuit breaker for direct messages.

Refused DMs (403 / 50007) count toward Discord's invalid-request limit (10,000 per 10 minutes
gets the bot's IP banned for an hour). When refusals spike — a raid of accounts with DMs
closed, a broken welcome — stop attempting DMs for a while and fail fast instead.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int,
        window: float,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.cooldown = cooldown
        self._clock = clock
        self._failures: deque[float] = deque()
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return self._clock() < self._open_until

    def record_failure(self) -> None:
        now = self._clock()
        self._failures.append(now)
        while self._failures and self._failures[0] <= now - self.window:
            self._failures.popleft()
        if len(self._failures) >= self.threshold:
            self._open_until = now + self.cooldown
            self._failures.clear()

    def record_success(self) -> None:
        # A delivered DM says nothing about the next refusal spike: keep the window as is.
        pass
