"""A gateway that ends for good after ready stops the bot with the reason (real discord.py vs the fake).

What `cohortbot run` builds with DISCORD_TOKEN, running its real loops: when Discord closes the
gateway with a code no reconnect can get past (4004: the token was reset; 4014: the privileged
intents were withdrawn), or a shard of a sharded process fails, the bot does not stay up deaf:
``Runtime.run`` ends with ``FatalStop`` saying what to fix (``cohortbot run`` prints it and
exits 1), and never the token.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from cohortbot.bot.bootstrap import App
from cohortbot.bot.runtime import FatalStop
from tests.contract.conftest import discord_app, eventually
from tests.contract.fakes.discord_fake import FakeDiscord

PLAYBOOK = """
name: Discord cohort
default: true
community_name: Discord Cohort
channels: {welcome: welcome, intros: introductions, moderators: general}
moderators: {users: [], roles: [Moderators], platform_admins: false}
steps:
  welcome: {message: "Hi {member}!"}
"""

UNSHARDED: dict[str, Any] = {}
# This process runs shard 1 of 2, which holds the fake's server.
SHARDED: dict[str, Any] = {"DISCORD_SHARD_COUNT": 2, "DISCORD_SHARD_IDS": [1]}


async def running_bot(fake: FakeDiscord, tmp_path: Path, **env: Any) -> tuple[App, asyncio.Task[None]]:
    app = await discord_app(fake, tmp_path, PLAYBOOK, **env)
    task = asyncio.create_task(app.runtime.run())
    await eventually(lambda: fake.commands, within=10)  # ready: /cohort registered
    return app, task


async def stopped_with(app: App, task: asyncio.Task[None]) -> str:
    try:
        with pytest.raises(FatalStop) as stopped:
            await asyncio.wait_for(task, timeout=15)
    finally:
        await app.database.dispose()
    return str(stopped.value)


@pytest.mark.parametrize("env", [UNSHARDED, SHARDED], ids=["unsharded", "sharded"])
async def test_a_token_reset_while_running_stops_the_bot_saying_what_to_fix(
    discord_fake: FakeDiscord, tmp_path: Path, env: dict[str, Any]
) -> None:
    app, task = await running_bot(discord_fake, tmp_path, **env)
    await discord_fake.disconnect_all(code=4004)

    reason = await stopped_with(app, task)
    assert "4004" in reason and "reset or revoked" in reason and "DISCORD_TOKEN" in reason
    assert discord_fake.token not in reason
    assert app.runtime.fatal == reason


async def test_intents_withdrawn_while_running_stop_the_bot_pointing_to_the_portal(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    app, task = await running_bot(discord_fake, tmp_path)
    discord_fake.members_intent_enabled = False
    await discord_fake.disconnect_all(code=4014)

    reason = await stopped_with(app, task)
    assert "4014" in reason and "SERVER MEMBERS INTENT" in reason and "Developer Portal" in reason


async def test_a_failed_shard_stops_the_sharded_bot_instead_of_leaving_it_deaf(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    app, task = await running_bot(discord_fake, tmp_path, **SHARDED)
    # A frame discord.py fails on outside its parsers (it writes into ``d`` before any parser):
    # a sharded client then closes every shard; unsharded, the gateway is connected again.
    await discord_fake.dispatch("RESUMED", None, shard=1)

    reason = await stopped_with(app, task)
    assert "shard failed" in reason and "TypeError" in reason and "restart the bot" in reason


async def test_stopping_on_purpose_is_no_fatal_stop(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    app, task = await running_bot(discord_fake, tmp_path)
    app.runtime.request_stop()
    await asyncio.wait_for(task, timeout=15)  # closing the adapter ends its gateway: not fatal
    await app.database.dispose()
    assert app.runtime.fatal is None
