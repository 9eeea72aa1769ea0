"""Memory and catch-up of the Discord adapter with a big server (issue #11, target 5 and the
catch-up part of 6): discord.py against the fake Discord, 100,000 members in one server.

Run by hand:  .venv/bin/python bench/memory.py [--members 100000]

Prints the process's RSS before the adapter, at ready and after the catch-up (the adapter
caches only the bot's member and members who join while it runs; the catch-up pages through
the member list, 1,000 a page), the time to ready, how long the catch-up (a MemberJoined per
current member) takes into a sink that only counts — the adapter's share; the engine's is in
bench/throughput.py — and how long a live join made during the catch-up takes to reach the
sink. The baseline (before issue #11): +168 MiB at ready with discord.py's full member cache.
Results go in bench/RESULTS.md.
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
    live_seen = asyncio.Event()

    async def sink(event: Event) -> None:
        nonlocal joins
        if isinstance(event, MemberJoined):
            if not event.backfill:
                live_seen.set()
                return
            joins += 1
            if joins == count:
                done.set()

    before = rss_mib()
    adapter = DiscordAdapter(discord_config(fake, ready_timeout=600.0, guild_ready_timeout=2.0))
    started = time.perf_counter()
    try:
        await adapter.start(sink, [])
        ready = time.perf_counter() - started
        at_ready = rss_mib()
        await asyncio.sleep(0.2)  # the catch-up is under way
        sent = time.perf_counter()
        await fake.add_member("live-joiner")
        await asyncio.wait_for(live_seen.wait(), timeout=60)
        live = time.perf_counter() - sent
        caught_during = joins
        await asyncio.wait_for(done.wait(), timeout=1800)
        caught_up = time.perf_counter() - started
        baseline_extra = 168.0
        extra = rss_mib() - before
        print(f"members: {count:,}")
        print(f"ready in {ready:.1f} s; catch-up ({joins:,} joins, counting sink) done at {caught_up:.1f} s")
        print(
            f"live join during the catch-up (after {caught_during:,} caught up):"
            f" {live * 1000:.0f} ms to the sink"
        )
        print(
            f"RSS: {before:.0f} MiB before the adapter, {at_ready:.0f} MiB at ready,"
            f" {rss_mib():.0f} MiB caught up"
        )
        print(
            f"adapter's share: +{extra:.0f} MiB"
            f" (baseline +{baseline_extra:.0f} MiB: {extra / baseline_extra:.2f}x)"
        )
    finally:
        await adapter.close()
        await fake.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().members))
