"""Throughput of the whole pipeline: joins -> engine -> outbox -> deliverer -> memory platform.

Run by hand:  .venv/bin/python bench/throughput.py [--members 2000] [--url sqlite+aiosqlite:///...]
Prints events/s, deliveries/s and peak memory; results go in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import Harness

PLAYBOOK = """
name: Bench
default: true
channels: {welcome: welcome, intros: introductions}
steps:
  welcome:
    follow_ups: [{after: 1d, unless: introduced, message: "Hi {member}, say hello in {intro_channel}"}]
    burst: {max_joins: 100000, window: 1m}
  intros: {}
"""


async def main(members: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await Harness.start(Path(tmp), PLAYBOOK, url=url)
        try:
            started = time.perf_counter()
            for n in range(members):
                await bot.join(f"m{n}", settle=False)
                bot.clock.advance(timedelta(seconds=1))
            decided = time.perf_counter()
            await bot.runtime.settle()
            delivered = time.perf_counter()
            for n in range(0, members, 2):
                await bot.post(
                    f"m{n}", "introductions", "Hello, I am here to learn data science!", settle=False
                )
            posted = time.perf_counter()
            await bot.advance("1d")
            nudged = time.perf_counter()
        finally:
            await bot.close()
    sent = len(bot.performed)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {url or 'sqlite (temp file)'}")
    print(
        f"{members} joins decided in {decided - started:.2f}s  ({members / (decided - started):.0f} events/s)"
    )
    print(
        f"{members} welcomes delivered in {delivered - decided:.2f}s "
        f"({members / (delivered - decided):.0f}/s)"
    )
    print(
        f"{members // 2} posts decided in {posted - delivered:.2f}s "
        f"({members // 2 / (posted - delivered):.0f} events/s)"
    )
    print(f"day-1 follow-ups: {members - members // 2} nudges fired+delivered in {nudged - posted:.2f}s")
    print(f"actions performed: {sent}; peak RSS {peak_mb:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.url))
