"""The per-event hot path: ordinary chat messages (and joins, reactions) through the whole path.

Run by hand:

    .venv/bin/python bench/hot_path.py                      # SQLite (a temp file, WAL)
    .venv/bin/python bench/hot_path.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/hot_path.py --profile hot.prof   # + cProfile of the measured messages

The example playbook (``cohortbot/config/examples/learning-cohort.yaml``) runs in a test
harness (the real runtime, a memory platform, an injected clock). Members join, a warm-up of
chat fills the steps' memories (the champions step remembers up to 1,000 recent posts), then
ordinary messages are measured: a mix of plain posts, questions, replies and thanks, each
through the runtime's sink -> inbox -> engine (every step) -> one commit. Printed: events/s,
SQL statements per event (counted with a ``before_cursor_execute`` listener, savepoints
included), CPU ms per event (process time: this process's Python and the driver's thread),
the bytes of step documents and member rows written per message, and the same for single
joins and reactions. Baseline in the same run: one transaction inserting one activity row per
message through the same engine (the floor of one-transaction-per-event). On PostgreSQL
each run works in a fresh schema, dropped at the end. Results go in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from cohortbot.playbook.events import MessagePosted, ReactionAdded
from cohortbot.playbook.refs import MessageRef
from cohortbot.storage import Database
from cohortbot.storage._sql import ACTIVITY
from tests.harness import Harness

EXAMPLE = Path(__file__).resolve().parents[1] / "cohortbot/config/examples/learning-cohort.yaml"
CHANNELS = ("general", "python-help", "stats")
TEXTS = (
    "Good morning everyone, back at the notebooks today",
    "How do I join two dataframes on a column with different names?",
    "I think pd.merge with left_on and right_on does it",
    "thanks, that worked!",
    "Anyone else doing the regression exercise this week?",
    "Yes, halfway through it. The residual plot confused me a bit",
)


class Statements:
    """Counts the SQL statements (and the bytes of JSON parameters) the engine sends."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        self.json_bytes = 0
        self.kinds: Counter[str] = Counter()
        self.log: list[str] | None = None
        sa_event.listen(database.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        self.count += 1
        self.kinds[statement.split(None, 1)[0].upper()] += 1
        for value in parameters if isinstance(parameters, (tuple, list)) else (parameters or {}).values():
            if isinstance(value, str) and value[:1] in "{[":
                self.json_bytes += len(value)
        if self.log is not None:
            self.log.append(" ".join(statement.split())[:160])


@asynccontextmanager
async def database_at(url: str | None) -> AsyncIterator[Database]:
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            try:
                yield database
            finally:
                await database.dispose()
        return
    if not url.startswith("postgresql"):
        database = Database(url)
        try:
            yield database
        finally:
            await database.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


class Chat:
    """A deterministic stream of ordinary messages from ``members`` members."""

    def __init__(self, bot: Harness, members: int) -> None:
        self.bot = bot
        self.members = members
        self.n = 0
        self.recent: list[tuple[MessageRef, str]] = []

    def next_message(self) -> MessagePosted:
        bot, n = self.bot, self.n
        self.n += 1
        author = f"m{(n * 7) % self.members}"
        channel = bot.channel(CHANNELS[n % len(CHANNELS)])
        body = TEXTS[n % len(TEXTS)]
        reply_to = reply_message = None
        if n % 3 == 2 and self.recent:  # a third are replies to a recent message
            reply_message, reply_author = self.recent[-1 - (n % min(len(self.recent), 20))]
            if reply_author != author:
                reply_to = bot.user(reply_author)
            else:
                reply_message = None
        bot._seq += 1
        ref = MessageRef(channel, f"msg{bot._seq}")
        self.recent = [*self.recent[-99:], (ref, author)]
        return MessagePosted(
            community=bot.community,
            occurred_at=bot.clock.now(),
            event_id=f"e{bot._seq}",
            author=bot.user(author),
            channel=channel,
            message=ref,
            text=body,
            reply_to=reply_to,
            reply_to_message=reply_message,
        )

    def next_reaction(self) -> ReactionAdded:
        bot = self.bot
        bot._seq += 1
        message, author = self.recent[-1 - (bot._seq % len(self.recent))]
        return ReactionAdded(
            community=bot.community,
            occurred_at=bot.clock.now(),
            event_id=f"e{bot._seq}",
            user=bot.user(f"m{(bot._seq * 5) % self.members}"),
            message=message,
            emoji="👍",
            message_author=bot.user(author),
        )


async def timed(
    bot: Harness, stmts: Statements, count: int, make: Callable[[], Awaitable[None]]
) -> dict[str, float]:
    """Run ``make`` ``count`` times; wall, CPU and statements per event."""
    before_stmts, before_json, before_processed = stmts.count, stmts.json_bytes, bot.runtime.processed
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        await make()
        bot.clock.advance(timedelta(seconds=2))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    processed = bot.runtime.processed - before_processed
    if processed != count:
        print(f"  (warning: {processed} of {count} events processed)")
    return {
        "events/s": count / wall,
        "statements/event": (stmts.count - before_stmts) / count,
        "CPU ms/event": 1000 * cpu / count,
        "JSON bytes written/event": (stmts.json_bytes - before_json) / count,
    }


async def floor(database: Database, count: int) -> float:
    """One transaction with one activity INSERT per message: the one-commit-per-event floor."""
    rows = [
        {
            "platform": "memory", "community_id": "floor", "user_id": f"m{n % 100}", "channel_id": "c",
            "channel_name": "general", "kind": "message", "message_id": f"f{n}", "thread_id": "",
            "reply_to_user_id": None, "length": 40, "is_question": False, "sentiment": 0.1,
        }
        for n in range(count)
    ]
    started = time.perf_counter()
    for row in rows:
        async with database.engine.begin() as connection:
            await connection.execute(ACTIVITY.insert().values(at=_now(), **row))
    return count / (time.perf_counter() - started)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def show(title: str, figures: dict[str, float]) -> None:
    shown = ", ".join(f"{v:,.1f} {k}" for k, v in figures.items())
    print(f"{title}: {shown}")


async def main(args: argparse.Namespace) -> None:
    yaml = EXAMPLE.read_text(encoding="utf-8")
    async with database_at(args.url) as database:
        with tempfile.TemporaryDirectory() as tmp:
            bot = await Harness.start(Path(tmp), yaml, database=database)
            stmts = Statements(database)
            chat = Chat(bot, args.members)
            for n in range(args.members):
                await bot.join(f"m{n}", settle=False)
                bot.clock.advance(timedelta(seconds=1))
            await bot.runtime.settle()
            for _ in range(args.warm):
                await bot.runtime.submit(chat.next_message())
                bot.clock.advance(timedelta(seconds=2))
            await bot.runtime.settle()
            print(f"database: {database.safe_url} ({database.dialect})")
            print(f"{args.members} members, {args.warm} warm-up messages, then {args.messages} measured")

            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            messages = await timed(bot, stmts, args.messages, lambda: bot.runtime.submit(chat.next_message()))
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
            show("messages", messages)
            react = lambda: bot.runtime.submit(chat.next_reaction())  # noqa: E731
            show("reactions", await timed(bot, stmts, args.reactions, react))
            joined = iter(range(args.members, args.members + args.joins))
            join = lambda: bot.join(f"m{next(joined)}", settle=False)  # noqa: E731
            show("joins", await timed(bot, stmts, args.joins, join))
            await bot.runtime.settle()

            stmts.log = []
            await bot.runtime.submit(chat.next_message())
            one, stmts.log = stmts.log, None
            print(f"one ordinary message: {len(one)} statements")
            for line in one:
                print(f"  {line}")
            async with database.unit_of_work() as uow:
                docs = {k: len(json.dumps(await uow.state.get(bot.community, k)))
                        for k in await uow.state.keys(bot.community, "")}
            biggest = sorted(docs.items(), key=lambda kv: -kv[1])[:3]
            print("largest step documents: " + ", ".join(f"{k} {v:,} B" for k, v in biggest))
            rate = await floor(database, min(args.messages, 500))
            print(
                f"baseline (one transaction, one activity INSERT per message): {rate:,.0f}/s; "
                f"messages at {messages['events/s'] / rate:.2f}x of it"
            )
            await bot.close()
    if args.profile:
        stats = pstats.Stats(args.profile)
        stats.sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="a database URL (default: a temp SQLite file)")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--warm", type=int, default=1500, help="messages before measuring")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--reactions", type=int, default=300)
    parser.add_argument("--joins", type=int, default=100)
    parser.add_argument("--profile", default=None, help="write a cProfile of the measured messages here")
    asyncio.run(main(parser.parse_args()))
