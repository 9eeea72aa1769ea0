"""Group commit: the events that arrive together are decided together, in one transaction.

Every event still takes the one path (de-duplicate by id, decide, commit state and actions
together), but the events waiting at the same moment share a transaction: under load a
batch of up to ``batch_size`` events costs one commit instead of one each, and no step runs
inside a savepoint. When anything in a batch fails (a step raising, the database), the whole
batch is rolled back and its events are decided again one by one, each in its own
transaction with each step in a savepoint, exactly as a single event always was: a failing
step is isolated and the others' decisions stand. So batching changes the cost, never the
outcome: exactly once, the transactional outbox, nothing lost.

**The priority lane.** Interactions (a ``/cohort`` command, a button, a form) wait for a
platform deadline (Discord's 3 s), so they never queue behind chat: waiting interactions are
decided next, in a batch of their own, and a chat batch is bounded in *time* (``budget``,
40 ms by default: its size grows while batches finish within it and shrinks in proportion
when one overruns, so a batch's fixed costs, the commit and the batch's reads, count too).
A command therefore waits at most for the batch in flight, however long the chat backlog.
Replayed history (``Event.backfill``: the members caught up at connect) comes last, after
live chat.

**Write-behind.** A batch of more than one event asks the unit of work to read the batch's
inbox records and members at once and to hold its writes until a query or the commit needs
them (``storage/write_behind.py``): a chat message then costs no statement of its own.

There is no background task to keep alive: the first event to arrive when nothing is being
decided starts a *leader* task that decides batches until nothing waits, then ends. Callers
just await their event's outcome.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from typing import Any

from cohortbot.bot import metrics
from cohortbot.bot.logs import deciding
from cohortbot.playbook.engine import Decision, Engine
from cohortbot.playbook.events import Actor, ButtonPressed, CommandInvoked, Event, FormSubmitted
from cohortbot.playbook.ports import Clock, UnitOfWork
from cohortbot.playbook.refs import CommunityRef, UserRef

__all__ = ["Claim", "Decider"]

log = logging.getLogger("cohortbot.runtime")

Claim = Callable[[UnitOfWork], Awaitable[bool]]
INTERACTIVE = (CommandInvoked, ButtonPressed, FormSubmitted)


@dataclass(eq=False, slots=True)
class _Waiting:
    event: Event
    claim: Claim | None
    outcome: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass(slots=True)
class _Done:
    processed: bool
    duplicate: bool = False
    added: int = 0
    seen: tuple[object, str] | None = None


class Decider:
    def __init__(
        self,
        engine: Engine,
        unit_of_work: Callable[[], Any],
        clock: Clock,
        *,
        batch_size: int = 200,
        budget: float = 0.04,
        on_added: Callable[[], None] = lambda: None,
        monotonic: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.engine = engine
        self._uow = unit_of_work
        self.clock = clock
        self.batch_size = batch_size   # at most this many events in one transaction ...
        self.budget = budget           # ... and about this many seconds of deciding
        self._monotonic = monotonic
        self.size = 8                  # the chat batch's size, learnt batch by batch ...
        self.min_size = 16             # ... but never below this while that many wait (see _learn)
        self._on_added = on_added
        self._urgent: deque[_Waiting] = deque()
        self._normal: deque[_Waiting] = deque()
        self._backfill: deque[_Waiting] = deque()
        self._leader: asyncio.Task[None] | None = None
        self._inflight: list[_Waiting] = []
        self._seen: set[tuple[object, str]] = set()
        self.processed = 0
        self.duplicates = 0
        self.batches = 0
        self.fallbacks = 0      # batches decided again one by one after a failure

    async def decide(self, event: Event, *, claim: Claim | None = None) -> bool:
        """Decide on ``event`` exactly once; True if it was processed (not a duplicate)."""
        waiting = _Waiting(event, claim)
        self._lane(event).append(waiting)
        metrics.event_in(event)
        if self._leader is None or self._leader.done():
            self._leader = asyncio.create_task(self._lead(), name="decider")
            self._leader.add_done_callback(self._leader_done)
        return await asyncio.shield(waiting.outcome)

    def _lane(self, event: Event) -> deque[_Waiting]:
        if isinstance(event, INTERACTIVE):
            return self._urgent
        return self._backfill if event.backfill else self._normal

    @property
    def waiting(self) -> int:
        return len(self._urgent) + len(self._normal) + len(self._backfill)

    async def _lead(self) -> None:
        while self._urgent or self._normal or self._backfill:
            self._inflight = self._next_batch()
            await self._decide_batch(self._inflight)
            self._inflight = []

    def _leader_done(self, task: asyncio.Task[None]) -> None:
        """Cancelled (the bot is stopping) or broken: nobody may wait for an answer forever."""
        failure = None if task.cancelled() else task.exception()
        if not task.cancelled() and failure is None:
            return
        if failure is not None:
            log.error("deciding events failed", exc_info=failure)
        stopped = RuntimeError("the bot stopped deciding events")
        for waiting in [*self._inflight, *self._urgent, *self._normal, *self._backfill]:
            if not waiting.outcome.done():
                waiting.outcome.set_exception(stopped)
                waiting.outcome.exception()   # a caller cancelled meanwhile must not log "never retrieved"
        self._inflight = []
        self._urgent.clear()
        self._normal.clear()
        self._backfill.clear()

    def _next_batch(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        lanes = (self._urgent,) if self._urgent else (self._normal, self._backfill)
        size = self.batch_size if self._urgent else min(self.batch_size, max(self.size, self.min_size))
        for queue in lanes:
            while queue and len(batch) < size:
                batch.append(queue.popleft())
        metrics.waiting(len(self._urgent), len(self._normal), len(self._backfill))
        return batch

    async def _decide_batch(self, batch: list[_Waiting]) -> None:
        started = self._monotonic()
        try:
            await self._decide_events(batch)
        finally:
            if not isinstance(batch[0].event, INTERACTIVE):
                self._learn(len(batch), self._monotonic() - started)

    def _learn(self, size: int, took: float) -> None:
        """Size the next chat batch so that it takes about ``budget`` seconds.

        On a machine busy with other work an event takes several times its CPU in wall time,
        and batches cut to the budget would shrink until their fixed costs (the batch's reads,
        the commit) were most of the work: the backlog would then grow faster the longer it
        is. So a backlog is taken ``min_size`` at a time at least; a command then waits a
        little longer for the batch in flight, the chat does not fall further behind.
        """
        if took > self.budget:
            self.size = max(1, min(self.size, int(size * self.budget / took)))
        elif size >= self.size:   # a full batch within budget: try a bigger one
            self.size = min(self.batch_size, self.size + max(1, self.size // 4))

    async def _decide_events(self, batch: list[_Waiting]) -> None:
        if len(batch) > 1:
            try:
                done = await self._in_one_transaction(batch)
            except Exception as exc:
                self.fallbacks += 1
                metrics.batch_fell_back()
                log.info("a batch of %d events failed (%s: %s); deciding them one by one",
                         len(batch), type(exc).__name__, str(exc)[:200])
            else:
                self._finish(batch, done)
                return
        for waiting in batch:   # alone, each step isolated: a failing step costs only itself
            try:
                [done_one] = await self._in_one_transaction([waiting], isolate=True)
            except Exception as exc:
                metrics.decision_failed(waiting.event)
                waiting.outcome.set_exception(exc)
            else:
                self._finish([waiting], [done_one])

    async def _in_one_transaction(self, batch: list[_Waiting], *, isolate: bool = False) -> list[_Done]:
        now = self.clock.now()
        done: list[_Done] = []
        async with self._uow() as uow:
            begin_batch = getattr(uow, "begin_batch", None)
            if not isolate and len(batch) > 1 and begin_batch is not None:
                # Storage that can: read the batch's inbox ids and members at once, write at commit.
                await begin_batch([w.event.event_id for w in batch], _people(batch))
            for waiting in batch:
                with deciding(waiting.event):   # its log lines carry its community and event id
                    done.append(await self._decide_one(uow, waiting, now, isolate=isolate))
            await uow.commit()
        return done

    async def _decide_one(self, uow: UnitOfWork, waiting: _Waiting, now: Any, *, isolate: bool) -> _Done:
        event, claim = waiting.event, waiting.claim
        if claim is not None and not await claim(uow):
            return _Done(False)
        if not await uow.inbox.record(event.event_id, now=now):
            log.debug("duplicate event %s ignored", event.event_id)
            return _Done(False, duplicate=True)   # what a claim wrote (a delivery's outcome) commits
        decision: Decision = await self.engine.handle(event, uow, isolate=isolate)
        seen = None
        if decision.playbook is not None:
            seen = (event.community, decision.playbook)
            if seen not in self._seen:
                # Once per process and community: the scheduler needs to know it exists.
                await uow.communities.seen(event.community, playbook=decision.playbook, now=now)
        added = 0
        for action in decision.actions:
            added += int(await uow.outbox.add(action, now=now))
        return _Done(True, added=added, seen=seen)

    def _finish(self, batch: list[_Waiting], done: list[_Done]) -> None:
        self.batches += 1
        metrics.batch_decided(len(batch))
        added = 0
        for waiting, outcome in zip(batch, done, strict=True):
            if outcome.seen is not None:
                self._seen.add(outcome.seen)
            self.processed += outcome.processed
            self.duplicates += outcome.duplicate
            added += outcome.added
            metrics.decided(waiting.event, processed=outcome.processed, duplicate=outcome.duplicate)
            if not waiting.outcome.done():
                waiting.outcome.set_result(outcome.processed)
        if added:
            self._on_added()


def _people(batch: list[_Waiting]) -> list[tuple[CommunityRef, UserRef]]:
    """The members a batch's events name (author, reactor, the member replied to...)."""
    people: list[tuple[CommunityRef, UserRef]] = []
    for waiting in batch:
        event = waiting.event
        for name in _user_fields(type(event)):
            value = getattr(event, name)
            if isinstance(value, Actor):
                value = value.user
            if isinstance(value, UserRef):
                people.append((event.community, value))
    return people


_USER_FIELDS: dict[type[Event], tuple[str, ...]] = {}


def _user_fields(kind: type[Event]) -> tuple[str, ...]:
    names = _USER_FIELDS.get(kind)
    if names is None:
        names = _USER_FIELDS[kind] = tuple(
            f.name for f in fields(kind) if f.name not in ("community", "event_id", "occurred_at")
        )
    return names

