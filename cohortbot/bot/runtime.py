"""The running bot: adapters feed events in, the engine decides, the deliverer acts.

``Runtime.process`` is the single path every event takes (platform events, timers, schedule
occurrences, delivery feedback): de-duplicate by event id, decide, and commit the state
changes together with the resulting actions (the transactional outbox) in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.bot.decider import Claim, Decider
from cohortbot.bot.deliverer import Deliverer
from cohortbot.bot.intake import Intake
from cohortbot.bot.scheduler import Scheduler
from cohortbot.playbook.engine import Engine
from cohortbot.playbook.events import Event
from cohortbot.playbook.ports import Clock
from cohortbot.playbook.refs import Platform

__all__ = ["FatalStop", "Runtime"]

log = logging.getLogger("cohortbot.runtime")


class FatalStop(RuntimeError):
    """An adapter or task asked the bot to stop because it cannot go on (the message says why)."""


class Runtime:
    def __init__(
        self,
        *,
        engine: Engine,
        unit_of_work: Callable[[], Any],
        adapters: Mapping[Platform, PlatformAdapter],
        clock: Clock,
        deliver: bool = True,
        shutdown_grace: float = 10.0,
        intake: Intake | None = None,
        driven: bool = False,
    ) -> None:
        self.engine = engine
        self._uow = unit_of_work
        self.adapters = dict(adapters)
        self.clock = clock
        self.deliver = deliver
        self.shutdown_grace = shutdown_grace
        # ``driven``: whoever moves the simulated clock (the console's /advance) also delivers,
        # between its inputs (``settle``); no loop polls beside it, and deliveries go one by
        # one in outbox order, so the same script prints the same output every time.
        self.driven = driven
        self.deliverer = Deliverer(
            unit_of_work, self.adapters, clock, feedback=self.process, concurrency=1 if driven else 8
        )
        self.scheduler = Scheduler(
            unit_of_work=unit_of_work, engine=engine, process=self.process, clock=clock
        )
        self.intake = intake or Intake(self.process, self._store_answers)
        self.stop_requested = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []   # the background tasks while serving (/healthz)
        self.fatal: str | None = None
        # The scheduler is not woken per event: it polls (30 s at most) and timers that events
        # set lie in the future; the deliverer is woken when a decision added actions.
        self.decider = Decider(engine, unit_of_work, clock, on_added=self.deliverer.wake)

    def add_adapter(self, adapter: PlatformAdapter) -> None:
        """Attach an adapter that needs the runtime itself (the console drives time)."""
        self.adapters[adapter.platform] = adapter
        self.deliverer.adapters[adapter.platform] = adapter

    # ------------------------------------------------------------------ events in

    async def submit(self, event: Event) -> None:
        """The adapters' event sink. A malformed event is logged and skipped, never raised.

        The event is stored before this returns, or, while the database does not answer,
        queued in memory to be stored when it does (``cohortbot/bot/intake.py``).
        """
        problem = _malformed(event)
        if problem:
            log.warning("skipped a malformed %s event: %s", type(event).__name__, problem)
            return
        await self.intake.submit(event)

    async def _store_answers(self) -> bool:
        async with self._uow() as uow:
            await uow.outbox.next_due()
        return True

    async def process(self, event: Event, *, claim: Claim | None = None) -> bool:
        """Decide on one event exactly once; True if it was processed (not a duplicate).

        Events waiting together are decided together in one transaction (``decider.py``);
        ``claim`` runs in that transaction first, and the event is skipped if it says no.
        """
        return await self.decider.decide(event, claim=claim)

    @property
    def processed(self) -> int:
        return self.decider.processed

    @property
    def duplicates(self) -> int:
        return self.decider.duplicates

    # ------------------------------------------------------------------ control (console, tests)

    async def settle(self) -> None:
        """Deliver whatever is due now (and whatever that delivery fed back)."""
        if self.deliver:
            await self.deliverer.drain()

    async def advance(self, delta: timedelta) -> int:
        """Move a simulated clock forward, firing every timer and schedule in order."""
        set_time = getattr(self.clock, "set", None)
        if set_time is None:
            raise RuntimeError("this clock cannot be moved")
        target = self.clock.now() + delta
        fired = 0
        while True:
            upcoming = await self.scheduler.next_due()
            if upcoming is None or upcoming > target:
                break
            if upcoming > self.clock.now():
                set_time(upcoming)
            fired += await self.scheduler.run_due()
            await self.settle()
        set_time(target)
        fired += await self.scheduler.run_due()
        await self.settle()
        return fired

    def request_stop(self, fatal: str | None = None) -> None:
        """Stop serving. ``fatal``: why the bot cannot go on (``run`` then raises ``FatalStop``)."""
        if fatal is not None and self.fatal is None:
            log.critical("stopping: %s", fatal)
            self.fatal = fatal
        self.stop_requested.set()

    # ------------------------------------------------------------------ the main loop

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
                loop.add_signal_handler(sig, self.request_stop)
        started: list[PlatformAdapter] = []
        try:
            for platform, adapter in self.adapters.items():
                log.info("starting the %s adapter", platform)
                await adapter.start(self.submit, self.engine.commands())
                started.append(adapter)
            await self._serve()
        finally:
            for adapter in reversed(started):
                try:
                    await adapter.close()
                except Exception:
                    log.exception("closing an adapter failed")
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
        if self.fatal is not None:
            raise FatalStop(self.fatal)

    async def _serve(self) -> None:
        background = asyncio.Event()
        tasks = [asyncio.create_task(self.intake.run(background), name="intake")]
        if self.driven:
            log.info("simulated time: schedules and deliveries move with the session")
        else:
            tasks.append(asyncio.create_task(self.scheduler.run(background), name="scheduler"))
            if self.deliver:
                tasks.append(asyncio.create_task(self.deliverer.run(background), name="deliverer"))
            else:
                log.warning("delivery is off (COHORTBOT_DELIVERY=off): decided actions stay in the outbox")
        self.tasks = tasks
        stopper = asyncio.create_task(self.stop_requested.wait())
        await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():   # a background task must never end on its own: say so, and stop
                failure = None if task.cancelled() else task.exception()
                log.critical("the %s task stopped unexpectedly: stopping the bot", task.get_name(),
                             exc_info=failure)
        log.info("stopping: finishing deliveries in flight and storing buffered events")
        background.set()
        done, pending = await asyncio.wait(tasks, timeout=self.shutdown_grace)
        for task in pending:
            task.cancel()
        self.intake.abandon()
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        stopper.cancel()


def _malformed(event: Event) -> str | None:
    if not event.event_id:
        return "no event_id"
    if event.occurred_at.tzinfo is None:
        return "occurred_at must be timezone-aware"
    if not event.community.id:
        return "no community id"
    return None
