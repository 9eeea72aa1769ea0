"""What the adapters count for the bot's ``/metrics`` (they do not import the bot).

prometheus_client's default registry is process-wide: the bot's endpoint serves these beside
its own metrics. Labels are bounded: a platform name and a scope (``global`` or ``route`` on
Discord, the Web API method's tier on Slack).
"""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["RATE_LIMITED", "rate_limited"]

RATE_LIMITED = Counter(
    "cohortbot_platform_rate_limited",
    "429 answers from a platform (each one also pauses the senders behind the same limiter).",
    ["platform", "scope"],
)


def rate_limited(platform: str, scope: str) -> None:
    RATE_LIMITED.labels(platform=platform, scope=scope).inc()
