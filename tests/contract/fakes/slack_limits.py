"""Slack's Web API rate limits, as the fake enforces them when a test asks (``FakeSlack.limits``).

Each method has its tier (Slack's documentation: Tier 1 1/min, Tier 2 20/min, Tier 3 50/min,
Tier 4 100/min per workspace), counted in a sliding ``minute``; ``chat.postMessage`` allows one
message a second per channel. Beyond a limit: HTTP 429, ``{"ok": false, "error":
"ratelimited"}`` and ``Retry-After`` in whole seconds, as Slack answers. ``minute`` scales the
clock down for tests (the per-channel second shrinks with it). Every 429 is counted in
``rate_limited`` by bucket ("<method>" or "<method>:<channel>").
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["SlackLimits"]

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
TIER_OF = {
    "conversations.list": 2,
    "usergroups.list": 2,
    "usergroups.users.update": 2,
    "pins.add": 2,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "reactions.add": 3,
    "users.lookupByEmail": 3,
    "users.info": 4,
    "views.open": 4,
    "auth.test": 4,
}
PER_CHANNEL_SECOND = frozenset({"chat.postMessage"})
UNLIMITED = frozenset({"apps.connections.open"})


@dataclass
class SlackLimits:
    minute: float = 60.0
    clock: Callable[[], float] = time.monotonic
    rate_limited: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)  # by method
    _arrivals: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, method: str, channel: str) -> float | None:
        """Count a call arriving now; the ``Retry-After`` seconds when it is over its limit."""
        if method in UNLIMITED:
            return None
        if method in PER_CHANNEL_SECOND:
            bucket, limit, window = f"{method}:{channel}", 1, self.minute / 60.0
        else:
            bucket, limit, window = method, TIER_PER_MINUTE[TIER_OF.get(method, 3)], self.minute
        now = self.clock()
        arrivals = self._arrivals.setdefault(bucket, deque())
        while arrivals and arrivals[0] <= now - window:
            arrivals.popleft()
        if len(arrivals) >= limit:
            self.rate_limited[bucket] += 1
            return float(max(1, math.ceil(arrivals[0] + window - now)))
        arrivals.append(now)
        self.passed[method] += 1
        return None
