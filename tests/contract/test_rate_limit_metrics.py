"""Every 429 a platform answers is counted in /metrics' ``cohortbot_platform_rate_limited_total``,
by platform and scope: real discord.py against the fake Discord enforcing a lower global limit
than the bot believes, so its requests draw real global 429s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tests.contract.conftest import eventually
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.discord_limits import DiscordLimits
from tests.contract.test_discord_rate import _run


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    started = await FakeDiscord().start()
    try:
        yield started
    finally:
        await started.close()


def _counted(scope: str) -> float:
    value = REGISTRY.get_sample_value(
        "cohortbot_platform_rate_limited_total", {"platform": "discord", "scope": scope}
    )
    return value or 0.0


async def test_each_429_from_discord_is_counted_by_scope(fake: FakeDiscord, tmp_path: Path) -> None:
    limits = fake.limits = DiscordLimits(global_limit=4, global_window=1.0)
    before = {scope: _counted(scope) for scope in ("global", "route")}
    async with _run(fake, tmp_path, DISCORD_GLOBAL_RATE_LIMIT="50"):   # the bot believes 50/s
        for n in range(12):
            await fake.add_member(f"m{n}")
        await eventually(lambda: limits.rate_limited["global"] > 0, within=20)
    answered_global = limits.rate_limited["global"]
    answered_route = sum(n for bucket, n in limits.rate_limited.items() if bucket != "global")
    assert answered_global >= 1
    assert _counted("global") - before["global"] == answered_global
    assert _counted("route") - before["route"] == answered_route
