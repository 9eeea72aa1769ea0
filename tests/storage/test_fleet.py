"""The fleet proofs: three bot processes share one database while one of them keeps being killed.

Each worker (``fleet_worker.py``) is the real runtime (scheduler, deliverer, intake) on a
compressed clock shared by all (1.2 simulated minutes per wall second): six communities with
twelve schedules each, every other simulated minute for 28 minutes, 1,008 occurrences in
about 25 seconds, starting once all three are ready. A killer SIGKILLs a random worker at
random moments (seeded) and starts it again at once; it kills the next only once that one is
back, so one worker at most is down at a time. When the window is over, the
survivors drain and are stopped with SIGTERM; then the database and the platform file must
show every occurrence claimed once, posted, and seen by members once:

- zero misses: every occurrence has its claim (posted on time or late, never ``missed``) and
  its delivered outbox row, none pending, none parked;
- zero duplicates as members see them: the platform file holds each post's key (its Discord
  nonce) for every occurrence, and nothing else;
- a raw repeat (a process killed between the platform call and recording it) is reported, and
  is always performed as ``resumed``, which is what makes the adapters send it idempotently.

With shards, a worker's platform serves only the communities of its shard, as Discord routes a
guild (``(guild_id >> 22) % shard_count``): every post is performed by its shard's process.

The three processes run on SQLite (one file, WAL, one writer at a time) and on PostgreSQL;
shards, a production setup, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from cohortbot.storage import Database
from cohortbot.storage._sql import CLAIMS, OUTBOX
from tests.storage.conftest import SQL_BACKENDS, Backend, _backend, _migrated
from tests.storage.fleet_worker import (
    COMMUNITIES,
    T0,
    WINDOW_END,
    expected_occurrences,
    playbook_yaml,
    read_platform,
    shard_of,
)

# Run alone (``make test`` runs them after the rest, not beside it): three processes on a
# compressed clock measure lags in wall seconds, which another test stream on the same cores
# would stretch into "downtime".
pytestmark = pytest.mark.alone

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
SPEED = 72.0            # 1.2 simulated minutes per wall second
STARTUP = 0.5           # wall seconds between the last worker saying it is ready and T0
KILLS = 6
DRAIN_TIMEOUT = 30.0    # wall seconds for the survivors to post what is left


@asynccontextmanager
async def seeded(name: str, tmp_path: Path) -> AsyncIterator[tuple[Backend, Database]]:
    """A migrated database on which the bot has seen each community at T0."""
    async with _backend(name, tmp_path) as backend, _migrated(backend) as database:
        async with database.unit_of_work() as uow:
            for community in COMMUNITIES:
                await uow.communities.seen(community, playbook="Fleet", now=T0)
            await uow.commit()
        yield backend, database


def wall(epoch: float, simulated: float) -> float:
    """The wall time at which the compressed clock shows T0 + ``simulated`` seconds."""
    return epoch + simulated / SPEED


@dataclass
class Fleet:
    backend: Backend
    tmp_path: Path
    shards: int | None = None
    epoch: float = 0.0   # wall time of T0: set by start() once every worker is ready
    procs: list[asyncio.subprocess.Process] = field(default_factory=list)
    kills: list[tuple[float, int]] = field(default_factory=list)   # (simulated seconds, worker)

    @property
    def platform_file(self) -> Path:
        return self.tmp_path / "platform.jsonl"

    def serves(self, index: int) -> str:
        if self.shards is None:
            return ""
        return ",".join(c.id for c in COMMUNITIES if shard_of(c, self.shards) == index)

    async def spawn(self, index: int) -> asyncio.subprocess.Process:
        """Start worker ``index``; before T0 is set it reads T0 from its stdin once all are ready."""
        before_t0 = not self.epoch
        env = {**os.environ, "FLEET_DATABASE_URL": self.backend.url}
        if self.backend.schema:
            env["FLEET_SCHEMA"] = self.backend.schema
        playbook = self.tmp_path / "fleet.yaml"
        if not playbook.exists():
            playbook.write_text(playbook_yaml())
        args = [
            "--playbook", str(playbook), "--platform-file", str(self.platform_file),
            "--speed", repr(SPEED), *([] if before_t0 else ["--epoch", repr(self.epoch)]),
        ]
        if self.shards is not None:
            args += ["--serves", self.serves(index)]
        log = (self.tmp_path / f"worker-{index}.log").open("ab")
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.storage.fleet_worker", *args,
                cwd=ROOT, env=env, stderr=log,
                stdin=asyncio.subprocess.PIPE if before_t0 else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,   # its one line: "ready"
            )
        finally:
            log.close()

    async def ready(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=120)
        assert line.strip() == b"ready", f"a worker did not start: {line!r}\n{self.logs()}"

    async def start(self) -> None:
        """Start the workers, and T0 shortly after all of them are ready (however busy the machine)."""
        self.procs = [await self.spawn(i) for i in range(WORKERS)]
        for proc in self.procs:
            await self.ready(proc)
        self.epoch = time.time() + STARTUP
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{self.epoch!r}\n".encode())
            await proc.stdin.drain()

    async def kill_randomly(self, rng: random.Random, until: float) -> None:
        """SIGKILL a random worker at random moments before ``until`` (wall), restarting it at once."""
        moments = sorted(rng.uniform(time.time() + STARTUP + 1, until) for _ in range(KILLS))
        for moment in moments:
            await asyncio.sleep(max(0.0, moment - time.time()))
            index = rng.randrange(WORKERS)
            victim = self.procs[index]
            victim.send_signal(signal.SIGKILL)
            await victim.wait()
            self.kills.append(((time.time() - self.epoch) * SPEED, index))
            self.procs[index] = await self.spawn(index)
            # One worker down at a time, as in a rolling failure: the next kill waits until the
            # restarted one is back (on a busy machine a start takes a few wall seconds, and three
            # kills in one second would be a whole-fleet outage, whose misses are by design).
            await self.ready(self.procs[index])

    async def stop(self) -> list[int | None]:
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.procs:
            try:
                codes.append(await asyncio.wait_for(proc.wait(), timeout=20))
            except TimeoutError:
                proc.kill()
                codes.append(await proc.wait())
        return codes

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp_path.glob("worker-*.log")))


async def settled(db: Database, expected: set[str], deadline: float) -> None:
    """Wait until every expected post is delivered and nothing is left pending (or the deadline)."""
    while time.time() < deadline:
        async with db.unit_of_work() as uow:
            rows = (await uow._session.execute(select(OUTBOX.c.key, OUTBOX.c.status))).all()
        delivered = {key for key, status in rows if status == "delivered"}
        if expected <= delivered and all(status != "pending" for _, status in rows):
            return
        await asyncio.sleep(0.25)


async def run_fleet(db: Database, backend: Backend, tmp_path: Path, *, shards: int | None) -> Fleet:
    fleet = Fleet(backend, tmp_path, shards=shards)
    await fleet.start()
    window_end = wall(fleet.epoch, (WINDOW_END - T0).total_seconds())
    try:
        await fleet.kill_randomly(random.Random(20260302 + (shards or 0)), until=window_end)
        await asyncio.sleep(max(0.0, window_end - time.time()))
        await settled(db, expected_occurrences(), time.time() + DRAIN_TIMEOUT)
    finally:
        codes = await fleet.stop()
    assert codes == [0] * WORKERS, f"a worker did not stop cleanly: {codes}\n{fleet.logs()}"
    return fleet


async def check(db: Database, fleet: Fleet) -> Counter[str]:
    """Every occurrence claimed once and posted once; returns how often each key was performed."""
    expected = expected_occurrences()
    async with db.unit_of_work() as uow:
        claims = (await uow._session.execute(select(CLAIMS.c.status))).scalars().all()
        times = await uow._session.execute(select(CLAIMS.c.occurrence, CLAIMS.c.claimed_at))
        lags = sorted((claimed - occurrence).total_seconds() for occurrence, claimed in times)
        missed = (
            await uow._session.execute(
                select(CLAIMS.c.community_id, CLAIMS.c.schedule, CLAIMS.c.occurrence, CLAIMS.c.claimed_at)
                .where(CLAIMS.c.status == "missed").order_by(CLAIMS.c.claimed_at)
            )
        ).all()
        outbox = (await uow._session.execute(select(OUTBOX.c.key, OUTBOX.c.status))).all()
    performed = read_platform(fleet.platform_file)
    counts = Counter(d.key for d in performed)
    statuses = Counter(claims)
    repeats = sum(n - 1 for n in counts.values())
    print(
        f"\nfleet (shards={fleet.shards}): {len(expected)} occurrences, {len(fleet.kills)} kills "
        f"at simulated seconds/worker {[(round(t), w) for t, w in fleet.kills]}, claims {dict(statuses)}, "
        f"{len(counts)} distinct posts, {len(counts) - len(expected & set(counts))} unexpected, "
        f"{len(expected - set(counts))} missing, {repeats} raw repeats; claimed after (simulated s) "
        f"median {lags[len(lags) // 2]:.1f}, p99 {lags[len(lags) * 99 // 100]:.1f}, max {lags[-1]:.1f}"
    )
    for row in missed[:20]:
        print("missed:", row.community_id, row.schedule, (row.occurrence - T0).total_seconds(),
              (row.claimed_at - T0).total_seconds())
    if set(counts) != expected or len(outbox) != len(expected):
        print("missing posts:", sorted(expected - set(counts))[:10])
        print("outbox rows not delivered:", [row for row in outbox if row.status != "delivered"][:10])
        print("the workers' logs (tails):\n" + fleet.logs())
    assert len(fleet.kills) == KILLS
    assert statuses == {"fired": len(expected)} or set(statuses) <= {"fired", "late"}, statuses
    assert sum(statuses.values()) == len(expected), "an occurrence was missed or claimed twice"
    assert Counter(status for _, status in outbox) == {"delivered": len(expected)}, "left pending or parked"
    assert {key for key, _ in outbox} == expected
    assert set(counts) == expected, "members saw a post twice under two keys, or missed one"
    repeated = [d for d in performed if counts[d.key] > 1]
    first = {d.key: d for d in reversed(performed)}
    assert all(d.resumed for d in repeated if d is not first[d.key]), "a repeat was not flagged resumed"
    return counts


@pytest.mark.parametrize("name", SQL_BACKENDS)
async def test_three_processes_post_every_occurrence_once_while_one_is_killed(
    name: str, tmp_path: Path
) -> None:
    async with seeded(name, tmp_path) as (backend, db):
        fleet = await run_fleet(db, backend, tmp_path, shards=None)
        await check(db, fleet)


@pytest.mark.postgres
async def test_three_shards_post_each_community_from_its_own_shard_while_one_is_killed(
    tmp_path: Path,
) -> None:
    async with seeded("postgresql", tmp_path) as (backend, db):
        fleet = await run_fleet(db, backend, tmp_path, shards=WORKERS)
        await check(db, fleet)
    for delivery in read_platform(fleet.platform_file):
        assert delivery.serves is not None and delivery.community in delivery.serves, delivery
    assert {shard_of(c, WORKERS) for c in COMMUNITIES} == set(range(WORKERS)), "a shard holds no community"
