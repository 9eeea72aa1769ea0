"""Discord's rate limits, as the fake enforces them when a test asks (``FakeDiscord.limits``).

- **Global**: at most ``global_limit`` requests in any ``global_window`` seconds per bot token
  (a sliding window, the strictest reading of "50 requests per second"); interaction
  callbacks and webhooks are exempt, as on Discord. Beyond it: a 429 with
  ``X-RateLimit-Global: true``, ``X-RateLimit-Scope: global``, ``Retry-After`` and a JSON
  ``{"global": true, "retry_after": ...}``.
- **Per route**: each route template belongs to a bucket (``X-RateLimit-Bucket``, shared by
  the routes mapped to it) counted per major parameter (channel, guild, webhook), a fixed
  window opened by its first request. Every answer carries ``X-RateLimit-Limit``,
  ``-Remaining``, ``-Reset``, ``-Reset-After`` and ``-Bucket``; beyond the limit a 429 with
  ``X-RateLimit-Scope: user`` and the same headers.

Every 429 is counted in ``rate_limited`` by bucket ("global" or "<bucket>:<major>").
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DiscordLimits", "Verdict"]

MESSAGES = "POST /channels/{channel_id}/messages"
OPEN_DM = "POST /users/@me/channels"
_MAJOR = ("channel_id", "guild_id", "webhook_id", "application_id")
_EXEMPT = ("/interactions/", "/webhooks/")


@dataclass
class Verdict:
    """What the limits say about one request: refused (``status`` 429) or let through."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass
class _Window:
    count: int = 0
    reset_at: float = 0.0


@dataclass
class DiscordLimits:
    global_limit: int = 50
    global_window: float = 1.0
    # route template -> (limit, window seconds), per major parameter. Messages: 5 per 5 s per
    # channel, like Discord; every other route: ``default_route``.
    routes: dict[str, tuple[int, float]] = field(default_factory=lambda: {MESSAGES: (5, 5.0)})
    default_route: tuple[int, float] = (50, 1.0)
    clock: Callable[[], float] = time.monotonic
    rate_limited: Counter[str] = field(default_factory=Counter)
    passed: int = 0  # requests counted toward the global limit and let through
    first_at: float | None = None  # when the first of them arrived
    last_at: float | None = None
    _global: deque[float] = field(default_factory=deque)
    _windows: dict[str, _Window] = field(default_factory=dict)

    @staticmethod
    def bucket_of(route: str) -> str:
        return hashlib.sha256(route.encode()).hexdigest()[:16]

    def check(self, route: str, path: str, match: dict[str, str]) -> Verdict:
        """Count a request arriving now; a 429 verdict if it is over a limit."""
        now = self.clock()
        if not any(part in path for part in _EXEMPT):
            while self._global and self._global[0] <= now - self.global_window:
                self._global.popleft()
            if len(self._global) >= self.global_limit:
                wait = self._global[0] + self.global_window - now
                self.rate_limited["global"] += 1
                headers = {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
                return self._refusal(wait, headers, is_global=True)
        limit, window = self.routes.get(route, self.default_route)
        bucket = self.bucket_of(route)
        major = "+".join(match[k] for k in _MAJOR if k in match)
        key = f"{bucket}:{major}"
        state = self._windows.setdefault(key, _Window())
        if now >= state.reset_at:
            state.count, state.reset_at = 0, now + window
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Reset-After": f"{max(0.0, state.reset_at - now):.3f}",
            "X-RateLimit-Reset": f"{time.time() + state.reset_at - now:.3f}",
        }
        if state.count >= limit:
            self.rate_limited[key] += 1
            return self._refusal(state.reset_at - now, {**headers, "X-RateLimit-Remaining": "0",
                                                        "X-RateLimit-Scope": "user"}, is_global=False)
        state.count += 1
        if not any(part in path for part in _EXEMPT):
            self._global.append(now)
            self.passed += 1
            self.first_at = now if self.first_at is None else self.first_at
            self.last_at = now
        return Verdict(200, {**headers, "X-RateLimit-Remaining": str(limit - state.count)})

    @staticmethod
    def _refusal(wait: float, headers: dict[str, str], *, is_global: bool) -> Verdict:
        wait = max(0.001, wait)
        body = {"message": "You are being rate limited.", "retry_after": round(wait, 3), "global": is_global}
        return Verdict(429, {**headers, "Retry-After": f"{wait:.3f}", "Via": "1.1 google"}, body)
