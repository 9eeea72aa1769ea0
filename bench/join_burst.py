"""Join burst at the rate limit (issue #11, target 3), against fakes that enforce the limits.

Run by hand:  .venv/bin/python bench/join_burst.py [--members 10000] [--over 60]
              .venv/bin/python bench/join_burst.py --platform slack [--members 1000] [--minute 6]

Discord: the real runtime as ``cohortbot run`` builds it (SQLite file, the real discord.py)
against the in-process fake Discord enforcing 50 requests/s globally (sliding window) and its
per-route buckets with ``X-RateLimit-*`` headers and real 429s; ``--members`` join over
``--over`` seconds through the gateway, each to be welcomed by a DM (open + send: two
requests). Slack: the real deliverer and slack_sdk against the fake Slack enforcing its
method tiers (``conversations.open`` Tier 3, 50 a minute; ``chat.postMessage`` one a second
per channel); ``--minute`` scales Slack's minute down (60 is real time, and 10,000 DMs would
then take 200 minutes). Prints requests/s achieved against the rate the limit allows (the
baseline), the 429s per bucket, welcomes delivered and duplicates. Results: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.contract.conftest import all_delivered, discord_app, eventually
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.discord_limits import OPEN_DM, DiscordLimits

PLAYBOOK = """
name: Burst
default: true
community_name: Burst
timezone: UTC
channels: {welcome: welcome, intros: introductions, moderators: general}
moderators: {users: [], roles: [Moderators], platform_admins: false}
steps:
  welcome:
    message: "Hi {member}!"
    burst: {max_joins: 1000000, window: %s}
"""


class Timeline:
    """Every 100 ms: requests the fake let through, the limiter's admissions and waiters, loop lag.

    Tells a dry pipe (nobody waiting at the limiter, fewer than 5 requests in 100 ms) from a
    limiter that holds requests back, and from an event loop too busy to send them.
    """

    TICK = 0.1

    def __init__(self, limits: DiscordLimits, decided: Callable[[], int]) -> None:
        from cohortbot.adapters.ratelimit import WindowLimiter

        self.limits = limits
        self.admitted = 0
        self.waiting = 0
        self.decided = decided  # events decided so far
        self.rows: list[tuple[int, int, int, float, int]] = []  # passed, admitted, waiting, lag, decided
        original = WindowLimiter.acquire
        timeline = self

        async def acquire(limiter: WindowLimiter, *, until_answered: bool = False) -> int:
            timeline.waiting += 1
            try:
                ticket = await original(limiter, until_answered=until_answered)
            finally:
                timeline.waiting -= 1
            timeline.admitted += 1
            return ticket

        WindowLimiter.acquire = acquire  # type: ignore[method-assign,assignment]

    async def run(self) -> None:
        passed, admitted = self.limits.passed, self.admitted
        while True:
            started = time.monotonic()
            await asyncio.sleep(self.TICK)
            lag = time.monotonic() - started - self.TICK
            self.rows.append((self.limits.passed - passed, self.admitted - admitted, self.waiting, lag,
                              self.decided()))
            passed, admitted = self.limits.passed, self.admitted

    def summary(self) -> str:
        busy = [n for n, row in enumerate(self.rows) if row[0] or row[1] or row[2]]
        if not busy:
            return "timeline: nothing sent"
        active = self.rows[busy[0]:busy[-1] + 1]
        short = [row for row in active if row[0] < 5]
        dry = [row for row in short if row[2] == 0]
        laggy = [row for row in short if row[3] > 0.05]
        return (f"timeline: {len(active)} ticks of 100 ms sending; {len(short)} under 5 requests"
                f" ({len(dry)} with nobody waiting at the limiter, {len(laggy)} with the loop"
                f" over 50 ms late); loop lag max {max(r[3] for r in active) * 1000:.0f} ms,"
                f" mean {sum(r[3] for r in active) / len(active) * 1000:.1f} ms")


def _report(label: str, requests: int, seconds: float, allowed: float, limited: dict[str, int]) -> None:
    achieved = requests / seconds if seconds else 0.0
    print(f"{label}: {requests} requests in {seconds:.1f}s = {achieved:.1f}/s of {allowed:.1f}/s allowed"
          f" (ratio {achieved / allowed:.3f})")
    worst = max(limited.values(), default=0)
    print(f"429s: {sum(limited.values())} in {len(limited)} bucket(s), at most {worst} per bucket: {limited}")


async def discord(
    members: int, over: float, timeline_file: Path | None = None, burst_window: str = "10m"
) -> None:
    fake = await FakeDiscord().start()
    with tempfile.TemporaryDirectory() as tmp:
        app = await discord_app(fake, Path(tmp), PLAYBOOK % burst_window)
        task = asyncio.create_task(app.runtime.run())
        await eventually(lambda: fake.commands, within=30)
        limits = fake.limits = DiscordLimits()  # 50/s global, messages 5 per 5 s per channel
        timeline = Timeline(limits, lambda: app.runtime.processed)
        ticking = asyncio.create_task(timeline.run())
        started = time.monotonic()
        ids = []
        for n in range(members):
            ids.append((await fake.add_member(f"m{n}"))["user"]["id"])
            lag = started + (n + 1) * over / members - time.monotonic()
            if lag > 0:
                await asyncio.sleep(lag)
        joined = time.monotonic() - started
        print(f"{members} members joined in {joined:.1f}s")
        while True:
            welcomed = sum(1 for i in ids if (c := fake.dm_channel_of(i)) and fake.messages_in(c))
            if welcomed == members:
                break
            await asyncio.sleep(0.5)
        ticking.cancel()
        await all_delivered(app.runtime, app.database.unit_of_work, within=120)
        app.runtime.request_stop()
        await asyncio.wait_for(task, timeout=30)
        await app.database.dispose()
    await fake.close()
    counts = [len(fake.messages_in(fake.dm_channel_of(i) or "")) for i in ids]
    assert limits.first_at is not None and limits.last_at is not None
    print(f"welcomes delivered: {sum(1 for c in counts if c)} of {members}; duplicates: "
          f"{sum(c - 1 for c in counts if c > 1)}; DM channels opened: {len(fake.calls_to(OPEN_DM))}")
    # From the first welcome request (before it: the bot's start-up, then waiting for the first
    # join's decision) to the last request; what the window lets through in that span at most.
    first = min(call.at for call in fake.calls_to(OPEN_DM))
    sent = [c.at for c in fake.calls if c.status != 429 and c.at >= first and "/interactions/" not in c.path]
    span = max(sent) - first
    most = limits.global_limit * (math.floor(span / limits.global_window) + 1)
    _report("Discord (from the first welcome request)", len(sent), span, limits.global_limit
            / limits.global_window, dict(limits.rate_limited))
    print(f"  = {len(sent) / most:.3f} of the {most} requests the sliding window lets through in {span:.1f}s")
    print(timeline.summary())
    if timeline_file is not None:
        timeline_file.write_text(  # noqa: ASYNC240 (after the run)
"".join(f"{i * Timeline.TICK:.1f} {p} {a} {w} {lag * 1000:.0f} {d}\n"
                                         for i, (p, a, w, lag, d) in enumerate(timeline.rows)))


async def slack(members: int, minute: float) -> None:
    from cohortbot.adapters.slack import SlackAdapter
    from cohortbot.bot.clock import ManualClock, SystemClock
    from cohortbot.bot.deliverer import Deliverer
    from cohortbot.playbook.actions import SendDirectMessage
    from cohortbot.playbook.messages import RichMessage
    from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
    from cohortbot.storage.memory import MemoryStore
    from tests.contract.conftest import RecordingSink
    from tests.contract.fakes.slack_fake import FakeSlack
    from tests.contract.fakes.slack_limits import SlackLimits
    from tests.contract.slack_fixtures import CATALOG, make_config
    from tests.harness import START

    fake = FakeSlack()
    users = [f"UJ{n:06d}" for n in range(members)]
    for user in users:
        fake.users[user] = {"id": user, "name": user.lower(), "profile": {"display_name": user}}
    await fake.start()
    adapter = SlackAdapter(make_config(fake, "http", rate_minute=minute))
    await adapter.start(RecordingSink(), CATALOG)
    limits = fake.limits = SlackLimits(minute=minute)
    store, clock = MemoryStore(), ManualClock(START)
    community = CommunityRef(Platform.SLACK, fake.team_id)
    async with store.unit_of_work() as uow:
        for user in users:
            to = UserRef(Platform.SLACK, user)
            dm = SendDirectMessage(key=f"welcome:{user}", community=community, to=to,
                                   message=RichMessage(text=f"Hi {user}!"))
            await uow.outbox.add(dm, now=clock.now())
        await uow.commit()
    # The background pipeline as ``cohortbot run`` runs it, on the real clock (a 429's retry
    # waits its Retry-After).
    deliverer = Deliverer(store.unit_of_work, {Platform.SLACK: adapter}, SystemClock())
    stop = asyncio.Event()
    started = time.monotonic()
    running = asyncio.create_task(deliverer.run(stop))
    await eventually(lambda: deliverer.delivered >= members, within=24 * 3600, interval=0.1)
    seconds = time.monotonic() - started
    stop.set()
    await running
    await adapter.close()
    await fake.stop()
    counts = [len(fake.posted_in(f"D{user}")) for user in users]
    print(f"welcomes delivered: {sum(1 for c in counts if c)} of {members}; duplicates: "
          f"{sum(c - 1 for c in counts if c > 1)}")
    # The first 50 pass at once (a minute's allowance); the rate is what follows them.
    opens = limits.passed["conversations.open"] - 50
    _report("Slack conversations.open (Tier 3) after the first minute's 50", opens, seconds, 50 / minute,
            dict(limits.rate_limited))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--platform", choices=["discord", "slack"], default="discord")
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument("--over", type=float, default=60.0, help="seconds joins are spread over (Discord)")
    parser.add_argument("--minute", type=float, default=6.0, help="seconds in Slack's minute (Slack)")
    parser.add_argument("--burst-window", default="10m",
                        help="the welcome step's burst window (Discord; the default's: 10m). Every join"
                        " inside it is kept in one document, read and written again at each join")
    parser.add_argument("--timeline", type=Path, default=None,
                        help="every 100 ms: passed, admitted, waiting, lag ms, events decided (Discord)")
    args = parser.parse_args()
    if args.platform == "discord":
        asyncio.run(discord(args.members or 10_000, args.over, args.timeline, args.burst_window))
    else:
        asyncio.run(slack(args.members or 1_000, args.minute))


if __name__ == "__main__":
    main()
