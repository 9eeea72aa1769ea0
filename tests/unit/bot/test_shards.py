"""Discord shards: each process delivers only the rows of the servers its shards hold."""

from __future__ import annotations

from datetime import UTC, datetime

from cohortbot.adapters.memory import MemoryAdapter
from cohortbot.bot.clock import ManualClock
from cohortbot.bot.deliverer import Deliverer
from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform
from cohortbot.storage.memory import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GUILDS = [CommunityRef(Platform.DISCORD, str(n << 22)) for n in range(6)]   # shards 0,1,0,1,...


def shard_of(community: CommunityRef, count: int) -> int:
    return (int(community.id) >> 22) % count     # Discord's routing of a server to a shard


def post(community: CommunityRef, n: int) -> PostMessage:
    return PostMessage(
        key=f"prompts:{community.id}:weekly:{n}",
        community=community,
        channel=ChannelRef(Platform.DISCORD, name="general"),
        message=RichMessage(text="What did you build this week?"),
    )


async def test_each_post_is_delivered_once_by_the_shard_holding_its_server() -> None:
    store, clock = MemoryStore(), ManualClock(T0)
    async with store.unit_of_work() as uow:
        for community in GUILDS:
            for n in range(3):
                await uow.outbox.add(post(community, n), now=T0)
        await uow.commit()
    shards = [
        MemoryAdapter(
            platform=Platform.DISCORD,
            serves=frozenset(g.id for g in GUILDS if shard_of(g, 2) == shard),
        )
        for shard in range(2)
    ]
    deliverers = [Deliverer(store.unit_of_work, {Platform.DISCORD: a}, clock) for a in shards]
    # The first process drains everything it may before the second even starts.
    assert await deliverers[0].drain() == 9
    assert await deliverers[1].drain() == 9
    for shard, adapter in enumerate(shards):
        assert {shard_of(a.community, 2) for a in adapter.attempts} == {shard}
        assert len(adapter.performed) == 9
    assert sum(d.failed for d in deliverers) == 0
    async with store.unit_of_work() as uow:
        assert [(await uow.outbox.stats(g)).delivered for g in GUILDS] == [3] * len(GUILDS)


async def test_a_server_no_process_holds_yet_waits_instead_of_failing() -> None:
    store, clock = MemoryStore(), ManualClock(T0)
    unavailable = GUILDS[0]
    async with store.unit_of_work() as uow:
        await uow.outbox.add(post(unavailable, 0), now=T0)
        await uow.commit()
    adapter = MemoryAdapter(platform=Platform.DISCORD, serves=frozenset())
    deliverer = Deliverer(store.unit_of_work, {Platform.DISCORD: adapter}, clock)
    assert await deliverer.drain() == 0
    adapter.serves = frozenset({unavailable.id})     # GUILD_CREATE arrives
    assert await deliverer.drain() == 1
    assert adapter.performed and deliverer.failed == 0


async def test_a_process_leaves_the_platforms_it_does_not_run_to_the_others() -> None:
    store, clock = MemoryStore(), ManualClock(T0)
    slack = CommunityRef(Platform.SLACK, "T1")
    async with store.unit_of_work() as uow:
        await uow.outbox.add(post(slack, 0), now=T0)
        await uow.outbox.add(post(GUILDS[0], 0), now=T0)
        await uow.commit()
    discord_only = MemoryAdapter(platform=Platform.DISCORD)
    deliverer = Deliverer(store.unit_of_work, {Platform.DISCORD: discord_only}, clock)
    assert await deliverer.drain() == 1
    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(slack)
    assert (stats.pending, stats.parked) == (1, 0)
