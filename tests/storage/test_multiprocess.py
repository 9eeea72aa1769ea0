"""Two real OS processes race on the same database; every item must be won exactly once.

This is the property the scale-out design rests on (DESIGN.md section 8): schedule
occurrences are claimed under a unique constraint, and deliverers lease outbox rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single writer on SQLite).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from cohortbot.playbook.actions import GrantRole
from cohortbot.playbook.refs import Platform, UserRef
from cohortbot.storage import Database
from cohortbot.storage._sql import CLAIMS
from tests.storage.conftest import Backend
from tests.storage.race_worker import COMMUNITY, NOW

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 200
CONTENDERS = 2


async def race(backend: Backend, mode: str) -> list[list[int]]:
    """Start the contenders, release them together, return what each one won."""
    env = {**os.environ, "RACE_DATABASE_URL": backend.url}   # not argv: URLs may hold passwords
    if backend.schema:
        env["RACE_SCHEMA"] = backend.schema
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.storage.race_worker", mode, str(ITEMS),
            cwd=ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(CONTENDERS)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
            if line.strip() != b"ready":
                _, err = await proc.communicate()
                raise AssertionError(f"contender did not start: {line!r}\n{err.decode()}")
        for proc in procs:                          # the start signal, to both at once
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
        outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), timeout=60)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    return [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]


def assert_won_exactly_once(wins: list[list[int]], expected: set[int]) -> None:
    print("won per contender:", [len(won) for won in wins])   # shown with -s / on failure
    everything = [item for won in wins for item in won]
    assert len(everything) == len(set(everything)), "an item was won by two contenders"
    assert set(everything) == expected, "an item was won by no contender"


async def test_two_processes_claim_each_schedule_occurrence_exactly_once(
    backend: Backend, db: Database
) -> None:
    wins = await race(backend, "claims")
    assert_won_exactly_once(wins, set(range(ITEMS)))
    async with db.unit_of_work() as uow:
        assert await uow._session.scalar(select(func.count()).select_from(CLAIMS)) == ITEMS


async def test_two_deliverers_lease_each_outbox_row_exactly_once(backend: Backend, db: Database) -> None:
    async with db.unit_of_work() as uow:
        member = UserRef(Platform.DISCORD, "u-1")
        for n in range(ITEMS):
            action = GrantRole(key=f"race:{n}", community=COMMUNITY, member=member, role="r")
            await uow.outbox.add(action, now=NOW)
        await uow.commit()
    async with db.unit_of_work() as uow:
        ids = {item.id for item in await uow.outbox.claim_due(NOW, limit=ITEMS, lease_seconds=0)}
        await uow.rollback()          # only to learn the ids: nothing stays claimed
    assert len(ids) == ITEMS
    wins = await race(backend, "outbox")
    assert_won_exactly_once(wins, ids)
