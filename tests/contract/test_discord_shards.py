"""Shards as Discord routes them: two real sharded adapters on one fake Discord, one outbox.

The fake sends each shard READY and GUILD_CREATE only for the servers with
``(guild_id >> 22) % shard_count == shard_id``, and each server's events only to that shard,
so a process knows the channels of its shards' servers only. Each process's deliverer claims
only the rows of the servers it serves: every post to ``#general`` (by name) is delivered
once, by the process that can resolve it; nothing is parked for "no channel named #general".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from cohortbot.adapters.discord import DiscordAdapter
from cohortbot.bot.clock import ManualClock
from cohortbot.bot.deliverer import Deliverer
from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform
from cohortbot.storage.memory import MemoryStore
from tests.contract.conftest import DISCORD_CATALOG, RecordingSink, discord_config, eventually
from tests.contract.fakes.discord_fake import FakeDiscord

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHARDS = 2


def shard_of(guild_id: str) -> int:
    return (int(guild_id) >> 22) % SHARDS


def community(guild_id: str) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, guild_id)


def weekly_prompt(guild_id: str) -> PostMessage:
    return PostMessage(
        key=f"prompts:{guild_id}:weekly:1",
        community=community(guild_id),
        channel=ChannelRef(Platform.DISCORD, name="general"),  # by name, as a playbook names it
        message=RichMessage(text="What did you build this week?"),
    )


async def queue(store: MemoryStore, *posts: PostMessage) -> None:
    async with store.unit_of_work() as uow:
        for post in posts:
            await uow.outbox.add(post, now=T0)
        await uow.commit()


async def start_shard(
    stack: AsyncExitStack, fake: FakeDiscord, shard_id: int
) -> tuple[DiscordAdapter, RecordingSink]:
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(fake, shard_count=SHARDS, shard_ids=[shard_id]))
    await adapter.start(sink, DISCORD_CATALOG)
    stack.push_async_callback(adapter.close)  # closed in reverse order of starting
    return adapter, sink


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as opened:
        yield opened


@pytest.fixture
def guilds(discord_fake: FakeDiscord) -> list[str]:
    """Four servers, two on each shard (the fake's own server among them)."""
    added = [discord_fake.add_guild(f"Cohort {n}", shard=(n % SHARDS, SHARDS)) for n in range(3)]
    every = [discord_fake.guild_id, *added]
    assert sorted(shard_of(g) for g in every) == [0, 0, 1, 1]
    return every


async def test_each_post_is_delivered_once_by_the_shard_holding_its_server(
    discord_fake: FakeDiscord, guilds: list[str], stack: AsyncExitStack, caplog: pytest.LogCaptureFixture
) -> None:
    fake = discord_fake
    caplog.set_level(logging.INFO)
    shards = [await start_shard(stack, fake, shard_id) for shard_id in range(SHARDS)]
    assert [session["shard"] for session in fake.sessions] == [[0, SHARDS], [1, SHARDS]]
    for shard_id, (adapter, _) in enumerate(shards):
        assert adapter.served_communities() == {g for g in guilds if shard_of(g) == shard_id}

    store, clock = MemoryStore(), ManualClock(T0)
    await queue(store, *(weekly_prompt(g) for g in guilds))
    deliverers = [Deliverer(store.unit_of_work, {Platform.DISCORD: adapter}, clock) for adapter, _ in shards]
    # Whichever process runs first, it takes only its own servers' posts.
    assert [await deliverer.drain() for deliverer in deliverers] == [2, 2]

    for guild_id in guilds:
        general = fake.channel_named("general", guild_id=guild_id)["id"]
        [post] = fake.messages_in(general)
        assert post["content"] == "What did you build this week?"
    assert [d.delivered for d in deliverers] == [2, 2] and [d.failed for d in deliverers] == [0, 0]
    async with store.unit_of_work() as uow:
        stats = [await uow.outbox.stats(community(g)) for g in guilds]
    assert [(s.delivered, s.pending, s.parked) for s in stats] == [(1, 0, 0)] * len(guilds)
    assert not [r for r in caplog.records if "no channel named" in r.getMessage()]


async def test_a_servers_events_reach_only_the_shard_holding_it(
    discord_fake: FakeDiscord, guilds: list[str], stack: AsyncExitStack
) -> None:
    shards = [await start_shard(stack, discord_fake, shard_id) for shard_id in range(SHARDS)]
    joined = {g: await discord_fake.add_member(f"member of {g}", guild_id=g) for g in guilds}

    for guild_id, member in joined.items():
        _, sink = shards[shard_of(guild_id)]
        event = await sink.wait_for(MemberJoined, lambda e, m=member: e.member.id == m["user"]["id"])
        assert event.community.id == guild_id
    for shard_id, (_, sink) in enumerate(shards):
        ours = {g for g in guilds if shard_of(g) == shard_id}
        assert {e.community.id for e in sink.of(MemberJoined)} == ours


async def test_an_unavailable_server_is_not_served_until_its_guild_create(
    discord_fake: FakeDiscord, guilds: list[str], stack: AsyncExitStack
) -> None:
    fake = discord_fake
    late, other = [g for g in guilds if shard_of(g) == 0]
    fake.guilds[late]["available"] = False  # READY lists it; GUILD_CREATE says "unavailable"
    adapter, _ = await start_shard(stack, fake, 0)
    assert adapter.served_communities() == {other}

    store, clock = MemoryStore(), ManualClock(T0)
    await queue(store, weekly_prompt(late))
    deliverer = Deliverer(store.unit_of_work, {Platform.DISCORD: adapter}, clock)
    assert await deliverer.drain() == 0  # waits: neither tried against an empty cache nor parked
    async with store.unit_of_work() as uow:
        waiting = await uow.outbox.stats(community(late))
    assert (waiting.pending, waiting.parked) == (1, 0)

    await fake.set_available(late, True)  # the full GUILD_CREATE arrives
    await eventually(lambda: adapter.served_communities() == {late, other})
    assert await deliverer.drain() == 1 and deliverer.failed == 0
    assert len(fake.messages_in(fake.channel_named("general", guild_id=late)["id"])) == 1

    await fake.set_available(late, False)  # an outage: GUILD_DELETE with unavailable
    await eventually(lambda: adapter.served_communities() == {other})
