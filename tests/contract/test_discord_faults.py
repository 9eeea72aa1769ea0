"""Discord REST faults and redeliveries: nothing lost, nothing doubled (real discord.py vs the fake).

The deliverer performs an action again after a retryable failure, and after a crash between
sending and recording it (the outbox row's lease runs out). Every message create carries a
nonce derived from the action's key with ``enforce_nonce``, so Discord answers the repeat with
the first message: these tests perform the same action twice, as those redeliveries do, and
count what the fake Discord holds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cohortbot.adapters.base import Delivered, RetryableDeliveryError
from cohortbot.adapters.discord import DiscordAdapter
from cohortbot.adapters.discord.perform import nonce_for
from cohortbot.playbook.actions import Action, AddReaction, CreatePoll, PostMessage, SendDirectMessage
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from tests.contract.conftest import DISCORD_CATALOG, DiscordHarness, RecordingSink, discord_config, eventually
from tests.contract.fakes.discord_fake import FakeDiscord

MESSAGES = "POST /channels/{channel_id}/messages"
REACTIONS = "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"


def community(fake: FakeDiscord) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, fake.guild_id, fake.guild_name)


def post(h: DiscordHarness, key: str, text: str = "Welcome, everyone!", **extra: Any) -> PostMessage:
    general = ChannelRef(Platform.DISCORD, h.channel_id("general"), "general")
    return PostMessage(
        key=key, community=community(h.fake), channel=general, message=RichMessage(text=text), **extra
    )


def dm(fake: FakeDiscord, member: dict[str, Any], key: str) -> SendDirectMessage:
    to = UserRef(Platform.DISCORD, member["user"]["id"], member["user"]["username"])
    return SendDirectMessage(key=key, community=community(fake), to=to, message=RichMessage(text="Hi!"))


def general(h: DiscordHarness) -> list[dict[str, Any]]:
    return h.fake.messages_in(h.channel_id("general"))


# ---------------------------------------------------------------------------- redelivery


async def test_a_redelivered_channel_post_is_posted_once_and_answers_with_the_first_message(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    action = post(h, "welcome:g:ada:post")
    first = await h.adapter.perform(action)
    again = await h.adapter.perform(action)  # as after a crash before "delivered" was recorded
    assert len(general(h)) == 1
    assert again == first and again.platform_id == general(h)[0]["id"]
    bodies = [c.json for c in h.fake.calls_to(MESSAGES)]
    assert len(bodies) == 2  # both reached Discord: the nonce, not luck, kept it to one
    assert {(b["nonce"], b["enforce_nonce"]) for b in bodies} == {(nonce_for(action.key), True)}


async def test_a_dm_redelivered_by_a_restarted_process_is_sent_once(discord_fake: FakeDiscord) -> None:
    ada = await discord_fake.add_member("ada")
    action = dm(discord_fake, ada, "welcome:g:ada:dm")
    delivered: list[Delivered] = []
    for _ in range(2):  # the process that sent it was killed; a new one delivers the row again
        adapter = DiscordAdapter(discord_config(discord_fake))
        await adapter.start(RecordingSink(), DISCORD_CATALOG)
        try:
            delivered.append(await adapter.perform(action))
        finally:
            await adapter.close()
    [message] = discord_fake.messages_in(discord_fake.dm_channel_of(ada["user"]["id"]) or "")
    assert delivered[0] == delivered[1] and delivered[1].platform_id == message["id"]


async def test_thread_posts_and_polls_are_created_once_too(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    parent = await h.adapter.perform(post(h, "intros:g:ada:post", "Ada's intro"))
    assert parent.message is not None
    reply = post(h, "intros:g:ada:reply", "Welcome, Ada!", thread=parent.message)
    poll = CreatePoll(
        key="polls:g:week-1",
        community=community(h.fake),
        channel=ChannelRef(Platform.DISCORD, h.channel_id("general"), "general"),
        question="Which day?",
        options=("Mon", "Tue"),
    )
    actions: list[Action] = [reply, poll]
    for action in actions:
        first, again = [await h.adapter.perform(action) for _ in range(2)]
        assert again.platform_id == first.platform_id
    assert parent.message.id is not None
    assert len(h.fake.messages_in(parent.message.id)) == 1  # the thread has the message id
    assert [m["content"] for m in general(h)] == ["Ada's intro", ""]  # the intro, one poll


async def test_different_actions_with_the_same_text_are_both_posted(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    await h.adapter.perform(post(h, "prompts:g:weekly:2024-05-06"))
    await h.adapter.perform(post(h, "prompts:g:weekly:2024-05-13"))
    assert len(general(h)) == 2
    assert nonce_for("prompts:g:weekly:2024-05-06") != nonce_for("prompts:g:weekly:2024-05-13")
    assert all(len(nonce_for(k * 50)) == 25 for k in ("a", "🎉"))  # Discord's limit


# ---------------------------------------------------------------------------- REST faults


async def test_a_5xx_then_success_posts_once(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    h.fake.fail_next(MESSAGES, 503)
    action = post(h, "p:5xx")
    with pytest.raises(RetryableDeliveryError, match="503"):
        await h.adapter.perform(action)
    delivered = await h.adapter.perform(action)  # the deliverer's retry
    assert [m["id"] for m in general(h)] == [delivered.platform_id]
    assert [c.status for c in h.fake.calls_to(MESSAGES, ok_only=False)] == [503, 200]


async def test_a_5xx_that_came_after_the_message_was_created_does_not_post_it_twice(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    h.fake.fail_next(MESSAGES, 503, after_doing_it=True)
    action = post(h, "p:5xx-after")
    with pytest.raises(RetryableDeliveryError, match="503"):
        await h.adapter.perform(action)
    assert len(general(h)) == 1  # created; the bot could not know
    delivered = await h.adapter.perform(action)  # the deliverer's retry
    assert [m["id"] for m in general(h)] == [delivered.platform_id]


async def test_a_per_route_429_is_waited_out_by_discord_py_and_posts_once(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    h.fake.fail_next(MESSAGES, 429, retry_after=0.05)
    await h.adapter.perform(post(h, "p:429"))
    assert len(general(h)) == 1
    assert [c.status for c in h.fake.calls_to(MESSAGES, ok_only=False)] == [429, 200]


async def test_a_global_429_holds_every_route_until_it_passes(
    discord_bot: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = discord_bot
    target = await h.adapter.perform(post(h, "p:target"))
    assert target.message is not None
    h.fake.fail_next(MESSAGES, 429, retry_after=0.2, is_global=True)
    posting = asyncio.create_task(h.adapter.perform(post(h, "p:global")))
    # discord.py holds every route once it read the 429 (and logged it), not when the fake sent it
    await eventually(lambda: "Global rate limit has been hit" in caplog.text)
    reaction = AddReaction(key="r:global", community=community(h.fake), message=target.message, emoji="👍")
    await h.adapter.perform(reaction)  # another route, asked while the global limit holds
    await posting
    assert len(general(h)) == 2
    assert [c.status for c in h.fake.calls_to(MESSAGES, ok_only=False)] == [200, 429, 200]
    limited = next(c for c in h.fake.calls if c.status == 429)
    (reacted,) = h.fake.calls_to(REACTIONS)
    # The reaction (asked while the limit held) reached Discord once the limit's 0.2 s passed
    # (the retried post and the reaction are released together: their order is not fixed).
    assert reacted.at - limited.at >= 0.2


async def test_a_429_longer_than_discord_py_waits_is_retried_by_the_deliverer(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    h.fake.fail_next(MESSAGES, 429, retry_after=120)
    action = post(h, "p:long-429")
    with pytest.raises(RetryableDeliveryError) as info:
        await h.adapter.perform(action)
    assert info.value.retry_after == 120 and general(h) == []
    await h.adapter.perform(action)
    assert len(general(h)) == 1


@pytest.mark.parametrize("discord_overrides", [{"perform_timeout": 0.2}])
async def test_a_timeout_is_retryable_and_the_late_create_is_not_doubled(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    h.fake.hold(MESSAGES)
    action = post(h, "p:timeout")
    with pytest.raises(RetryableDeliveryError, match="TimeoutError"):
        await asyncio.wait_for(h.adapter.perform(action), timeout=10)  # the test's own bound
    h.fake.release(MESSAGES)  # Discord carries out the request the bot gave up on
    await eventually(lambda: general(h))
    delivered = await h.adapter.perform(action)  # the deliverer's retry
    assert [m["id"] for m in general(h)] == [delivered.platform_id]
