"""A direct message belongs to the member's own server, even in a bot that caches no members
and serves several servers (the welcome DM's buttons, a DM reply, a reaction in a DM)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cohortbot.adapters.discord import DiscordAdapter
from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.events import MessagePosted, PollVoted
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from tests.contract.conftest import DISCORD_CATALOG, DiscordHarness, RecordingSink, discord_config
from tests.contract.fakes.discord_fake import FakeDiscord


@pytest.fixture
async def two_servers(discord_fake: FakeDiscord) -> AsyncIterator[tuple[DiscordHarness, str]]:
    """The bot in two servers; returns the harness and the second server's id."""
    second = discord_fake.add_guild("Second cohort")
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(discord_fake))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        yield DiscordHarness(discord_fake, adapter, sink), second
    finally:
        await adapter.close()


def member_of(fake: FakeDiscord, guild_id: str, name: str) -> dict[str, Any]:
    """A member of ``guild_id`` who was there before the bot connected (so nobody caches them)."""
    user = {"id": fake.new_id(), "username": name, "global_name": name, "discriminator": "0",
            "avatar": None, "bot": False}
    member = {"user": user, "nick": None, "roles": [], "joined_at": "2026-03-01T09:00:00+00:00",
              "deaf": False, "mute": False, "pending": False, "flags": 0, "avatar": None,
              "premium_since": None}
    fake.guilds[guild_id]["members"][user["id"]] = member
    return member


async def dm_from(fake: FakeDiscord, member: dict[str, Any], channel_id: str, text: str) -> None:
    """``member`` writes to the bot in their DM channel (MESSAGE_CREATE without a guild)."""
    message = {"id": fake.new_id(), "channel_id": channel_id, "author": member["user"], "content": text,
               "timestamp": "2026-03-02T09:30:00+00:00", "edited_timestamp": None, "tts": False,
               "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False,
               "type": 0, "embeds": [], "components": [], "flags": 0, "attachments": []}
    await fake.dispatch("MESSAGE_CREATE", message)


def lookups(fake: FakeDiscord, guild_id: str, member: dict[str, Any]) -> int:
    """How often the adapter asked ``guild_id`` whether ``member`` is in it."""
    return sum(1 for c in fake.calls if c.path == f"/guilds/{guild_id}/members/{member['user']['id']}")


def server(guild_id: str) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, guild_id)


async def test_a_dm_from_a_member_of_the_second_server_belongs_to_it(
    two_servers: tuple[DiscordHarness, str],
) -> None:
    h, second = two_servers
    ada = member_of(h.fake, second, "ada")
    await dm_from(h.fake, ada, h.fake.new_id(), "hello?")
    event = await h.sink.wait_for(MessagePosted, lambda e: e.author.id == ada["user"]["id"])
    assert event.community == server(second)              # not the first server the bot is in
    asked = lookups(h.fake, h.fake.guild_id, ada), lookups(h.fake, second, ada)
    assert asked == (1, 1)                                 # Discord was asked, server by server
    await dm_from(h.fake, ada, h.fake.new_id(), "again")
    again = await h.sink.wait_for(MessagePosted, lambda e: e.text == "again")
    assert again.community == server(second)
    assert (lookups(h.fake, h.fake.guild_id, ada), lookups(h.fake, second, ada)) == asked   # remembered


async def test_the_answer_to_a_welcome_dm_belongs_to_the_server_that_sent_it(
    two_servers: tuple[DiscordHarness, str],
) -> None:
    h, second = two_servers
    ada = member_of(h.fake, second, "ada")
    ada_ref = UserRef(Platform.DISCORD, ada["user"]["id"], "ada")
    await h.adapter.perform(SendDirectMessage(key="welcome", community=server(second), to=ada_ref,
                                              message=RichMessage(text="Welcome!")))
    dm = h.fake.dm_channel_of(ada["user"]["id"])
    assert dm is not None
    await dm_from(h.fake, ada, dm, "thanks!")
    event = await h.sink.wait_for(MessagePosted, lambda e: e.text == "thanks!")
    assert event.community == server(second)
    assert lookups(h.fake, h.fake.guild_id, ada) == lookups(h.fake, second, ada) == 0   # no need to ask


async def test_a_dm_from_someone_in_no_shared_server_is_ignored(
    two_servers: tuple[DiscordHarness, str],
) -> None:
    h, _ = two_servers
    stranger = {"user": {"id": h.fake.new_id(), "username": "x", "global_name": "x", "discriminator": "0",
                         "avatar": None, "bot": False}}
    await dm_from(h.fake, stranger, h.fake.new_id(), "spam")
    ada = member_of(h.fake, h.fake.guild_id, "ada")
    await dm_from(h.fake, ada, h.fake.new_id(), "after")
    await h.sink.wait_for(MessagePosted, lambda e: e.text == "after")
    assert [e.text for e in h.sink.of(MessagePosted)] == ["after"]


async def test_a_poll_voter_nobody_caches_is_named(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = member_of(h.fake, h.fake.guild_id, "Ada Lovelace")
    general = h.fake.channel_named("general")["id"]
    poll = {"id": h.fake.new_id(), "channel_id": general}
    await h.fake.vote(ada["user"]["id"], poll, 1)
    vote = await h.sink.wait_for(PollVoted)
    assert vote.user.id == ada["user"]["id"] and vote.user.name == "Ada Lovelace"
