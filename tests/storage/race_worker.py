"""One contender in the multi-process races of ``test_multiprocess.py``.

Run as ``python -m tests.storage.race_worker MODE COUNT`` with the database in the
environment (``RACE_DATABASE_URL``, optional ``RACE_SCHEMA`` for PostgreSQL). It connects,
prints ``ready``, waits for a line on stdin (the start signal, so both contenders really
start together), runs the race and prints what it won as a JSON list.

- ``claims``: claim occurrences 0..COUNT-1 of one schedule, one transaction each.
- ``outbox``: ``claim_due`` small batches until nothing is left; report the row ids.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.storage import Database

__all__ = ["COMMUNITY", "NOW", "SCHEDULE", "main", "occurrence"]

COMMUNITY = CommunityRef(Platform.DISCORD, "race-guild")
SCHEDULE = "race"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def occurrence(n: int) -> datetime:
    return NOW + timedelta(hours=n)


async def main(mode: str, count: int) -> list[int]:
    schema = os.environ.get("RACE_SCHEMA")
    connect_args: dict[str, Any] = {"server_settings": {"search_path": schema}} if schema else {}
    db = Database(os.environ["RACE_DATABASE_URL"], connect_args=connect_args)
    try:
        async with db.engine.connect():    # connect before the start line, not after
            pass
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        won: list[int] = []
        if mode == "claims":
            for n in range(count):
                async with db.unit_of_work() as uow:
                    if await uow.claims.claim(COMMUNITY, SCHEDULE, occurrence(n), status="posted", now=NOW):
                        won.append(n)
                    await uow.commit()
        elif mode == "outbox":
            while True:
                async with db.unit_of_work() as uow:
                    items = await uow.outbox.claim_due(NOW, limit=5, lease_seconds=300)
                    await uow.commit()
                if not items:
                    break
                won.extend(item.id for item in items)
        else:
            raise SystemExit(f"unknown mode {mode!r}")
        return won
    finally:
        await db.dispose()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2])))), flush=True)
