"""Timers and cron schedules -> TimerFired / ScheduleFired events, exactly once.

APScheduler's CronTrigger computes *when* (in the community's zone, DST-correct), built by
``crontab.cron_trigger`` so that weekdays keep their crontab meaning (1 = Monday); the clock
is injected, so tests and the console's ``/advance`` step through time without waiting.
Exactly-once comes from the database: each occurrence is claimed under a unique constraint
in the same transaction as the decision it causes.

An idle round costs a constant number of queries however many communities and schedules
there are: the scheduler remembers, per schedule, a moment up to which every occurrence is
settled (claimed, by any process, or before the community's first sight), and asks the
database again only once the next occurrence after it is due. That moment only moves
forward (claims are never deleted, first sight never changes), so a bound remembered from an
earlier round is still a true one, whatever the other processes claimed since. A first
round (a start) learns every schedule's bound at once, from two queries (last claims, first
sights), and asks about a schedule on its own only when an occurrence is due; triggers remember
their answers, so the communities that run the same expression share each fire time.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from cohortbot.bot import metrics
from cohortbot.bot.crontab import CronCalendar, occurrences
from cohortbot.playbook.engine import Engine
from cohortbot.playbook.events import ScheduleFired, TimerFired
from cohortbot.playbook.ports import Clock, UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook, ScheduleSpec

__all__ = ["CronCalendar", "Scheduler", "occurrences"]

log = logging.getLogger("cohortbot.scheduler")
Process = Callable[..., Awaitable[bool]]
MAX_MISSED_RECORDED = 500
LATE_AFTER = timedelta(minutes=1)
_JUST_BEFORE = timedelta(microseconds=1)


# Rounds this close together mean the process was up and merely behind, not down.
BEHIND_AT_MOST = timedelta(minutes=30)
YIELD_EVERY = 100   # schedules a round computes between two turns of the event loop


def _start_after(
    spec: ScheduleSpec, last: datetime | None, first_seen: datetime | None, now: datetime
) -> datetime:
    """Occurrences after this moment are due (see ``Scheduler._start_after``)."""
    window = spec.jitter_window or timedelta(0)
    after = last if last is not None else now - spec.grace - window
    if first_seen is not None:
        # An occurrence at the very moment of first sight counts (``occurrences`` is after-exclusive).
        after = max(after, first_seen - _JUST_BEFORE)
    return after


@dataclass(frozen=True, slots=True)
class _Known:
    """The last claims and first sights of a round's bulk read (empty: not read)."""

    last: dict[tuple[CommunityRef, str], datetime]
    first_seen: dict[CommunityRef, datetime]

    def after(self, community: CommunityRef, name: str, spec: ScheduleSpec, now: datetime) -> datetime:
        return _start_after(spec, self.last.get((community, name)), self.first_seen.get(community), now)


class Scheduler:
    def __init__(
        self,
        *,
        unit_of_work: Callable[[], Any],
        engine: Engine,
        process: Process,
        clock: Clock,
        poll_seconds: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self._uow = unit_of_work
        self.engine = engine
        self.process = process
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self.calendar = CronCalendar()
        # (community, schedule) -> every occurrence up to here is settled (see the module doc).
        self._settled: dict[tuple[CommunityRef, str], datetime] = {}
        self._settled_at: datetime | None = None   # the clock's time when they were learnt
        self._random = rng or random.Random()   # where a spread round starts
        self._round_started: datetime | None = None   # when this process's last round began
        self._up_since: datetime | None = None   # ... if recent enough to call the gap a lag
        self._specs: dict[int, tuple[LoadedPlaybook, list[tuple[str, ScheduleSpec]]]] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_due(spread=True, stop=stop)
                upcoming = None if stop.is_set() else await self.next_due()
            except Exception:
                log.exception("scheduler round failed; retrying shortly")
                upcoming = None
            delay = self.poll_seconds
            if upcoming is not None:
                delay = min(delay, max(0.0, (upcoming - self.clock.now()).total_seconds()))
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    # ------------------------------------------------------------------ one round

    async def run_due(self, *, spread: bool = False, stop: asyncio.Event | None = None) -> int:
        """Fire every timer and schedule occurrence due now; returns how many fired.

        ``spread``: start the round at a random schedule (the background loop does), so that
        processes sharing the database work on different occurrences at the same time instead
        of queueing behind one another's claim of the same one. Without it (``advance``: the
        console and tests), occurrences fire in a fixed order.

        ``stop``: once set, the round ends before its next schedule (each one is claimed in its
        own transaction, so what is left fires in the next round, of this process or another):
        a first round over thousands of schedules does not hold up a stop.
        """
        now = self.clock.now()
        last = self._round_started
        # The previous round counts as "up" only if it was recent: a longer gap is a downtime.
        self._up_since = last if last is not None and now - last <= BEHIND_AT_MOST else None
        self._round_started = now
        self._forget_if_time_went_back()
        fired = await self._run_timers()
        found = await self._schedules()
        if spread and found:
            start = self._random.randrange(len(found))
            found = found[start:] + found[:start]
        known = await self._known_bounds(found)
        for n, (community, step, spec) in enumerate(found, 1):
            if stop is not None and stop.is_set():
                break
            fired += await self._run_schedule(community, step, spec, known)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a round over thousands of schedules lets events through
        return fired

    async def next_due(self) -> datetime | None:
        self._forget_if_time_went_back()
        async with self._uow() as uow:
            candidates = [await uow.timers.next_due()]
        now = self.clock.now()
        schedules = await self._schedules()
        known = await self._known_bounds(schedules)
        for community, step, spec in schedules:
            # A remembered bound may be older than the truth: the answer is then earlier than
            # needed, never later, and the round it wakes for learns the newer bound.
            after = self._settled.get((community, f"{step}.{spec.name}"))
            if after is None:
                after = known.after(community, f"{step}.{spec.name}", spec, now)
                self._settle(community, f"{step}.{spec.name}", after, now)
            trigger = self._trigger(community, spec)
            nominal = trigger.get_next_fire_time(after, after)
            if nominal is not None:
                candidates.append(self._fire_at(community, step, spec, nominal.astimezone(UTC)))
        found = [c for c in candidates if c is not None]
        return min(found) if found else None

    async def _run_timers(self) -> int:
        fired = 0
        async with self._uow() as uow:
            timers = await uow.timers.due(self.clock.now(), limit=500)
        for timer in timers:
            event = TimerFired(
                community=timer.community,
                occurred_at=self.clock.now(),
                event_id=f"timer:{timer.key}:{timer.due_at.isoformat()}",
                key=timer.key,
                kind=timer.kind,
                due_at=timer.due_at,
                subject=timer.subject,
                data=dict(timer.data),
            )

            async def claim(uow: UnitOfWork, key: str = timer.key) -> bool:
                return await uow.timers.claim(key, now=self.clock.now())

            if await self.process(event, claim=claim):
                fired += 1
                metrics.fired("timer", due=timer.due_at, now=event.occurred_at)
        return fired

    async def _schedules(self) -> list[tuple[CommunityRef, str, ScheduleSpec]]:
        async with self._uow() as uow:
            communities = await uow.communities.list()
        found = []
        for community, _playbook in communities:
            loaded = self.engine.playbooks.for_community(community)
            if loaded is not None:
                found += [(community, step, spec) for step, spec in self._specs_of(loaded)]
        return found

    def _specs_of(self, loaded: LoadedPlaybook) -> list[tuple[str, ScheduleSpec]]:
        """The schedules a playbook fires, (step, spec): worked out once per playbook, not per
        community and round (9,000 specs a round on 1,000 communities)."""
        known = self._specs.get(id(loaded))
        if known is None or known[0] is not loaded:
            specs = []
            for step in self.engine.steps:
                cfg = loaded.steps.get(step.name)
                if step.schedules is None or cfg is None or not cfg.enabled:
                    continue
                specs += [(step.name, spec) for spec in step.schedules(cfg, loaded.community) if spec.fires]
            known = self._specs[id(loaded)] = (loaded, specs)
        return known[1]

    def _trigger(self, community: CommunityRef, spec: ScheduleSpec) -> BaseTrigger:
        loaded = self.engine.playbooks.for_community(community)
        return self.calendar.trigger(spec.cron, loaded.community.timezone if loaded else "UTC")

    async def _start_after(
        self, community: CommunityRef, step: str, spec: ScheduleSpec, now: datetime
    ) -> tuple[datetime, datetime | None]:
        """Occurrences after this moment are due: those after the last one claimed, else those
        a downtime could have missed; never one from before the bot first saw the community
        (a fresh database must not look back and record its whole past as missed).

        Also returns the last occurrence claimed if it is recent (``BEHIND_AT_MOST``): then
        some process was serving the schedule, and what fell due since is lag, not downtime.
        """
        async with self._uow() as uow:
            last = await uow.claims.last(community, f"{step}.{spec.name}")
            first_seen = await uow.communities.first_seen(community)
        served = last if last is not None and now - last <= BEHIND_AT_MOST else None
        return _start_after(spec, last, first_seen, now), served

    async def _known_bounds(self, found: list[tuple[CommunityRef, str, ScheduleSpec]]) -> _Known:
        """The last claim of every schedule and the first sight of every community, read in
        one unit of work when some schedule has no remembered bound (a first round): a round
        over thousands of schedules then asks again only for those with an occurrence due."""
        if all((community, f"{step}.{spec.name}") in self._settled for community, step, spec in found):
            return _Known({}, {})
        async with self._uow() as uow:
            return _Known(await uow.claims.last_all(), await uow.communities.first_seen_all())

    def _fire_at(self, community: CommunityRef, step: str, spec: ScheduleSpec, nominal: datetime) -> datetime:
        """The moment to act: the nominal time, or a stable random moment in the jitter window."""
        if not spec.jitter_window:
            return nominal
        digest = hashlib.sha256(f"{community}|{step}.{spec.name}|{nominal.isoformat()}".encode()).digest()
        seconds = int(spec.jitter_window.total_seconds())
        return nominal + timedelta(seconds=int.from_bytes(digest[:8], "big") % max(1, seconds))

    def _settle(self, community: CommunityRef, name: str, until: datetime, now: datetime) -> None:
        """Remember that every occurrence of ``name`` up to ``until`` is settled (as of ``now``)."""
        key = (community, name)
        self._settled[key] = max(until, self._settled.get(key, until))
        self._settled_at = now if self._settled_at is None else max(self._settled_at, now)

    def _forget_if_time_went_back(self) -> None:
        """A clock set back (a test, an operator) makes the remembered bounds meaningless."""
        if self._settled_at is not None and self.clock.now() < self._settled_at:
            self._settled.clear()
            self._settled_at = None

    async def _run_schedule(
        self, community: CommunityRef, step: str, spec: ScheduleSpec, known: _Known | None = None
    ) -> int:
        now = self.clock.now()
        name = f"{step}.{spec.name}"
        trigger = self._trigger(community, spec)
        bound = self._settled.get((community, name))
        if bound is None and known is not None:
            # The round's bulk read: a true lower bound (claims only accrue), so when nothing
            # after it is due, nothing is; else the schedule's own read below, fresh.
            bound = known.after(community, name, spec, now)
            if not self._any_due(community, step, spec, trigger, bound, now):
                self._settle(community, name, bound, now)
                return 0
        elif bound is not None:
            upcoming = trigger.get_next_fire_time(bound, bound)
            if upcoming is None or upcoming > now:   # nothing after the bound is due yet
                return 0
        after, served = await self._start_after(community, step, spec, now)
        due = [o for o in occurrences(trigger, after, now) if self._fire_at(community, step, spec, o) <= now]
        if not due:
            self._settle(community, name, after, now)
            return 0
        *older, latest = due
        fire_at = self._fire_at(community, step, spec, latest)
        if now - fire_at > spec.grace:  # even the newest is too late: all of them were missed
            await self._record_missed(community, name, due, now)
            self._settle(community, name, latest, now)
            return 0
        # Occurrences that fell due since this process's previous round, or since the last one
        # any process claimed, when that was recent, were not missed by a downtime: the rounds
        # fell behind (a busy machine). Each still within its grace fires, late; the rest
        # follows the downtime rule (the latest late once, the others recorded as missed).
        ups = [t for t in (self._up_since, served) if t is not None]
        up = min(ups) if ups else None
        behind = [
            o for o in older
            if up is not None and up <= self._fire_at(community, step, spec, o)
            and now - self._fire_at(community, step, spec, o) <= spec.grace
        ]
        await self._record_missed(community, name, [o for o in older if o not in behind], now)
        fired = 0
        for occurrence in [*behind, latest]:
            late = now - self._fire_at(community, step, spec, occurrence) > LATE_AFTER
            fired += await self._fire(community, name, occurrence, now, late=late)
        return fired

    def _any_due(
        self, community: CommunityRef, step: str, spec: ScheduleSpec, trigger: BaseTrigger,
        after: datetime, now: datetime,
    ) -> bool:
        return any(self._fire_at(community, step, spec, o) <= now for o in occurrences(trigger, after, now))

    async def _fire(
        self, community: CommunityRef, name: str, occurrence: datetime, now: datetime, *, late: bool
    ) -> int:
        event = ScheduleFired(
            community=community,
            occurred_at=now,
            event_id=f"schedule:{community}:{name}:{occurrence.isoformat()}",
            schedule=name,
            occurrence=occurrence,
            late=late,
        )

        async def claim(uow: UnitOfWork) -> bool:
            status = "late" if late else "fired"
            return await uow.claims.claim(community, name, occurrence, status=status, now=now)

        fired = await self.process(event, claim=claim)
        if fired:   # how late after its nominal time (a jittered schedule's spread included)
            metrics.fired("schedule", due=event.occurrence, now=event.occurred_at)
        # Fired here, or claimed by another process (or already decided: the inbox knew it).
        self._settle(community, name, occurrence, now)
        return int(fired)

    async def _record_missed(
        self, community: CommunityRef, name: str, missed: list[datetime], now: datetime
    ) -> None:
        if not missed:
            return
        if len(missed) > MAX_MISSED_RECORDED:
            log.warning(
                "%s: %d occurrences missed; recording the newest %d", name, len(missed), MAX_MISSED_RECORDED
            )
            missed = missed[-MAX_MISSED_RECORDED:]
        async with self._uow() as uow:
            for occurrence in missed:
                await uow.claims.claim(community, name, occurrence, status="missed", now=now)
            await uow.commit()
        log.warning("%s in %s: %d occurrence(s) missed while down, recorded", name, community, len(missed))
