"""A join burst against a fake Discord that enforces its rate limits with real 429s.

The fake (``fakes/discord_limits.py``) counts every REST request against a global limit,
scaled down here to 20 requests/s so a small burst crosses it, and each route's bucket
(messages: 5 per 5 s per channel), answering with ``X-RateLimit-*`` headers, and beyond a
limit with a 429. The bot runs as ``cohortbot run`` builds it (DISCORD_GLOBAL_RATE_LIMIT=20):
30 members joining at once need 60 requests (open the DM, send it), three seconds' worth.
Behaviour only: every member welcomed by one DM, and no bucket answered 429 more than once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from cohortbot.bot.bootstrap import App
from tests.contract.conftest import all_delivered, discord_app, eventually
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.discord_limits import MESSAGES, OPEN_DM, DiscordLimits

GLOBAL = 20  # requests per second, the fake's and the bot's
JOINS = 30

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
    burst: {max_joins: 100000}
"""


@pytest.fixture
async def limited() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    try:
        yield fake
    finally:
        await fake.close()


@asynccontextmanager
async def _run(fake: FakeDiscord, tmp_path: Path, **env: str) -> AsyncIterator[App]:
    app = await discord_app(fake, tmp_path, PLAYBOOK, **env)
    task = asyncio.create_task(app.runtime.run())
    try:
        await eventually(lambda: fake.commands, within=10)  # ready, /cohort registered
        yield app
    finally:
        app.runtime.request_stop()
        await asyncio.wait_for(task, timeout=15)
        await app.database.dispose()


async def test_a_join_burst_is_welcomed_once_each_with_at_most_one_429_per_bucket(
    limited: FakeDiscord, tmp_path: Path
) -> None:
    limits = limited.limits = DiscordLimits(global_limit=GLOBAL, global_window=1.0)
    def welcomed() -> int:
        channels = [limited.dm_channel_of(m["user"]["id"]) for m in members]
        return sum(1 for c in channels if c and limited.messages_in(c))

    async with _run(limited, tmp_path, DISCORD_GLOBAL_RATE_LIMIT=str(GLOBAL)) as app:
        members = [await limited.add_member(f"m{n}") for n in range(JOINS)]

        await eventually(lambda: welcomed() == JOINS, within=30)
        await all_delivered(app.runtime, app.database.unit_of_work, within=30)
    for member in members:
        channel = limited.dm_channel_of(member["user"]["id"])
        assert channel is not None
        assert len(limited.messages_in(channel)) == 1, member["user"]["username"]
    assert len(limited.calls_to(OPEN_DM)) == JOINS
    assert len(limited.calls_to(MESSAGES)) == JOINS
    over = {bucket: n for bucket, n in limits.rate_limited.items() if n > 1}
    assert over == {}, f"429s per bucket: {dict(limits.rate_limited)}"
