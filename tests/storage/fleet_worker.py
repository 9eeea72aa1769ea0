"""One bot process of the fleet proofs in ``test_fleet.py``: the real runtime on a shared database.

Run as ``python -m tests.storage.fleet_worker --playbook P --platform-file F [--epoch E]
--speed S [--serves ID,ID...]`` with the database in the environment (``FLEET_DATABASE_URL``,
optional ``FLEET_SCHEMA`` for PostgreSQL: not argv, a URL may hold a password). It builds the
runtime with ``wire()`` exactly as ``cohortbot run`` does (engine, scheduler, deliverer, intake),
prints ``ready`` and serves until SIGTERM.

- **The clock** is compressed and shared by every process: ``T0 + (time.time() - epoch) * speed``,
  so a simulated minute passes in ``60 / speed`` wall seconds, the same in every process.
- **The platform** is a file: each delivery appends one line (``O_APPEND``, one ``write``) with
  this process's pid, the communities it serves, whether the deliverer flagged it as a possible
  repeat, and the action's key. Like Discord's nonce, the checker counts distinct keys as the
  messages members see, and reports raw repeats apart.
- ``--serves`` makes it a Discord shard: it delivers only the outbox rows of those communities.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cohortbot.adapters.base import Delivered
from cohortbot.adapters.memory import MemoryAdapter
from cohortbot.bot.bootstrap import wire
from cohortbot.bot.scheduler import CronCalendar
from cohortbot.config.playbook import load_playbooks
from cohortbot.playbook.actions import Action
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.storage import Database
from tests.harness import RecordingCharts

__all__ = [
    "COMMUNITIES",
    "SCHEDULES",
    "T0",
    "WINDOW_END",
    "CompressedClock",
    "Delivery",
    "expected_occurrences",
    "playbook_yaml",
    "read_platform",
    "shard_of",
]

T0 = datetime(2026, 3, 2, 9, 59, tzinfo=UTC)   # the communities are first seen here
WINDOW_START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WINDOW_MINUTES = 28                               # schedules fire in 10:00-10:27
WINDOW_END = WINDOW_START + timedelta(minutes=WINDOW_MINUTES - 1)
# Twelve schedules per community, each every other minute, half of them on the odd minutes:
# 36 occurrences every simulated minute, and two minutes for a schedule's next one, so a
# round that falls behind by one burst still fires every occurrence on time.
SCHEDULES = {f"s{n}": f"{n % 2}-{WINDOW_MINUTES - 1}/2 10 * * *" for n in range(12)}
# Discord snowflakes: a guild's shard is (id >> 22) % shard_count. These ids spread two
# communities onto each of three shards.
COMMUNITIES = [CommunityRef(Platform.MEMORY, str((1_000 + n) << 22), f"Cohort {n}") for n in range(6)]
DISABLED = ("welcome", "intros", "sessions", "surveys", "champions", "health")


def shard_of(community: CommunityRef, shard_count: int) -> int:
    """The shard Discord routes a guild's events to."""
    return (int(community.id) >> 22) % shard_count


def playbook_yaml() -> str:
    """One default playbook: the announcement schedules, each firing every other minute of the window."""
    schedules = "\n".join(
        f'      - {{name: {name}, cron: "{cron}", kind: announcement, text: "{name}", thread: false,'
        " grace: 2h}"
        for name, cron in SCHEDULES.items()
    )
    disabled = "\n".join(f"  {step}: {{enabled: false}}" for step in DISABLED)
    return (
        "name: Fleet\ndefault: true\ntimezone: UTC\n"
        "channels: {general: general, moderators: mod-team}\n"
        "moderators: {users: [mod], platform_admins: false}\n"
        f"steps:\n{disabled}\n  prompts:\n    schedules:\n{schedules}\n"
    )


def expected_occurrences() -> set[str]:
    """The key of the post each occurrence must produce: one per community, schedule, occurrence."""
    calendar = CronCalendar()
    return {
        f"prompts:{community}:{name}:{when.isoformat()}"
        for community in COMMUNITIES
        for name, cron in SCHEDULES.items()
        for when in calendar.occurrences(cron, "UTC", T0, WINDOW_END)
    }


class CompressedClock:
    """Simulated time that every process computes alike from the wall clock."""

    def __init__(self, epoch: float, speed: float) -> None:
        self.epoch = epoch
        self.speed = speed

    @classmethod
    async def shared(cls, epoch: float | None, speed: float) -> CompressedClock:
        """The fleet's clock. The first workers, started without ``--epoch``, say they are ready
        and read it from stdin once the test has set it (so a slow start on a busy machine does
        not count as downtime); a worker restarted after a kill is given it and goes on at once."""
        if epoch is None:
            epoch = float(await asyncio.to_thread(sys.stdin.readline))
        return cls(epoch, speed)

    def now(self) -> datetime:
        return T0 + timedelta(seconds=(time.time() - self.epoch) * self.speed)


@dataclass(frozen=True)
class Delivery:
    """One line of the platform file: who performed what."""

    pid: int
    serves: tuple[str, ...] | None
    resumed: bool
    key: str
    community: str


class FilePlatform(MemoryAdapter):
    """The memory platform, delivering by appending one line per perform to a shared file."""

    def __init__(self, path: Path, serves: frozenset[str] | None) -> None:
        super().__init__(serves=serves)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        delivered = await super().perform(action, resumed=resumed)
        line = {
            "pid": os.getpid(),
            "serves": sorted(self.serves) if self.serves is not None else None,
            "resumed": resumed,
            "key": action.key,
            "community": action.community.id,
        }
        os.write(self._fd, (json.dumps(line) + "\n").encode())   # one write: atomic with O_APPEND
        self.performed.clear()   # the file is the record; keep memory flat
        self.attempts.clear()
        return delivered

    async def close(self) -> None:
        await super().close()
        os.close(self._fd)


def read_platform(path: Path) -> list[Delivery]:
    """Every delivery in the platform file, in the order they reached it."""
    found = []
    for raw in path.read_text().splitlines():
        line = json.loads(raw)
        serves = tuple(line["serves"]) if line["serves"] is not None else None
        found.append(Delivery(line["pid"], serves, line["resumed"], line["key"], line["community"]))
    return found


async def main(args: argparse.Namespace) -> None:
    schema = os.environ.get("FLEET_SCHEMA")
    connect_args: dict[str, Any] = {"server_settings": {"search_path": schema}} if schema else {}
    database = Database(os.environ["FLEET_DATABASE_URL"], connect_args=connect_args)
    serves = frozenset(args.serves.split(",")) if args.serves else None
    adapter = FilePlatform(args.platform_file, serves)
    playbooks = load_playbooks([args.playbook])
    try:
        async with database.engine.connect():   # connected before saying ready
            pass
        print("ready", flush=True)
        clock = await CompressedClock.shared(args.epoch, args.speed)
        runtime = wire(
            playbooks,
            adapters={Platform.MEMORY: adapter},
            unit_of_work=database.unit_of_work,
            clock=clock,
            charts=RecordingCharts(),
        )
        # Polls are wall seconds; leases are simulated ones (the deliverer reads them off the
        # clock): the default 120 s lease of a killed process runs out after 120 / speed wall seconds.
        runtime.scheduler.poll_seconds = args.poll
        runtime.deliverer.poll_seconds = args.poll
        await runtime.run()
    finally:
        await database.dispose()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--playbook", type=Path, required=True)
    parser.add_argument("--platform-file", type=Path, required=True)
    parser.add_argument("--epoch", type=float, default=None, help="T0's wall time (else read from stdin)")
    parser.add_argument("--speed", type=float, required=True)
    parser.add_argument("--poll", type=float, default=0.1)
    parser.add_argument("--serves", default="")
    return parser.parse_args()


if __name__ == "__main__":
    # Warnings and errors go to the worker's log file (its stderr), which a failing proof prints.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s pid %(process)d %(name)s: %(message)s")
    asyncio.run(main(_arguments()))
