"""The deliverer: pending outbox rows -> adapter.perform, with retries, pacing and parking.

A ``BuildReport`` row goes to the reports job (``bot/reports_job.py``) instead, which builds
the report and performs its answer through the adapter; it runs beside the delivery rounds
(a report takes seconds: the other rows are not held behind it), under its row's lease. A
``RunSetup`` row (``/cohort setup``, ``status``'s checks) goes to the setup job
(``bot/setup_job.py``) the same way.

Nothing is ever dropped: a delivery that keeps failing is *parked* with its last error, shown
in ``/cohort status``, and can be re-queued. A refused DM falls back to a mention in the
action's fallback channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
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
from cohortbot.bot.outcomes import OutcomeWriter
from cohortbot.bot.pacing import MAX_COST, Pacer, backoff
from cohortbot.playbook.actions import (
    Action,
    BuildReport,
    PostMessage,
    RunSetup,
    SendDirectMessage,
    SendGroupMessage,
)
from cohortbot.playbook.events import ActionDelivered, Event
from cohortbot.playbook.ports import Clock, DeliveryScope, OutboxItem
from cohortbot.playbook.refs import Platform

__all__ = ["MAX_COST", "Deliverer", "Pacer", "backoff"]

log = logging.getLogger("cohortbot.deliverer")
UowFactory = Callable[[], Any]


class Reports(Protocol):
    """Performs a ``BuildReport``: builds the report and sends it through ``adapter``."""

    async def perform(self, action: BuildReport, adapter: PlatformAdapter, *, resumed: bool) -> Delivered: ...


class Setup(Protocol):
    """Performs a ``RunSetup``: looks at the community's server or workspace, answers through ``adapter``."""

    async def perform(self, action: RunSetup, adapter: PlatformAdapter, *, resumed: bool) -> Delivered: ...


# Rows performed by the bot's own jobs, beside the delivery rounds (seconds each).
_JOBS = (BuildReport, RunSetup)


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
        window: int | None = None,
        concurrency: int = 8,
        lease_seconds: float = 120.0,
        max_attempts: int = 8,
        poll_seconds: float = 2.0,
        rates: Mapping[Platform, float] | None = None,
        pacer: Callable[[float], Pacer] = Pacer,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._uow = unit_of_work
        self._outcomes = OutcomeWriter(unit_of_work)  # outcomes waiting together: one transaction
        self.adapters = dict(adapters)
        self.clock = clock
        self.feedback = feedback
        self.batch_size = batch_size
        # The background pipeline (``run``): rows in flight at most, and claimed in lots of at
        # least ``refill`` (one claim per row done would be a write transaction per row).
        self.window = window if window is not None else 2 * batch_size
        self.refill = max(1, self.window // 4)
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
        self.setup: Setup | None = None  # who performs RunSetup rows
        self._jobs: set[asyncio.Task[None]] = set()
        self._claimed_at: dict[Any, datetime] = {}  # outbox row id -> when this process claimed it

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
        """Deliver until ``stop`` is set, as a pipeline; the rows in flight are always finished.

        Up to ``window`` claimed rows are in flight at once, and more are claimed as soon as
        ``refill`` of them are done, not when the slowest row of a round is: a platform's
        limiter always has requests waiting while the outbox holds due rows. While rows are in
        flight the pipeline holds the round lock, so ``drain`` waits for them (the rows it then
        claims are never the ones still being delivered here).
        """
        flight: set[asyncio.Task[None]] = set()
        holding = more = False  # more: the last claim filled the room (more rows are due)
        try:
            while not stop.is_set():
                if holding and not flight:
                    self._round.release()
                    holding = False
                room = self.window - len(flight)
                if room >= self.refill or not flight:
                    if not holding:
                        await self._round.acquire()
                        holding = True
                    self._wake.clear()  # a decision from now on wakes the next claim
                    try:
                        items = await self._claim(room)
                    except Exception:
                        log.exception("claiming deliveries failed; retrying shortly")
                        items = []
                    for item in self._start_reports(items):
                        task = asyncio.create_task(self._guarded(item), name=f"deliver {item.action.key}")
                        flight.add(task)
                        task.add_done_callback(lambda done: _finished(done, flight))
                    more = len(items) == room
                    if more and not flight:
                        continue  # only reports: they run beside; claim on
                if holding and not flight:
                    # Nothing in flight: let ``drain`` (the console between inputs) in at once,
                    # not after the poll.
                    self._round.release()
                    holding = False
                # More is due: claim again once ``refill`` rows are done. The outbox ran dry:
                # wait for a decision, the poll, or the last row in flight (to let go of the lock).
                waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(stop.wait())]
                if more:
                    waiters.extend(flight)
                    timeout: float | None = None
                else:
                    waiters.append(asyncio.ensure_future(self._wake.wait()))
                    if flight:
                        waiters.append(asyncio.ensure_future(asyncio.wait(set(flight))))
                    timeout = self.poll_seconds
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    if not isinstance(waiter, asyncio.Task) or waiter not in flight:
                        waiter.cancel()
        except asyncio.CancelledError:  # stopped past the grace: as the rounds' gather would
            for task in flight:
                task.cancel()
            raise
        finally:
            if flight:
                await asyncio.wait(set(flight))
            if holding:
                self._round.release()
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
        """One round: claim up to ``batch_size`` due rows and deliver them all."""
        async with self._round:
            items = await self._claim(self.batch_size)
            rest = self._start_reports(items)
            if rest:
                await asyncio.gather(*(self._guarded(item) for item in rest))
            return len(items)

    async def _claim(self, limit: int) -> list[OutboxItem]:
        now = self.clock.now()
        async with self._uow() as uow:
            items: list[OutboxItem] = await uow.outbox.claim_due(
                now, limit=limit, lease_seconds=self.lease_seconds, scope=self.scope()
            )
            await uow.commit()
        self._claimed_at.update((item.id, now) for item in items)
        return items

    def _start_reports(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """Start the reports among ``items`` (each runs beside, its row leased); the rest."""
        for item in items:
            if isinstance(item.action, _JOBS):
                job = asyncio.create_task(self._guarded(item), name=f"report {item.action.key}")
                self._jobs.add(job)
                job.add_done_callback(self._jobs.discard)
        return [item for item in items if not isinstance(item.action, _JOBS)]

    async def finish_reports(self) -> None:
        """Wait for the reports in flight (each records its own outcome)."""
        while self._jobs:
            await asyncio.gather(*self._jobs)

    def _gate(self, platform: Platform) -> asyncio.Semaphore:
        gate = self._gates.get(platform)
        if gate is None:
            # A platform whose adapter keeps the rate itself may ask for more slots (Discord:
            # enough requests waiting to use a window that reopens after a busy loop); one by
            # one (concurrency 1, the console's order) stays one by one.
            wanted = getattr(self.adapters.get(platform), "deliveries_in_flight", None)
            slots = max(self.concurrency, wanted) if wanted and self.concurrency > 1 else self.concurrency
            gate = self._gates[platform] = asyncio.Semaphore(slots)
        return gate

    async def _guarded(self, item: OutboxItem) -> None:
        # The gate holds the platform's requests only: the outcome is written after it, so a
        # slot frees as soon as the platform has answered (not after a database commit).
        async with self._gate(item.action.community.platform):
            claimed = self._claimed_at.pop(item.id, None)
            if claimed is not None and (self.clock.now() - claimed).total_seconds() > self.lease_seconds / 2:
                # A slow platform's slots were taken that long: with half its lease gone the
                # row is left to its next claim, never performed while it may be claimed again.
                log.info("%s waited past half its lease for a slot; left for its next claim", item.action.key)
                return
            record = await self._attempt(item)
        await record()

    async def _attempt(self, item: OutboxItem) -> Callable[[], Awaitable[None]]:
        """Perform ``item``'s action; what writes the outcome (success, retry or parking)."""
        action = item.action
        adapter = self.adapters.get(action.community.platform)
        attempt = item.attempts + 1
        if adapter is None:
            missing = f"the {action.community.platform} adapter is not running"
            return lambda: self._failed(item, missing, retry=True)
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
            error, retry, after = str(exc), attempt < self.max_attempts, exc.retry_after
            return lambda: self._failed(item, error, retry=retry, retry_after=after)
        except PermanentDeliveryError as exc:
            error = str(exc)
            return lambda: self._failed(item, error, retry=False)
        except Exception as exc:  # an adapter bug must not lose the action: retry, then park
            log.exception("unexpected error delivering %s", action.key)
            error, retry = f"{type(exc).__name__}: {exc}", attempt < self.max_attempts
            return lambda: self._failed(item, error, retry=retry)
        return lambda: self._succeeded(item, result, fallback_used)

    async def _perform(self, adapter: PlatformAdapter, action: Action, *, resumed: bool) -> Delivered:
        pacer = self._pacers.get(action.community.platform)
        if pacer is not None:
            # A DM to an uncached channel costs two requests (open + send): charge for both.
            await pacer.acquire(MAX_COST if isinstance(action, SendDirectMessage) else 1.0)
        if isinstance(action, BuildReport):
            if self.reports is None:
                raise RetryableDeliveryError("this process builds no reports")
            return await self.reports.perform(action, adapter, resumed=resumed)
        if isinstance(action, RunSetup):
            if self.setup is None:
                raise RetryableDeliveryError("this process runs no setup")
            return await self.setup.perform(action, adapter, resumed=resumed)
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
        await self._outcomes.write(write)

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


def _finished(task: asyncio.Task[None], flight: set[asyncio.Task[None]]) -> None:
    flight.discard(task)
    if not task.cancelled() and task.exception() is not None:  # outcomes are caught: a bug
        log.error("a delivery task failed", exc_info=task.exception())


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
