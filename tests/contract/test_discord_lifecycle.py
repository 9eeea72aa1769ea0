"""Connecting, registering /cohort, catching up, reconnecting and failing to start (real discord.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cohortbot.adapters.discord import DiscordAdapter, DiscordStartupError
from cohortbot.adapters.discord.translate import join_event_id
from cohortbot.playbook.events import MemberJoined
from tests.contract.conftest import DISCORD_CATALOG, DiscordHarness, RecordingSink, discord_config, eventually
from tests.contract.fakes.discord_fake import FakeDiscord


async def test_catch_up_emits_joins_for_existing_members_with_the_live_ids(discord_fake: FakeDiscord) -> None:
    old = await discord_fake.add_member("old-timer", joined_at=datetime.now(UTC) - timedelta(days=30))
    new = await discord_fake.add_member("joined-while-away")
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(discord_fake))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        await eventually(lambda: len(sink.of(MemberJoined)) >= 2)
        ids = {e.member.id: e.event_id for e in sink.of(MemberJoined)}
        for member in (old, new):
            joined_at = datetime.fromisoformat(member["joined_at"])
            assert ids[member["user"]["id"]] == join_event_id(
                discord_fake.guild_id, member["user"]["id"], joined_at
            )
        assert discord_fake.app_id not in ids  # the bot itself is not "joining"
    finally:
        await adapter.close()


async def test_missing_members_intent_gives_a_clear_startup_error(discord_fake: FakeDiscord) -> None:
    discord_fake.members_intent_enabled = False
    adapter = DiscordAdapter(discord_config(discord_fake))
    with pytest.raises(DiscordStartupError) as info:
        await adapter.start(RecordingSink(), DISCORD_CATALOG)
    message = str(info.value)
    assert "4014" in message and "GUILD_MEMBERS" in message and "Developer Portal" in message
    assert "SERVER MEMBERS INTENT" in message
    assert discord_fake.token not in message


async def test_bad_token_gives_a_clear_startup_error_without_the_token(discord_fake: FakeDiscord) -> None:
    adapter = DiscordAdapter(discord_config(discord_fake, token="wrong-secret-token"))
    with pytest.raises(DiscordStartupError, match="rejected the bot token") as info:
        await adapter.start(RecordingSink(), DISCORD_CATALOG)
    assert "wrong-secret-token" not in str(info.value)
    assert "wrong-secret-token" not in repr(adapter.config)


# ---------------------------------------------------------------------------- commands registered


async def test_the_cohort_tree_registered_matches_the_catalog(discord_bot: DiscordHarness) -> None:
    (cohort,) = discord_bot.fake.commands[discord_bot.fake.guild_id]
    assert cohort["name"] == "cohort" and cohort["contexts"] in (None, [0])
    registered: set[tuple[str, ...]] = set()
    for option in cohort["options"]:
        if option["type"] == 1:
            registered.add((option["name"],))
        else:
            registered.update((option["name"], sub["name"]) for sub in option["options"])
    assert registered == {spec.path for spec in DISCORD_CATALOG}
    prompt_add = next(o for o in cohort["options"] if o["name"] == "prompt")["options"][0]
    assert [(o["name"], o["type"], o["required"]) for o in prompt_add["options"]] == [
        ("schedule", 3, True),
        ("text", 3, True),
    ]
    assert [c["value"] for c in prompt_add["options"][0]["choices"]] == ["weekly", "daily"]
    nominate = next(o for o in cohort["options"] if o["name"] == "champion")["options"][0]
    assert [(o["name"], o["type"]) for o in nominate["options"]] == [("member", 6), ("weeks", 4)]


async def test_a_reconnect_that_cannot_resume_catches_up_with_the_same_ids(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    member = await h.fake.add_member("ada")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == member["user"]["id"])
    identifies = len(h.fake.sessions)
    h.fake.refuse_resume = True  # the session expired: INVALID_SESSION, so it identifies again
    await h.fake.disconnect_all(code=4000)
    await eventually(
        lambda: len(h.fake.sessions) > identifies, within=8.0
    )  # discord.py waits 5 s before a re-IDENTIFY
    await eventually(
        lambda: len([e for e in h.sink.of(MemberJoined) if e.member.id == member["user"]["id"]]) >= 2
    )
    first, second = [e for e in h.sink.of(MemberJoined) if e.member.id == member["user"]["id"]][:2]
    assert first.event_id == second.event_id  # the runtime's inbox collapses them: no second welcome


@pytest.mark.parametrize("discord_overrides", [{"command_sync": "global"}])
async def test_global_command_sync(discord_bot: DiscordHarness) -> None:
    assert [c["name"] for c in discord_bot.fake.commands[None]] == ["cohort"]
    assert discord_bot.fake.guild_id not in discord_bot.fake.commands


@pytest.mark.parametrize("discord_overrides", [{"command_sync": "off"}])
async def test_no_command_sync(discord_bot: DiscordHarness) -> None:
    assert discord_bot.fake.commands == {}


@pytest.mark.parametrize("discord_overrides", [{"shard_count": 1, "shard_ids": [0]}])
async def test_sharded_client_connects_and_receives_events(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    assert h.fake.sessions[-1]["shard"] == [0, 1]
    member = await h.fake.add_member("ada")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == member["user"]["id"])
