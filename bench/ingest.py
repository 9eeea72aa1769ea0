"""Targets 1 and 2 of issue #11: ingest under load, and a command's latency meanwhile.

Run by hand:

    .venv/bin/python bench/ingest.py                      # SQLite (a temp file, WAL)
    .venv/bin/python bench/ingest.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ingest.py --path both          # the gateway path, then the events path

``--path gateway`` (the default): target 1 as the issue states it, from Discord gateway frames
through discord.py and the Discord adapter into the bot ``cohortbot run`` builds, with both
baselines of the same run (discord.py's own parse + dispatch of the same frames; a raw batched
insert of the same rows) and both ratios: see ``bench/gateway.py``.

``--path events``: the runtime alone. Ordinary chat messages arrive the way a gateway hands
them over: many at once, each in its own task awaiting the runtime's sink
(``Runtime.submit``), so the runtime's group commit (``cohortbot/bot/decider.py``) decides the
ones waiting together in one transaction. The example playbook runs every step
(``bench/hot_path.py`` holds the chat generator). Printed:

1. **Ingest**: events/s through the whole path (sink -> inbox -> engine -> activity and state
   -> one commit per batch) and the p50/p99 event-to-commit latency, against the
   one-transaction-per-event floor measured in the same run (one INSERT per transaction).
2. **Command latency**: ``/cohort status`` issued 20 times while messages arrive at a steady
   ``--rate`` per second (default 1,000/s, or as fast as the bot goes when slower): p50/p99
   from submit to decided, and the chat backlog meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gateway import Frames, gateway_bot, percentile, raw_insert, through_gateway
from bench.hot_path import EXAMPLE, Chat, database_at, floor
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.refs import InteractionRef, Platform
from tests.harness import Harness


async def ingest(bot: Harness, chat: Chat, count: int, wave: int) -> dict[str, float]:
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        await bot.runtime.submit(chat.next_message())
        latencies.append(time.perf_counter() - started)

    batches_before = bot.runtime.decider.batches
    began = time.perf_counter()
    for start in range(0, count, wave):
        await asyncio.gather(*(one() for _ in range(min(wave, count - start))))
        bot.clock.advance(timedelta(seconds=1))
    wall = time.perf_counter() - began
    return {
        "events/s": count / wall,
        "p50 ms": 1000 * percentile(latencies, 0.5),
        "p99 ms": 1000 * percentile(latencies, 0.99),
        "events/batch": count / max(1, bot.runtime.decider.batches - batches_before),
    }


async def command_latency(bot: Harness, chat: Chat, rate: float, seconds: float) -> dict[str, float]:
    """Messages at ``rate``/s in the background; /cohort status every 1/20 of the time."""
    stop = time.perf_counter() + seconds
    pending: set[asyncio.Task[None]] = set()
    sent = 0

    async def chat_source() -> None:
        nonlocal sent
        began = time.perf_counter()
        while time.perf_counter() < stop:
            due = int((time.perf_counter() - began) * rate) - sent
            for _ in range(max(0, due)):
                task = asyncio.ensure_future(bot.runtime.submit(chat.next_message()))
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            await asyncio.sleep(0.005)

    source = asyncio.ensure_future(chat_source())
    latencies: list[float] = []
    backlog: list[int] = []
    for _ in range(20):
        await asyncio.sleep(seconds / 21)
        bot._seq += 1
        command = CommandInvoked(
            community=bot.community,
            occurred_at=bot.clock.now(),
            event_id=f"cmd{bot._seq}",
            actor=bot.actor("facilitator"),
            channel=bot.channel("general"),
            interaction=InteractionRef(Platform.MEMORY, f"i{bot._seq}", token="tok"),
            path=("status",),
            options={},
        )
        backlog.append(bot.runtime.decider.waiting)
        started = time.perf_counter()
        await bot.runtime.submit(command)
        latencies.append(time.perf_counter() - started)
    await source
    if pending:
        await asyncio.gather(*pending)
    return {
        "chat sent/s": sent / seconds,
        "command p50 ms": 1000 * percentile(latencies, 0.5),
        "command p99 ms": 1000 * percentile(latencies, 0.99),
        "chat waiting (median)": statistics.median(backlog),
    }


def show(title: str, figures: dict[str, float]) -> None:
    print(f"{title}: " + ", ".join(f"{v:,.1f} {k}" for k, v in figures.items()))


async def gateway(args: argparse.Namespace) -> None:
    async with gateway_bot(args.url, args.members) as bot:
        frames = Frames(bot.fake, bot.members)
        for _ in range(2):
            await through_gateway(bot, frames.make(200), args.wave)  # warm-up: the steps' memories fill
        database = bot.database
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {database.safe_url} ({database.dialect}); {args.members} members; gateway path;"
              f" load average {load} on {os.cpu_count()} CPUs")
        measured = frames.make(args.messages)
        discord_only = await through_gateway(bot, measured, args.wave, noop=True)
        ours = await through_gateway(bot, measured, args.wave)
        batch = max(1, round(ours["events/batch"]))
        rows = await raw_insert(database, measured, batch)
        largest = bot.app.runtime.decider.batch_size
        rows_largest = await raw_insert(database, measured, largest, copy="raw2")
        show(f"whole path: {args.messages} MESSAGE_CREATE frames in waves of {args.wave}", ours)
        show("baseline A (discord.py parse + dispatch, no-op on_message)", discord_only)
        show(f"baseline B (raw executemany of the same rows, {batch} messages per transaction)", rows)
        show(f"  the same at the decider's largest batch ({largest} messages per transaction)",
             {"events/s": rows_largest["events/s"]})
        print(
            f"ratios: ours / A = {ours['events/s'] / discord_only['events/s']:.3f}, "
            f"ours / B = {ours['events/s'] / rows['events/s']:.3f}"
        )


async def main(args: argparse.Namespace) -> None:
    if args.path in ("gateway", "both"):
        await gateway(args)
    if args.path in ("events", "both"):
        await events(args)


async def events(args: argparse.Namespace) -> None:
    yaml = EXAMPLE.read_text(encoding="utf-8")
    async with database_at(args.url) as database:
        with tempfile.TemporaryDirectory() as tmp:
            bot = await Harness.start(Path(tmp), yaml, database=database)
            bot.runtime.deliver = False          # decisions only: delivery is target 3's bench
            bot.roles["facilitator"] = {"facilitators"}
            chat = Chat(bot, args.members)
            await asyncio.gather(*(bot.join(f"m{n}", settle=False) for n in range(args.members)))
            for _ in range(2):
                await ingest(bot, chat, 200, args.wave)   # warm-up: the steps' memories fill
            print(f"database: {database.safe_url} ({database.dialect}); {args.members} members")
            show(f"ingest of {args.messages} messages in waves of {args.wave}",
                 await ingest(bot, chat, args.messages, args.wave))
            show("floor (one INSERT per transaction)", {"events/s": await floor(database, 500)})
            show(f"/cohort status while chat arrives at {args.rate:,.0f}/s",
                 await command_latency(bot, chat, args.rate, args.seconds))
            await bot.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--path", choices=("gateway", "events", "both"), default="gateway",
        help="gateway frames through discord.py and the adapter (default), or events into the runtime",
    )
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--wave", type=int, default=500, help="messages arriving at once")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(main(parser.parse_args()))
