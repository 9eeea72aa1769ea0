"""Issue 3's "done when", end to end: what `cohortbot run` builds with DISCORD_TOKEN, running its
real loops (adapter, scheduler, deliverer) against the fake Discord over HTTP and websockets.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings

from cohortbot.bot.bootstrap import App, build_app
from cohortbot.config.settings import Settings
from cohortbot.playbook.refs import Platform
from tests.contract.conftest import all_delivered, eventually, run_settings
from tests.contract.fakes.discord_fake import FakeDiscord

PLAYBOOK = """
name: Discord cohort
default: true
community_name: Discord Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: general}
moderators: {users: [], roles: [Moderators], platform_admins: false}
guidelines: {link: "https://example.org/rules"}
steps:
  welcome:
    message: "Hi {member}! Introduce yourself in {intro_channel}."
    guidelines: {required: true, role: Champion}
  intros: {min_length: 20}
"""

MESSAGES = "POST /channels/{channel_id}/messages"


@dataclass
class Running:
    fake: FakeDiscord
    app: App
    task: asyncio.Task[None]

    def dms_to(self, member: dict[str, Any]) -> list[dict[str, Any]]:
        channel = self.fake.dm_channel_of(member["user"]["id"])
        return self.fake.messages_in(channel) if channel else []

    def posts_in(self, name: str) -> list[dict[str, Any]]:
        return self.fake.messages_in(str(self.fake.channel_named(name)["id"]))

    async def all_delivered(self) -> None:
        await all_delivered(self.app.runtime, self.app.database.unit_of_work)


def settings_for(fake: FakeDiscord, tmp_path: Path) -> tuple[Settings, dict[Platform, BaseSettings]]:
    return run_settings(
        COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.base_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_READY_TIMEOUT=0.1,
        DISCORD_COMMAND_SYNC="guild",
    )


async def start(fake: FakeDiscord, tmp_path: Path) -> Running:
    file = tmp_path / "playbook.yaml"
    file.write_text(textwrap.dedent(PLAYBOOK))
    settings, platforms = settings_for(fake, tmp_path)
    app = build_app(settings, platform_settings=platforms, playbook_paths=[file])
    await app.database.upgrade()
    task = asyncio.create_task(app.runtime.run())
    await eventually(lambda: fake.sessions, within=10)  # IDENTIFY accepted
    await eventually(lambda: fake.commands, within=10)  # /cohort registered at ready
    return Running(fake, app, task)


async def stop(running: Running) -> None:
    running.app.runtime.request_stop()
    await asyncio.wait_for(running.task, timeout=15)
    await running.app.database.dispose()


@pytest.fixture
async def bot(discord_fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Running]:
    running = await start(discord_fake, tmp_path)
    try:
        yield running
    finally:
        await stop(running)


async def test_a_joining_member_gets_the_welcome_dm(bot: Running) -> None:
    ada = await bot.fake.add_member("ada")
    [dm] = await eventually(lambda: bot.dms_to(ada), within=10)
    text = dm["content"] + str(dm.get("embeds"))
    assert "Hi ada!" in text
    intros = bot.fake.channel_named("introductions")["id"]
    assert f"<#{intros}>" in text  # the channel name resolved to its id
    labels = [c["label"] for row in dm["components"] for c in row["components"]]
    assert labels == ["I accept the guidelines", "Read the guidelines"]


async def test_a_refused_dm_falls_back_to_a_mention_in_the_welcome_channel(bot: Running) -> None:
    ben = await bot.fake.add_member("ben", user_id="1100000000000009999")
    bot.fake.refuse_dms_for(ben["user"]["id"])
    [post] = await eventually(lambda: bot.posts_in("welcome"), within=10)
    assert f"<@{ben['user']['id']}>" in post["content"]
    assert "couldn't send you a direct message" in post["content"] + str(post.get("embeds"))


async def test_pressing_accept_onboards_and_grants_the_role(bot: Running) -> None:
    cleo = await bot.fake.add_member("cleo")
    await eventually(lambda: bot.dms_to(cleo), within=10)
    raw = await bot.fake.press_button(cleo["user"]["id"], "welcome:accept")
    await eventually(lambda: raw["responses"] or raw["followups"], within=10)
    champion = bot.fake.role_named("Champion")["id"]
    await eventually(lambda: champion in bot.fake.members[cleo["user"]["id"]]["roles"], within=10)


async def test_slash_commands_check_the_moderator_role(bot: Running) -> None:
    student = await bot.fake.add_member("student")
    mod = await bot.fake.add_member("mod", roles=("Moderators",))
    refused = await bot.fake.invoke_command(student["user"]["id"], ("status",))
    answered = await bot.fake.invoke_command(mod["user"]["id"], ("status",))

    def first_text(raw: dict[str, Any]) -> str:
        bodies = raw["responses"] + raw.get("followups", [])
        return " ".join(str(b.get("data", b)) for b in bodies)

    await eventually(lambda: "only moderators" in first_text(refused), within=10)
    await eventually(lambda: "Playbook: **Discord cohort**" in first_text(answered), within=10)
    assert "only moderators" not in first_text(answered)
    assert refused["responses"][0]["data"]["flags"] & 64  # ephemeral


async def test_a_429_on_the_welcome_is_retried_and_sent_once(bot: Running) -> None:
    bot.fake.fail_next(MESSAGES, 429, retry_after=0.05)
    dora = await bot.fake.add_member("dora")
    await eventually(lambda: bot.dms_to(dora), within=10)
    await bot.all_delivered()  # nothing left that could be sent again
    assert len(bot.dms_to(dora)) == 1
    assert [c.status for c in bot.fake.calls_to(MESSAGES, ok_only=False)][:2] == [429, 200]


async def test_members_who_joined_while_the_bot_was_away_are_welcomed_once(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    first = await start(discord_fake, tmp_path)
    await stop(first)
    # Joined while the bot was down (no gateway session to tell): seen at the next READY.
    recent = await discord_fake.add_member("eve", joined_at=datetime.now(UTC) - timedelta(hours=2))
    veteran = await discord_fake.add_member("old", joined_at=datetime.now(UTC) - timedelta(days=90))
    second = await start(discord_fake, tmp_path)
    try:
        await eventually(lambda: second.dms_to(recent), within=10)
        await second.all_delivered()
    finally:
        await stop(second)
    third = await start(discord_fake, tmp_path)  # and again: no second welcome
    try:
        await eventually(lambda: third.app.runtime.duplicates >= 2, within=10)
        await third.all_delivered()
    finally:
        await stop(third)
    assert len(second.dms_to(recent)) == 1
    assert second.dms_to(veteran) == []
