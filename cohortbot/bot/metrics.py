"""The bot's Prometheus metrics, and the small calls that record them.

Every metric lives in prometheus_client's default registry (with the process collector's
memory, CPU and file descriptors), served by ``cohortbot/bot/http.py`` at ``/metrics``.
Labels come from bounded sets only — event class names, action kinds, platform names, lanes,
outcomes — never a community, member or channel id, so the number of series stays small
whatever the bot serves. The 429s the platforms answer are counted by the adapters
(``cohortbot/adapters/metrics.py``: adapters do not import the bot).

The outbox gauges are set when ``/metrics`` is scraped (:func:`refresh_outbox`), from one
cheap query in a unit of work of its own: a scrape never waits for the decider.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from cohortbot.playbook.events import Event

__all__ = [
    "ACTIONS",
    "BATCH_SIZE",
    "DECISIONS",
    "DELIVERY_LATENCY",
    "EVENTS_IN",
    "FALLBACKS",
    "LANES",
    "LATENESS",
    "OUTBOX_OLDEST",
    "OUTBOX_PARKED",
    "OUTBOX_PENDING",
    "WAITING",
    "action_outcome",
    "batch_decided",
    "batch_fell_back",
    "decided",
    "decision_failed",
    "delivered",
    "event_in",
    "fired",
    "refresh_outbox",
    "waiting",
]

EVENTS_IN = Counter(
    "cohortbot_events_in", "Events handed to the decider, by event type.", ["type"]
)
DECISIONS = Counter(
    "cohortbot_decisions",
    "Events decided, by event type and outcome (processed; duplicate: the inbox knew its id; "
    "skipped: its claim said no, e.g. an occurrence another process fired; failed: it could not "
    "be decided even alone, e.g. the database did not answer).",
    ["type", "outcome"],
)
BATCH_SIZE = Histogram(
    "cohortbot_decision_batch_size",
    "Events decided together in one transaction.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
FALLBACKS = Counter(
    "cohortbot_decision_fallbacks",
    "Batches that failed and were decided again event by event, each step isolated.",
)
WAITING = Gauge(
    "cohortbot_decision_waiting",
    "Events waiting to be decided, by lane (interactive first, then live, then backfill).",
    ["lane"],
)
ACTIONS = Counter(
    "cohortbot_actions",
    "Delivery outcomes by action kind: delivered, failed (to be retried) or parked (given up).",
    ["kind", "outcome"],
)
DELIVERY_LATENCY = Histogram(
    "cohortbot_delivery_latency_seconds",
    "From an action's decision (its outbox row's creation) to its delivery, by platform.",
    ["platform"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600),
)
LATENESS = Histogram(
    "cohortbot_scheduler_lateness_seconds",
    "How long after its moment a schedule occurrence or a timer was fired, by what fired.",
    ["source"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
OUTBOX_PENDING = Gauge("cohortbot_outbox_pending", "Outbox rows waiting for delivery (read at scrape).")
OUTBOX_PARKED = Gauge("cohortbot_outbox_parked", "Outbox rows given up on, shown in /cohort status.")
OUTBOX_OLDEST = Gauge(
    "cohortbot_outbox_oldest_pending_age_seconds",
    "Age of the oldest pending outbox row (0 when none is pending; read at scrape).",
)

LANES = ("interactive", "live", "backfill")
for _lane in LANES:
    WAITING.labels(lane=_lane)   # every lane shows, at 0, before its first event


# The labelled children on the per-event path, found once per event class (a label lookup
# costs more than the increment: it showed at thousands of events per second).
_IN: dict[type[Event], Any] = {}
_DECIDED: dict[tuple[type[Event], str], Any] = {}


def event_in(event: Event) -> None:
    kind = type(event)
    child = _IN.get(kind)
    if child is None:
        child = _IN[kind] = EVENTS_IN.labels(type=kind.__name__)
    child.inc()


def decided(event: Event, *, processed: bool, duplicate: bool) -> None:
    outcome = "processed" if processed else "duplicate" if duplicate else "skipped"
    key = (type(event), outcome)
    child = _DECIDED.get(key)
    if child is None:
        child = _DECIDED[key] = DECISIONS.labels(type=key[0].__name__, outcome=outcome)
    child.inc()


def decision_failed(event: Event) -> None:
    DECISIONS.labels(type=type(event).__name__, outcome="failed").inc()


def batch_decided(size: int) -> None:
    BATCH_SIZE.observe(size)


def batch_fell_back() -> None:
    FALLBACKS.inc()


def waiting(interactive: int, live: int, backfill: int) -> None:
    for lane, count in zip(LANES, (interactive, live, backfill), strict=True):
        WAITING.labels(lane=lane).set(count)


def action_outcome(kind: str, outcome: str) -> None:
    """``outcome``: delivered, failed or parked."""
    ACTIONS.labels(kind=kind, outcome=outcome).inc()


def delivered(kind: str, platform: str, *, created_at: datetime | None, now: datetime) -> None:
    ACTIONS.labels(kind=kind, outcome="delivered").inc()
    if created_at is not None:
        DELIVERY_LATENCY.labels(platform=platform).observe(max(0.0, (now - created_at).total_seconds()))


def fired(source: str, *, due: datetime, now: datetime) -> None:
    """A schedule occurrence (``source="schedule"``) or a timer fired ``now``, due at ``due``."""
    LATENESS.labels(source=source).observe(max(0.0, (now - due).total_seconds()))


async def refresh_outbox(unit_of_work: Callable[[], Any], now: datetime) -> None:
    """Set the outbox gauges from one query (a unit of work of its own, nothing written)."""
    async with unit_of_work() as uow:
        backlog = await uow.outbox.backlog()
    OUTBOX_PENDING.set(backlog.pending)
    OUTBOX_PARKED.set(backlog.parked)
    oldest = backlog.oldest_pending
    OUTBOX_OLDEST.set(max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
