"""Target 4 of issue #11: the weekly health report over 1,000,000 activity rows.

Run by hand:

    .venv/bin/python bench/reports.py [--rows 1000000] [--members 10000] [--days 90]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/scratch]

Generates the dataset (members, messages, questions, threads, replies to askers, reactions over
``--days`` days) straight into a migrated SQLite file (executemany) and, with ``--postgres``,
into that scratch database (COPY; its tables are emptied first). Then, per database, times
the report's core (``health.api.load_report``: the digest, ``/cohort health`` and
``cohortbot report`` all run it) for the weekly digest with 8 weeks of history and goals,
measures the peak extra Python memory of it (tracemalloc), and the longest stall of the
event loop while it runs (a heartbeat task every 10 ms), with and without drawing the three
charts, and how long another event's small read (``members.counts`` in its own unit of work,
every 20 ms) takes meanwhile. Baseline: the same report built the way it was before (every
record read as an object and the metrics computed in Python over them), on the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cohortbot.bot.charts import MatplotlibCharts
from cohortbot.config.playbook import load_playbooks
from cohortbot.playbook.analytics import records as reference
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.health.api import HealthConfig, load_report
from cohortbot.storage import Database

COMMUNITY = CommunityRef(Platform.DISCORD, "bench-guild", "Bench")
END = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday: the digest covers the 7 days before it
PLAYBOOK = """
name: Bench
default: true
timezone: Europe/Berlin
channels: {general: general, moderators: moderators}
steps:
  health:
    weeks: 8
    goals:
      - {name: Posters, metric: posters, target: 3000, by_week: 12}
      - {name: Answered, metric: answered_rate, target: 80, by_week: 12}
      - {name: Activation, metric: activation_rate, target: 60, by_week: 12}
"""


def generate(
    rows: int, members: int, days: int, seed: int = 4
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Members and activity rows (tuples in column order), power-law activity per member."""
    rng = random.Random(seed)
    start = END - timedelta(days=days)
    people = []
    for i in range(members):
        joined = (
            start + timedelta(seconds=rng.randrange(days * 86_400)) if i % 3 else start - timedelta(days=30)
        )
        people.append((f"u{i}", f"member {i}", i < 5, i % 97 == 0, joined))
    weights = [1 / (i + 1) ** 0.8 for i in range(members)]
    authors = rng.choices(range(members), weights=weights, k=rows)
    channels = [(f"c{i}", f"channel-{i}") for i in range(20)]
    questions: list[tuple[str, str, str, datetime]] = []  # (message id, asker, channel, at)
    activity = []
    span = days * 86_400
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(rows))
    for n, (author, at) in enumerate(zip(authors, times, strict=True)):
        user = f"u{author}"
        roll = rng.random()
        channel = channels[author % 20] if rng.random() < 0.7 else rng.choice(channels)
        thread, reply_to, is_question, kind = "", None, False, "reaction"
        sentiment = None
        if roll < 0.3:
            kind, is_question = "message", rng.random() < 0.1
            sentiment = round(rng.uniform(-1, 1), 3)
        elif roll < 0.5:
            kind, sentiment = "reply", round(rng.uniform(-1, 1), 3)
            recent = [q for q in questions[-50:] if q[1] != user]
            if recent:
                q = rng.choice(recent)
                channel = next(c for c in channels if c[0] == q[2])
                if rng.random() < 0.5:
                    thread = q[0]
                else:
                    reply_to = q[1]
        message_id = f"m{n}"
        if is_question:
            questions.append((message_id, user, channel[0], at))
        activity.append(
            (
                n + 1,
                "discord",
                COMMUNITY.id,
                user,
                channel[0],
                channel[1],
                at,
                kind,
                message_id,
                thread,
                reply_to,
                40,
                is_question,
                sentiment,
            )
        )
    return people, activity


COLUMNS = (
    "id, platform, community_id, user_id, channel_id, channel_name, at, kind, message_id, thread_id, "
    "reply_to_user_id, length, is_question, sentiment"
)
MEMBER_COLUMNS = (
    "platform, community_id, user_id, user_name, display_name, is_bot, pending, joined_at, join_count, "
    "analytics_opt_out, data"
)


def sqlite_text(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


async def load_sqlite(path: Path, people: list[tuple[Any, ...]], activity: list[tuple[Any, ...]]) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    await database.upgrade()
    async with database.unit_of_work() as uow:
        await uow.communities.seen(COMMUNITY, playbook="bench.yaml", now=END - timedelta(days=400))
        await uow.commit()
    await database.dispose()
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            f"INSERT INTO members ({MEMBER_COLUMNS}) VALUES ('discord', ?, ?, ?, ?, ?, 0, ?, 1, ?, '{{}}')",
            [
                (COMMUNITY.id, u, u, name, bot, sqlite_text(joined), out)
                for u, name, bot, out, joined in people
            ],
        )
        connection.executemany(
            f"INSERT INTO activity ({COLUMNS}) VALUES ({', '.join('?' * 14)})",
            [(*row[:6], sqlite_text(row[6]), *row[7:]) for row in activity],
        )
    connection.execute("ANALYZE")
    connection.close()
    return url


async def load_postgres(url: str, people: list[tuple[Any, ...]], activity: list[tuple[Any, ...]]) -> str:
    import asyncpg  # the driver the storage layer uses

    database = Database(url)
    await database.upgrade()
    async with database.unit_of_work() as uow:
        await uow.communities.seen(COMMUNITY, playbook="bench.yaml", now=END - timedelta(days=400))
        await uow.commit()
    await database.dispose()
    raw = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await raw.execute("TRUNCATE activity, members")
        await raw.copy_records_to_table(
            "members",
            columns=[c.strip() for c in MEMBER_COLUMNS.split(",")],
            records=[
                ("discord", COMMUNITY.id, u, u, name, bot, False, joined, 1, out, "{}")
                for u, name, bot, out, joined in people
            ],
        )
        await raw.copy_records_to_table(
            "activity", columns=[c.strip() for c in COLUMNS.split(",")], records=activity
        )
        await raw.execute(
            "SELECT setval(pg_get_serial_sequence('activity', 'id'), (SELECT max(id) FROM activity))"
        )
        await raw.execute("ANALYZE activity; ANALYZE members")
    finally:
        await raw.close()
    return url


async def stalls(work: Callable[[], Awaitable[Any]]) -> tuple[Any, float, float]:
    """Run ``work`` beside a 10 ms heartbeat: (result, seconds, longest stall of the loop in s)."""
    longest = 0.0
    done = False

    async def heartbeat() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            longest = max(longest, now - last - 0.01)
            last = now

    beat = asyncio.create_task(heartbeat())
    started = time.perf_counter()
    try:
        result = await work()
    finally:
        done = True
        await beat
    return result, time.perf_counter() - started, longest


async def beside(work: Callable[[], Awaitable[Any]], probe: Callable[[], Awaitable[Any]]) -> list[float]:
    """Run ``work`` while ``probe`` (another event's small read) runs every 20 ms: its latencies in s."""
    latencies: list[float] = []
    done = False

    async def probing() -> None:
        while not done:
            started = time.perf_counter()
            await probe()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)

    task = asyncio.create_task(probing())
    try:
        await work()
    finally:
        done = True
        await task
    return latencies


async def measure(url: str, *, repeat: int, baseline: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "bench.yaml"
        file.write_text(PLAYBOOK)
        loaded = load_playbooks([file], list(STEPS)).for_community(COMMUNITY)
    assert loaded is not None
    cfg = loaded.steps.get("health")
    assert isinstance(cfg, HealthConfig)
    database = Database(url)
    until = END.date()
    charts = MatplotlibCharts()

    async def report() -> Any:
        async with database.read_unit_of_work() as uow:  # as the reports job reads it
            return await load_report(
                uow,
                COMMUNITY,
                loaded,
                cfg,
                since=until - timedelta(days=7),
                until=until,
                history_from=until - timedelta(weeks=8),
                newcomers_from=until - timedelta(weeks=4),
            )

    async def report_and_charts_off_loop() -> Any:
        found = await report()
        for chart in found.charts:
            await asyncio.to_thread(charts.render, chart)
        return found

    async def report_and_charts_inline() -> Any:
        found = await report()
        for chart in found.charts:
            charts.render(chart)
        return found

    try:
        await report()  # warm the caches and the connection pool
        times, loop = [], []
        for _ in range(repeat):
            _, seconds, stall = await stalls(report)
            times.append(seconds)
            loop.append(stall)
        tracemalloc.start()
        await report()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        _, with_charts, stall_off = await stalls(report_and_charts_off_loop)
        _, inline, stall_inline = await stalls(report_and_charts_inline)
        print(
            f"  report core: median {statistics.median(times):.3f} s, best {min(times):.3f} s ({repeat} runs)"
        )
        print(f"  peak extra Python memory (tracemalloc): {peak / 2**20:.1f} MiB")
        print(f"  longest event-loop stall during the report: {1000 * max(loop):.0f} ms")
        print(
            f"  with 3 charts drawn in a thread: {with_charts:.3f} s, longest stall {1000 * stall_off:.0f} ms"
        )
        print(
            f"  with 3 charts drawn on the loop: {inline:.3f} s, longest stall {1000 * stall_inline:.0f} ms"
        )

        async def small_read() -> None:  # what a /cohort status does, in its own unit of work
            async with database.unit_of_work() as uow:
                await uow.members.counts(COMMUNITY)

        reads = sorted(await beside(report_and_charts_off_loop, small_read))
        print(
            f"  another event's small read beside it ({len(reads)} reads): "
            f"median {1000 * statistics.median(reads):.0f} ms, longest {1000 * reads[-1]:.0f} ms"
        )
        if baseline:

            async def old_way() -> Any:
                async with database.read_unit_of_work() as uow:
                    start = datetime.combine(
                        until - timedelta(weeks=8, days=35), datetime.min.time(), tzinfo=UTC
                    )
                    records = await uow.activity.list(COMMUNITY, since=start, until=END)
                    members = await uow.members.list(COMMUNITY, present_only=False)
                    counted = reference.counted(records, members)
                    for since in (END - timedelta(days=7), END - timedelta(days=14), start):
                        reference.question_outcomes(counted, since, END)
                return len(records)

            tracemalloc.start()
            rows, seconds, stall = await stalls(old_way)
            old_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"  baseline (read {rows} records as objects + 3 question passes, as before): "
                f"{seconds:.2f} s, {old_peak / 2**20:.0f} MiB, stall {1000 * stall:.0f} ms; "
                f"ratio {seconds / statistics.median(times):.1f}x"
            )
    finally:
        await database.dispose()


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    people, activity = generate(args.rows, args.members, args.days)
    print(
        f"generated {len(activity):,} rows, {len(people):,} members over {args.days} days "
        f"in {time.perf_counter() - started:.1f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        url = await load_sqlite(Path(tmp) / "bench.db", people, activity)
        print(f"SQLite (file, WAL): loaded in {time.perf_counter() - started:.1f} s")
        await measure(url, repeat=args.repeat, baseline=args.baseline)
    if args.postgres:
        started = time.perf_counter()
        url = await load_postgres(args.postgres, people, activity)
        print(f"PostgreSQL: loaded in {time.perf_counter() - started:.1f} s")
        await measure(url, repeat=args.repeat, baseline=args.baseline)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres", help="a scratch PostgreSQL database (its activity and members are emptied)"
    )
    parser.add_argument("--baseline", action="store_true", help="also time the records-as-objects way")
    asyncio.run(main(parser.parse_args()))
