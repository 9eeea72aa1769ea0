"""Intake: every event an adapter acknowledged is stored, even through a database outage.

The adapters acknowledge an event to the platform before the runtime has stored it (Slack
wants its answer within 3 s; Discord's gateway does not wait at all). So when the store
fails, the event must not fail with it: it goes into a bounded in-memory **backlog**, kept in
arrival order, and one replay task stores it as soon as the database answers again, backing
off while it does not (0.5 s, 1 s, 2 s ... at most ``max_delay``).

- While the backlog is not empty, new events queue behind it, so order is kept.
- The backlog is bounded (``limit`` events). When it is full, the sink makes its caller
  wait: back-pressure instead of loss (Slack re-sends what it could not deliver in time,
  with the same event id, which the inbox de-duplicates).
- An event that keeps failing while the store answers is the event's fault, not the
  store's: it is logged with its type and id and skipped after ``poison_after`` attempts, so
  one bad event cannot block the rest.
- The window that remains: events held in the backlog are lost if the process is killed
  (SIGKILL) before the database comes back. A SIGTERM first drains the backlog for the
  runtime's shutdown grace, and logs how many events it could not store. On Discord the
  member catch-up at the next ready re-emits joins (same event ids), so no welcome is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from cohortbot.playbook.events import Event

__all__ = ["Intake"]

log = logging.getLogger("cohortbot.intake")


class Intake:
    def __init__(
        self,
        process: Callable[[Event], Awaitable[object]],
        store_answers: Callable[[], Awaitable[bool]],
        *,
        limit: int = 10_000,
        poison_after: int = 3,
        first_delay: float = 0.5,
        max_delay: float = 10.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._process = process
        self._store_answers = store_answers
        self.limit = limit
        self.poison_after = poison_after
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._monotonic = monotonic
        self._backlog: deque[Event] = deque()
        self._changed = asyncio.Condition()   # the backlog shrank: room for a waiting sink
        self._pending = asyncio.Event()        # the backlog grew: work for the replay task
        self._outage_since: float | None = None
        self.buffered = 0   # events that went through the backlog
        self.skipped = 0    # poison events given up on
        self.peak = 0       # the longest the backlog got

    @property
    def waiting(self) -> int:
        return len(self._backlog)

    async def submit(self, event: Event) -> None:
        """Store ``event`` now, or queue it to be stored once the database is back."""
        if not self._backlog:
            try:
                await self._process(event)
                return
            except Exception as exc:
                self._outage(exc)
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._backlog) < self.limit)
            self._backlog.append(event)
            self.buffered += 1
            self.peak = max(self.peak, len(self._backlog))
        self._pending.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Replay the backlog in order; return once ``stop`` is set and the backlog is empty."""
        while True:
            if not self._backlog:
                if stop.is_set():
                    return
                self._pending.clear()
                waiters = [asyncio.ensure_future(self._pending.wait()), asyncio.ensure_future(stop.wait())]
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                continue
            await self._replay()

    async def _replay(self) -> None:
        delay = self.first_delay
        failures = 0
        while self._backlog:
            event = self._backlog[0]
            try:
                await self._process(event)
            except Exception as exc:
                self._outage(exc)
                if await self._answers():
                    failures += 1
                    if failures >= self.poison_after:
                        log.error(
                            "skipped %s event %s: it failed %d times while the database answers",
                            type(event).__name__, event.event_id, failures, exc_info=exc,
                        )
                        self.skipped += 1
                        await self._done()
                        failures = 0
                        continue
                await self._sleep(delay)
                delay = min(self.max_delay, delay * 2)
                continue
            failures = 0
            delay = self.first_delay
            await self._done()
        if self._outage_since is not None:
            log.warning(
                "the database is back: stored the events buffered during %.0fs of outage (%d in all)",
                self._monotonic() - self._outage_since, self.buffered,
            )
            self._outage_since = None

    async def _done(self) -> None:
        async with self._changed:
            self._backlog.popleft()
            self._changed.notify_all()

    async def _answers(self) -> bool:
        try:
            return await self._store_answers()
        except Exception:
            return False

    def _outage(self, exc: BaseException) -> None:
        if self._outage_since is None:
            self._outage_since = self._monotonic()
            log.error(
                "could not store an event (%s: %s); buffering events until the database answers",
                type(exc).__name__, str(exc)[:300],
            )

    def abandon(self) -> int:
        """At shutdown: how many buffered events were never stored (logged as an error)."""
        lost = len(self._backlog)
        if lost:
            log.error(
                "stopping with %d event(s) not stored: the database did not come back in time"
                " (Discord joins are caught up at the next start; other events are lost)",
                lost,
            )
        return lost
