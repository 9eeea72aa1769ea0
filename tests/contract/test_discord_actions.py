"""Each engine action hits the right Discord REST route (the real discord.py, the fake Discord)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cohortbot.adapters.base import PermanentDeliveryError
from cohortbot.playbook.actions import (
    AddReaction,
    CreateLiveSession,
    CreatePoll,
    GrantRole,
    PinMessage,
    PostMessage,
    RevokeRole,
    SendGroupMessage,
    StartThread,
)
from cohortbot.playbook.events import MessagePosted, PollVoted, RsvpChanged
from cohortbot.playbook.messages import Attachment, Field, RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, MessageRef, Platform, UserRef
from tests.contract.conftest import DiscordHarness
from tests.contract.fakes.discord_fake import FakeDiscord


def community(fake: FakeDiscord) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, fake.guild_id, fake.guild_name)


def user(member: dict[str, Any]) -> UserRef:
    return UserRef(Platform.DISCORD, member["user"]["id"], member["user"]["username"])


async def post(h: DiscordHarness, text: str = "Hello", *, where: str = "general") -> MessageRef:
    delivered = await h.adapter.perform(
        PostMessage(
            key=f"p:{text}",
            community=community(h.fake),
            channel=ChannelRef(Platform.DISCORD, name=where),
            message=RichMessage(text=text),
        )
    )
    assert delivered.message is not None
    return delivered.message


async def test_rich_card_renders_as_an_embed_with_channel_links_and_local_times(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    intro_id = h.channel_id("introductions")
    when = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    card = RichMessage(
        title="Welcome!",
        text=f"Say hi in <#introductions>, <@42>. Live at <t:{int(when.timestamp())}>",
        fields=(Field(name="Next", value="Week 1"),),
        footer="cohortbot",
        attachments=(Attachment(filename="chart.png", content_type="image/png", data=b"\x89PNG"),),
    )
    await h.adapter.perform(
        PostMessage(
            key="k",
            community=community(h.fake),
            channel=ChannelRef(Platform.DISCORD, name="general"),
            message=card,
        )
    )
    (call,) = h.fake.calls_to("POST /channels/{channel_id}/messages")
    embed = call.json["embeds"][0]
    assert embed["title"] == "Welcome!"
    assert embed["description"] == f"Say hi in <#{intro_id}>, <@42>. Live at <t:{int(when.timestamp())}:F>"
    assert embed["fields"] == [{"name": "Next", "value": "Week 1", "inline": False}]
    assert embed["image"]["url"] == "attachment://chart.png"
    assert call.json["content"] == "<@42>"  # mentions in embeds don't notify
    assert call.files == ["chart.png"]


async def test_post_in_a_thread_starts_the_thread_when_missing(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    parent = await post(h, "An intro", where="introductions")
    delivered = await h.adapter.perform(
        PostMessage(
            key="t",
            community=community(h.fake),
            channel=parent.channel,
            thread=parent,
            message=RichMessage(text="Welcome, glad you're here!"),
        )
    )
    assert delivered.message is not None and delivered.message.channel.id == parent.id
    assert h.fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    assert [m["content"] for m in h.fake.messages_in(parent.id)] == ["Welcome, glad you're here!"]


async def test_thread_reaction_and_pin(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    message = await post(h)
    c = community(h.fake)
    started = await h.adapter.perform(StartThread(key="s", community=c, message=message, name="Week 1"))
    assert started.platform_id == message.id
    (thread_call,) = h.fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    assert thread_call.json["name"] == "Week 1" and thread_call.match["message_id"] == message.id
    await h.adapter.perform(AddReaction(key="r", community=c, message=message, emoji="👋"))
    (reaction,) = h.fake.calls_to("PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    assert reaction.match == {"channel_id": message.channel.id, "message_id": message.id, "emoji": "👋"}
    await h.adapter.perform(PinMessage(key="p", community=c, message=message))
    (pin,) = h.fake.calls_to("PUT /channels/{channel_id}/messages/pins/{message_id}")
    assert pin.match["message_id"] == message.id


async def test_role_grant_and_revoke_by_name_and_id(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    champion = h.fake.role_named("Champion")
    c = community(h.fake)
    await h.adapter.perform(GrantRole(key="g", community=c, member=user(ada), role="Champion"))
    assert ada["roles"] == [champion["id"]]
    await h.adapter.perform(RevokeRole(key="r", community=c, member=user(ada), role=champion["id"]))
    assert ada["roles"] == []
    route = "{} /guilds/{{guild_id}}/members/{{user_id}}/roles/{{role_id}}"
    assert len(h.fake.calls_to(route.format("PUT"))) == len(h.fake.calls_to(route.format("DELETE"))) == 1


async def test_role_errors_are_permanent_and_say_why(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    c = community(h.fake)
    with pytest.raises(PermanentDeliveryError, match="'Wizard' does not exist"):
        await h.adapter.perform(GrantRole(key="g", community=c, member=user(ada), role="Wizard"))
    h.fake.add_role("Admins", position=50)
    await h.fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": h.fake.guild_id, "role": h.fake.role_named("Admins")}
    )
    await h.fake.post_message(ada["user"]["id"], h.channel_id("general"), "sync")  # the role event has landed
    await h.sink.wait_for(MessagePosted)
    with pytest.raises(PermanentDeliveryError, match=r"missing permission.*Manage Roles"):
        await h.adapter.perform(GrantRole(key="g2", community=c, member=user(ada), role="Admins"))


async def test_live_session_is_a_scheduled_event_and_rsvps_come_back(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    starts = datetime.now(UTC) + timedelta(days=2)
    c = community(h.fake)
    external = await h.adapter.perform(
        CreateLiveSession(
            key="s1",
            community=c,
            title="Office hours",
            description="Bring questions",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            location="https://meet.example/abc",
        )
    )
    voice = await h.adapter.perform(
        CreateLiveSession(
            key="s2",
            community=c,
            title="Study room",
            description="Co-working",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            channel=ChannelRef(Platform.DISCORD, name="Live room"),
        )
    )
    first, second = h.fake.calls_to("POST /guilds/{guild_id}/scheduled-events")
    assert first.json["entity_type"] == 3 and first.json["entity_metadata"] == {
        "location": "https://meet.example/abc"
    }
    assert second.json["entity_type"] == 2 and str(second.json["channel_id"]) == h.channel_id("Live room")
    assert external.platform_id in h.fake.scheduled_events and voice.platform_id in h.fake.scheduled_events
    await h.fake.rsvp(ada["user"]["id"], external.platform_id)
    rsvp = await h.sink.wait_for(RsvpChanged)
    assert rsvp.session_id == external.platform_id and rsvp.attending and rsvp.user == user(ada)
    await h.fake.rsvp(ada["user"]["id"], external.platform_id, attending=False)
    await h.sink.wait_for(RsvpChanged, lambda e: not e.attending)


async def test_native_poll_and_its_votes(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    delivered = await h.adapter.perform(
        CreatePoll(
            key="poll",
            community=community(h.fake),
            channel=ChannelRef(Platform.DISCORD, name="general"),
            question="Next topic?",
            options=("Testing", "Typing"),
            duration_hours=48,
            allow_multiple=True,
        )
    )
    (call,) = h.fake.calls_to("POST /channels/{channel_id}/messages")
    poll = call.json["poll"]
    assert poll["question"]["text"] == "Next topic?" and poll["duration"] == 48 and poll["allow_multiselect"]
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["Testing", "Typing"]
    assert delivered.message is not None
    message = h.fake.messages_in(h.channel_id("general"))[-1]
    await h.fake.vote(ada["user"]["id"], message, 2)
    vote = await h.sink.wait_for(PollVoted)
    assert vote.option == "Typing" and vote.added and vote.message.id == message["id"]


async def test_group_message_is_a_private_thread_with_the_members(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    members = [await h.fake.add_member(name) for name in ("ada", "bob")]
    delivered = await h.adapter.perform(
        SendGroupMessage(
            key="g",
            community=community(h.fake),
            to=tuple(user(m) for m in members),
            message=RichMessage(text="You two are study buddies this week!"),
            fallback_channel=ChannelRef(Platform.DISCORD, name="general"),
        )
    )
    (thread_call,) = h.fake.calls_to("POST /channels/{channel_id}/threads")
    assert thread_call.json["type"] == 12 and thread_call.json["invitable"] is False
    added = {
        c.match["user_id"] for c in h.fake.calls_to("PUT /channels/{channel_id}/thread-members/{user_id}")
    }
    assert added == {m["user"]["id"] for m in members}
    assert delivered.message is not None
    (sent,) = h.fake.messages_in(delivered.message.channel.id)
    assert sent["content"].startswith(" ".join(f"<@{m['user']['id']}>" for m in members))
    with pytest.raises(PermanentDeliveryError, match="fallback_channel"):
        await h.adapter.perform(
            SendGroupMessage(
                key="g2", community=community(h.fake), to=(user(members[0]),), message=RichMessage(text="x")
            )
        )
