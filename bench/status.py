"""``/cohort status`` with 100,000 members (issue #11): counting them vs listing them.

Run by hand:

    .venv/bin/python bench/status.py [--members 100000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/scratch]

Loads the members into a migrated SQLite file (and, with ``--postgres``, into that scratch
database: its members and activity are emptied), then times what ``/cohort status`` reads:
``MemberRepository.counts`` (one ``SELECT count(...)``, what it asks now) beside the way it
was (``members.list`` and counting in Python), each with the longest stall of the event loop
meanwhile (a 10 ms heartbeat). Both must give the same four numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import COMMUNITY, END, load_postgres, load_sqlite, stalls

from cohortbot.storage import Database


async def measure(url: str, repeat: int) -> None:
    database = Database(url)
    try:
        async with database.unit_of_work() as uow:

            async def listed() -> tuple[int, int, int, int]:
                humans = [m for m in await uow.members.list(COMMUNITY) if not m.is_bot]
                return (
                    len(humans),
                    sum(1 for m in humans if m.welcomed_at),
                    sum(1 for m in humans if m.onboarded_at),
                    sum(1 for m in humans if m.introduced_at),
                )

            async def counted() -> tuple[int, int, int, int]:
                c = await uow.members.counts(COMMUNITY)
                return (c.present, c.welcomed, c.onboarded, c.introduced)

            for _ in range(repeat):
                old, old_s, old_stall = await stalls(listed)
                new, new_s, new_stall = await stalls(counted)
                assert old == new, (old, new)
                print(
                    f"  counts: {1000 * new_s:.0f} ms, stall {1000 * new_stall:.0f} ms; "
                    f"listing them: {1000 * old_s:.0f} ms, stall {1000 * old_stall:.0f} ms "
                    f"({new[0]:,} present)"
                )
    finally:
        await database.dispose()


async def main(args: argparse.Namespace) -> None:
    people: list[tuple[Any, ...]] = [
        (f"u{i}", f"member {i}", i % 50 == 0, False, END - timedelta(days=i % 300))
        for i in range(args.members)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "status.db"
        url = await load_sqlite(path, people, [])
        with sqlite3.connect(path) as connection:  # a tenth welcomed, so the counts differ
            connection.execute("UPDATE members SET welcomed_at = joined_at WHERE user_id LIKE '%1'")
        print("SQLite (file, WAL)")
        await measure(url, args.repeat)
    if args.postgres:
        url = await load_postgres(args.postgres, people, [])
        print("PostgreSQL")
        await measure(url, args.repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres", help="a scratch PostgreSQL database (its members and activity are emptied)"
    )
    asyncio.run(main(parser.parse_args()))
