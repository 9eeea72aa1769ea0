"""The adapter caches no members beyond its own and those who join while it runs (issue #11,
target 5): a server's members are caught up from Discord's member list a page at a time, and
what discord.py drops for uncached members (updates, RSVPs) still reaches the engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from cohortbot.adapters.discord import DiscordAdapter
from cohortbot.adapters.discord.translate import join_event_id
from cohortbot.playbook.actions import CreateLiveSession, GrantRole
from cohortbot.playbook.events import Event, MemberJoined, MemberUpdated, RsvpChanged
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from tests.contract.conftest import DISCORD_CATALOG, RecordingSink, discord_config, eventually
from tests.contract.fakes.discord_fake import LARGE_THRESHOLD, FakeDiscord

BIG = LARGE_THRESHOLD + 50  # Discord leaves a big server's members out of GUILD_CREATE


def community(fake: FakeDiscord) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, fake.guild_id, fake.guild_name)


def user(member: dict[str, object]) -> UserRef:
    data = member["user"]
    assert isinstance(data, dict)
    return UserRef(Platform.DISCORD, data["id"], data["username"])


def cached(adapter: DiscordAdapter, fake: FakeDiscord) -> set[str]:
    guild = adapter.client.get_guild(int(fake.guild_id))
    assert guild is not None
    return {str(m.id) for m in guild.members}


class GatedSink(RecordingSink):
    """Records events, holding each caller until the gate opens (a runtime still deciding)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def __call__(self, event: Event) -> None:
        self.events.append(event)
        await self.gate.wait()


@pytest.fixture
async def started(discord_fake: FakeDiscord) -> AsyncIterator[tuple[DiscordAdapter, RecordingSink]]:
    discord_fake.seed_members(BIG)
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(discord_fake))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        await eventually(lambda: len(sink.of(MemberJoined)) == BIG)  # caught up
        yield adapter, sink
    finally:
        await adapter.close()


async def test_a_big_server_is_caught_up_a_page_at_a_time_without_caching_its_members(
    discord_fake: FakeDiscord,
) -> None:
    seeded = discord_fake.seed_members(3000)
    sink = GatedSink()
    adapter = DiscordAdapter(discord_config(discord_fake))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        # The first page (1,000 by id, the bot's own member left out) is handed over; the next
        # is not asked for while the runtime still holds it.
        everyone = sorted([discord_fake.app_id, *(m["user"]["id"] for m in seeded)], key=int)
        first_page = {i for i in everyone[:1000] if i != discord_fake.app_id}
        await eventually(lambda: len(sink.of(MemberJoined)) == len(first_page))
        for _ in range(20):
            await asyncio.sleep(0)
        assert discord_fake.member_pages == 1
        assert {j.member.id for j in sink.of(MemberJoined)} == first_page
        sink.gate.set()
        await eventually(lambda: len(sink.of(MemberJoined)) == 3000, within=10.0)
        joins = sink.of(MemberJoined)
        assert all(j.backfill for j in joins)
        expected = {
            join_event_id(discord_fake.guild_id, m["user"]["id"], datetime.fromisoformat(m["joined_at"]))
            for m in seeded
        }
        assert {j.event_id for j in joins} == expected  # each once, with its live join's id
        assert discord_fake.member_pages == 4  # 3,001 members with the bot, 1,000 a page
        assert cached(adapter, discord_fake) == {discord_fake.app_id}  # only the bot's own member
    finally:
        await adapter.close()


async def test_a_member_who_joins_while_the_bot_runs_is_welcomed_and_onboards(
    discord_fake: FakeDiscord, started: tuple[DiscordAdapter, RecordingSink]
) -> None:
    adapter, sink = started
    newcomer = await discord_fake.add_member("newcomer", pending=True)
    joined = await sink.wait_for(MemberJoined, lambda e: e.member == user(newcomer))
    assert joined.pending and not joined.backfill
    assert newcomer["user"]["id"] in cached(adapter, discord_fake)
    await discord_fake.complete_onboarding(newcomer["user"]["id"])
    update = await sink.wait_for(MemberUpdated, lambda e: e.member == user(newcomer))
    assert not update.pending
    assert update.event_id.startswith(f"discord:onboarded:{discord_fake.guild_id}:")


async def test_onboarding_completed_by_a_member_who_joined_before_the_bot_started(
    discord_fake: FakeDiscord,
) -> None:
    (waiting,) = discord_fake.seed_members(1, pending=True, joined_at=datetime.now(UTC) - timedelta(hours=1))
    discord_fake.seed_members(BIG)
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(discord_fake))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        await eventually(lambda: len(sink.of(MemberJoined)) == BIG + 1)
        assert waiting["user"]["id"] not in cached(adapter, discord_fake)
        await discord_fake.complete_onboarding(waiting["user"]["id"])
        update = await sink.wait_for(MemberUpdated, lambda e: e.member == user(waiting))
        assert not update.pending
        assert update.display_name == waiting["user"]["username"]
        assert waiting["user"]["id"] not in cached(adapter, discord_fake)  # still not cached
    finally:
        await adapter.close()


async def test_a_role_granted_to_an_uncached_member_is_given_and_seen(
    discord_fake: FakeDiscord, started: tuple[DiscordAdapter, RecordingSink]
) -> None:
    adapter, sink = started
    member = next(iter(discord_fake.members.values()))
    assert member["user"]["id"] not in cached(adapter, discord_fake)
    champion = discord_fake.role_named("Champion")
    await adapter.perform(
        GrantRole(key="g", community=community(discord_fake), member=user(member), role="Champion")
    )
    assert champion["id"] in discord_fake.members[member["user"]["id"]]["roles"]
    update = await sink.wait_for(MemberUpdated, lambda e: e.member == user(member))
    assert {"Champion", champion["id"]} <= update.roles


async def test_an_rsvp_from_an_uncached_member_comes_back(
    discord_fake: FakeDiscord, started: tuple[DiscordAdapter, RecordingSink]
) -> None:
    adapter, sink = started
    member = next(iter(discord_fake.members.values()))
    starts = datetime.now(UTC) + timedelta(days=2)
    session = await adapter.perform(
        CreateLiveSession(
            key="s1",
            community=community(discord_fake),
            title="Office hours",
            description="Bring questions",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            location="https://meet.example/abc",
        )
    )
    await discord_fake.rsvp(member["user"]["id"], session.platform_id)
    rsvp = await sink.wait_for(RsvpChanged)
    assert rsvp.attending and rsvp.session_id == session.platform_id
    assert rsvp.user.id == member["user"]["id"]
    await discord_fake.rsvp(member["user"]["id"], session.platform_id, attending=False)
    await sink.wait_for(RsvpChanged, lambda e: not e.attending)
