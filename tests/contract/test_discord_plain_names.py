"""Names Discord shows as typed (threads, scheduled events, polls) reach it without the
backslashes of ``messages.literal``: the real discord.py against the fake Discord."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohortbot.playbook.actions import (
    CreateLiveSession,
    CreatePoll,
    SendGroupMessage,
    StartThread,
)
from cohortbot.playbook.events import PollVoted
from cohortbot.playbook.messages import RichMessage, literal
from cohortbot.playbook.refs import ChannelRef, Platform
from tests.contract.conftest import DiscordHarness
from tests.contract.test_discord_actions import community, post, user

TYPED = "[hi](!here) <@U0SPAM> *pandas* tips #1"  # a moderator's or member's words, as typed


async def test_a_thread_named_from_a_filled_template_shows_no_backslash(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    message = await post(h)
    c = community(h.fake)
    await h.adapter.perform(StartThread(key="s", community=c, message=message, name=literal(TYPED)))
    (call,) = h.fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    assert call.json["name"] == TYPED


async def test_a_group_thread_is_named_after_the_cards_title_as_typed(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    members = [await h.fake.add_member(name) for name in ("ada", "bob")]
    await h.adapter.perform(
        SendGroupMessage(
            key="g",
            community=community(h.fake),
            to=tuple(user(m) for m in members),
            message=RichMessage(title=literal(TYPED), text="Meet!"),
            fallback_channel=ChannelRef(Platform.DISCORD, name="general"),
        )
    )
    (thread_call,) = h.fake.calls_to("POST /channels/{channel_id}/threads")
    assert thread_call.json["name"] == TYPED


async def test_a_scheduled_event_name_and_place_show_as_typed(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    starts = datetime.now(UTC) + timedelta(days=2)
    await h.adapter.perform(
        CreateLiveSession(
            key="s1",
            community=community(h.fake),
            title=literal(TYPED),
            description=literal(TYPED),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            location=literal("Room <3> [east]"),
        )
    )
    (call,) = h.fake.calls_to("POST /guilds/{guild_id}/scheduled-events")
    assert call.json["name"] == TYPED
    assert call.json["entity_metadata"] == {"location": "Room <3> [east]"}
    assert call.json["description"] == literal(TYPED)  # markdown there: Discord reads the escapes


async def test_a_poll_shows_as_typed_and_a_vote_reports_the_engines_option(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    options = (literal("*yes*"), literal("<no>"))
    await h.adapter.perform(
        CreatePoll(
            key="poll",
            community=community(h.fake),
            channel=ChannelRef(Platform.DISCORD, name="general"),
            question=literal(TYPED),
            options=options,
        )
    )
    (call,) = h.fake.calls_to("POST /channels/{channel_id}/messages")
    poll = call.json["poll"]
    assert poll["question"]["text"] == TYPED
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["*yes*", "<no>"]
    await h.fake.vote(ada["user"]["id"], h.fake.messages_in(h.channel_id("general"))[-1], 2)
    vote = await h.sink.wait_for(PollVoted)
    assert vote.option == options[1]
