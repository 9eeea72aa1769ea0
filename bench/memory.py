"""Memory and catch-up of the Discord adapter with a big server (issue #11, target 5 and the
catch-up part of 6): discord.py against the fake Discord, 100,000 members in one server.

Run by hand:  .venv/bin/python bench/memory.py [--members 100000]

Prints the process's RSS before and after the adapter is ready (discord.py's member cache:
``chunk_guilds_at_startup``), the time to ready, and how long the catch-up (a MemberJoined per
current member, handed to the sink at ready) takes into a sink that only counts — the adapter's
share; the engine's is in bench/throughput.py. Results go in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cohortbot.adapters.discord.adapter import DiscordAdapter
from cohortbot.playbook.events import Event, MemberJoined
from tests.contract.conftest import discord_config
from tests.contract.fakes.discord_fake import FakeDiscord


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(count: int) -> None:
    fake = await FakeDiscord().start()
    joined = datetime(2025, 1, 1, tzinfo=UTC).isoformat()
    for n in range(count):
        user = fake._user(str(10**17 + n), f"member{n}")
        fake.members[user["id"]] = fake._member(user, roles=[], pending=False, joined_at=joined)
    joins = 0
    done = asyncio.Event()

    async def sink(event: Event) -> None:
        nonlocal joins
        if isinstance(event, MemberJoined):
            joins += 1
            if joins == count:
                done.set()

    before = rss_mib()
    adapter = DiscordAdapter(discord_config(fake, ready_timeout=600.0, guild_ready_timeout=2.0))
    started = time.perf_counter()
    try:
        await adapter.start(sink, [])
        ready = time.perf_counter() - started
        await asyncio.wait_for(done.wait(), timeout=1800)
        caught_up = time.perf_counter() - started
        print(f"members: {count:,}")
        print(f"ready in {ready:.1f} s; catch-up ({joins:,} joins, counting sink) done at {caught_up:.1f} s")
        print(f"RSS: {before:.0f} MiB before the adapter, {rss_mib():.0f} MiB ready with the member cache")
    finally:
        await adapter.close()
        await fake.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().members))
