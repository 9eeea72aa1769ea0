"""The deliverer: pending outbox rows -> adapter.perform, with retries, pacing and parking.

A ``BuildReport`` row goes to the reports job (``bot/reports_job.py``) instead, which builds
the report and performs its answer through the adapter; it runs beside the delivery rounds
(a report takes seconds: the other rows are not held behind it), under its row's lease.

Nothing is ever dropped: a delivery that keeps failing is *parked* with its last error, shown
in ``/cohort status``, and can be re-queued. A refused DM falls back to a mention in the
action's fallback channel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol

from cohortbot.adapters.base import (
    Delivered,
    DirectMessageRefused,
    PermanentDeliveryError,
    PlatformAdapter,
    RetryableDeliveryError,
)
from cohortbot.bot import metrics
from cohortbot.bot.decider import Claim
from cohortbot.playbook.actions import Action, BuildReport, PostMessage, SendDirectMessage, SendGroupMessage
from cohortbot.playbook.events import ActionDelivered, Event
from cohortbot.playbook.ports import Clock, DeliveryScope, OutboxItem
from cohortbot.playbook.refs import Platform

__all__ = ["Deliverer", "Pacer", "backoff"]

log = logging.getLogger("cohortbot.deliverer")
UowFactory = Callable[[], Any]


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


class Reports(Protocol):
    """Performs a ``BuildReport``: builds the report and sends it through ``adapter``."""

    async def perform(self, action: BuildReport, adapter: PlatformAdapter, *, resumed: bool) -> Delivered: ...


class Feedback(Protocol):
    """Decide on a delivery's feedback event in the transaction where ``claim`` writes its outcome."""

    async def __call__(self, event: Event, *, claim: Claim) -> object: ...


class Deliverer:
    def __init__(
        self,
        unit_of_work: UowFactory,
        adapters: Mapping[Platform, PlatformAdapter],
        clock: Clock,
        *,
        feedback: Feedback | None = None,
        batch_size: int = 50,
        concurrency: int = 8,
        lease_seconds: float = 120.0,
        max_attempts: int = 8,
        poll_seconds: float = 2.0,
        rates: Mapping[Platform, float] | None = None,
        pacer: Callable[[float], Pacer] = Pacer,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._uow = unit_of_work
        self.adapters = dict(adapters)
        self.clock = clock
        self.feedback = feedback
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        # One concurrency gate per platform: deliveries waiting for a paced platform (its
        # pacer's tokens, its rate limits) hold that platform's slots only, never another's.
        self.concurrency = concurrency
        self._gates: dict[Platform, asyncio.Semaphore] = {}
        self._wake = asyncio.Event()
        # One delivery round at a time in this process: the console's drain and the
        # background loop must not both work on a row (a simulated clock jump could
        # otherwise expire a lease while its delivery is still in flight).
        self._round = asyncio.Lock()
        # Each platform's rate comes from its registration (cohortbot/adapters/registry.py);
        # ``pacer`` makes a platform's Pacer from its rate (tests pass one on a fake clock).
        self._new_pacer = pacer
        self._sleep = sleep
        self._pacers: dict[Platform, Pacer] = {}
        for platform, rate in (rates or {}).items():
            self.pace(platform, rate)
        self.delivered = 0
        self.failed = 0
        # Who performs BuildReport rows (set by the composition root); the ones in flight.
        self.reports: Reports | None = None
        self._jobs: set[asyncio.Task[None]] = set()

    def pace(self, platform: Platform, rate: float | None) -> None:
        """Let at most ``rate`` requests per second through to ``platform`` (None: unpaced)."""
        if rate:
            self._pacers[platform] = self._new_pacer(rate)
        else:
            self._pacers.pop(platform, None)

    def rate(self, platform: Platform) -> float | None:
        """The requests per second let through to ``platform`` (None: unpaced)."""
        pacer = self._pacers.get(platform)
        return pacer.rate if pacer is not None else None

    def scope(self) -> DeliveryScope:
        """The rows this process may deliver: its platforms, and on each what it serves.

        A Discord shard serves only the servers on its shards; a platform this process does
        not run is left to the process that does.
        """
        return {platform: adapter.served_communities() for platform, adapter in self.adapters.items()}

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; the batch in flight is always finished."""
        while not stop.is_set():
            try:
                done = await self.deliver_due()
            except Exception:
                log.exception("delivery round failed; retrying shortly")
                done = 0
            if done:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        await self.finish_reports()

    async def drain(self, *, rounds: int = 50) -> int:
        """Deliver everything due now (the console waits for this between inputs)."""
        total = 0
        for _ in range(rounds):
            done = await self.deliver_due()
            await self.finish_reports()
            total += done
            if not done:
                break
        return total

    async def deliver_due(self) -> int:
        async with self._round:
            async with self._uow() as uow:
                items = await uow.outbox.claim_due(
                    self.clock.now(),
                    limit=self.batch_size,
                    lease_seconds=self.lease_seconds,
                    scope=self.scope(),
                )
                await uow.commit()
            # A report takes seconds: it runs beside the rounds (its row stays leased).
            for item in items:
                if isinstance(item.action, BuildReport):
                    job = asyncio.create_task(self._guarded(item), name=f"report {item.action.key}")
                    self._jobs.add(job)
                    job.add_done_callback(self._jobs.discard)
            rest = [item for item in items if not isinstance(item.action, BuildReport)]
            if rest:
                await asyncio.gather(*(self._guarded(item) for item in rest))
            return len(items)

    async def finish_reports(self) -> None:
        """Wait for the reports in flight (each records its own outcome)."""
        while self._jobs:
            await asyncio.gather(*self._jobs)

    def _gate(self, platform: Platform) -> asyncio.Semaphore:
        gate = self._gates.get(platform)
        if gate is None:
            gate = self._gates[platform] = asyncio.Semaphore(self.concurrency)
        return gate

    async def _guarded(self, item: OutboxItem) -> None:
        async with self._gate(item.action.community.platform):
            await self._deliver(item)

    async def _deliver(self, item: OutboxItem) -> None:
        action = item.action
        adapter = self.adapters.get(action.community.platform)
        attempt = item.attempts + 1
        if adapter is None:
            await self._failed(item, f"the {action.community.platform} adapter is not running", retry=True)
            return
        fallback_used = False
        try:
            try:
                result = await self._perform(adapter, action, resumed=item.resumed)
            except DirectMessageRefused as refused:
                fallback = _fallback_for(action)
                if fallback is None:
                    raise
                log.info("DM refused (%s) for %s; posting in the fallback channel", refused, action.key)
                result = await self._perform(adapter, fallback, resumed=item.resumed)
                fallback_used = True
        except RetryableDeliveryError as exc:
            await self._failed(item, str(exc), retry=attempt < self.max_attempts, retry_after=exc.retry_after)
            return
        except PermanentDeliveryError as exc:
            await self._failed(item, str(exc), retry=False)
            return
        except Exception as exc:  # an adapter bug must not lose the action: retry, then park
            log.exception("unexpected error delivering %s", action.key)
            await self._failed(item, f"{type(exc).__name__}: {exc}", retry=attempt < self.max_attempts)
            return
        await self._succeeded(item, result, fallback_used)

    async def _perform(self, adapter: PlatformAdapter, action: Action, *, resumed: bool) -> Delivered:
        pacer = self._pacers.get(action.community.platform)
        if pacer is not None:
            # A DM to an uncached channel costs two requests (open + send): charge for both.
            await pacer.acquire(MAX_COST if isinstance(action, SendDirectMessage) else 1.0)
        if isinstance(action, BuildReport):
            if self.reports is None:
                raise RetryableDeliveryError("this process builds no reports")
            return await self.reports.perform(action, adapter, resumed=resumed)
        return await adapter.perform(action, resumed=resumed)

    async def _succeeded(self, item: OutboxItem, result: Delivered, fallback_used: bool) -> None:
        now = self.clock.now()
        record: dict[str, Any] = {"platform_id": result.platform_id, "fallback_used": fallback_used}
        if result.message is not None:
            record["message"] = {"channel": result.message.channel.id, "id": result.message.id}

        async def mark(uow: Any) -> bool:
            await uow.outbox.mark_delivered(item.id, now=now, result=record, erase=item.action.private)
            return True

        action = item.action
        if action.notify and self.feedback is not None:
            # "Delivered" and what the step decides from it commit together: a process killed
            # in between can neither lose the feedback (a prompt's thread) nor record it twice.
            event = ActionDelivered(
                community=action.community,
                occurred_at=now,
                event_id=f"delivered:{action.key}",
                key=action.key,
                kind=action.kind,
                step=action.origin,
                message=result.message,
                platform_id=result.platform_id,
                fallback_used=fallback_used,
            )
            feedback = self.feedback
            recorded = await self._record(item, "delivered", lambda: feedback(event, claim=mark))
        else:
            recorded = await self._record(item, "delivered", lambda: self._in_uow(mark))
        if recorded:
            self.delivered += 1
            metrics.delivered(action.kind, action.community.platform, created_at=item.created_at, now=now)

    async def _failed(
        self, item: OutboxItem, error: str, *, retry: bool, retry_after: float | None = None
    ) -> None:
        now = self.clock.now()
        attempt = item.attempts + 1
        delay = max(backoff(attempt), retry_after or 0.0)
        retry_at = now + timedelta(seconds=delay) if retry else None
        error = error[:500]
        if retry_at is None:
            log.warning("parked %s after %d attempt(s): %s", item.action.key, attempt, error)
        else:
            log.info(
                "delivery of %s failed (attempt %d), retry in %.0fs: %s",
                item.action.key,
                attempt,
                delay,
                error,
            )
        async def mark(uow: Any) -> bool:
            await uow.outbox.mark_failed(item.id, now=now, error=error, retry_at=retry_at)
            return True

        await self._record(item, "failed", lambda: self._in_uow(mark))
        self.failed += 1
        metrics.action_outcome(item.action.kind, "failed" if retry_at is not None else "parked")

    async def _in_uow(self, write: Claim) -> None:
        async with self._uow() as uow:
            await write(uow)
            await uow.commit()

    async def _record(self, item: OutboxItem, outcome: str, attempt: Callable[[], Awaitable[object]]) -> bool:
        """Write a delivery's outcome, retrying while the database does not answer.

        The action already reached the platform (or failed there): forgetting that would send
        it again once its lease runs out. So the outcome is retried for as long as the lease
        lasts; after that the row is redelivered as ``resumed``, which the adapters send
        idempotently (Discord's nonce) or check first (Slack).
        """
        delay, waited = 0.5, 0.0
        while True:
            try:
                await attempt()
                return True
            except Exception as exc:
                if waited + delay >= self.lease_seconds:
                    log.error("could not record %s as %s (%s); it will be redelivered idempotently",
                              item.action.key, outcome, type(exc).__name__)
                    return False
                log.warning("could not record %s as %s (%s: %s); retrying in %.1fs",
                            item.action.key, outcome, type(exc).__name__, str(exc)[:200], delay)
                await self._sleep(delay)
                waited += delay
                delay = min(10.0, delay * 2)


def _fallback_for(action: Action) -> Action | None:
    if isinstance(action, SendDirectMessage) and action.fallback_channel is not None:
        return PostMessage(
            key=f"{action.key}:fallback",
            community=action.community,
            channel=action.fallback_channel,
            message=action.message.prefixed(action.fallback_prefix or f"<@{action.to.id}> "),
        )
    if isinstance(action, SendGroupMessage) and action.fallback_channel is not None:
        mentions = " ".join(f"<@{u.id}>" for u in action.to)
        return PostMessage(
            key=f"{action.key}:fallback",
            community=action.community,
            channel=action.fallback_channel,
            message=replace(action.message, text=f"{mentions}\n{action.message.text}"),
        )
    return None
