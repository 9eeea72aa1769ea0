"""The real discord.py, over real HTTP and websockets, against the fake Discord."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest

from cohortbot.adapters.base import DirectMessageRefused, PermanentDeliveryError, RetryableDeliveryError
from cohortbot.adapters.discord.translate import join_event_id
from cohortbot.playbook.actions import (
    OpenForm,
    PostMessage,
    RespondToInteraction,
    SendDirectMessage,
)
from cohortbot.playbook.events import (
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessagePosted,
    ReactionAdded,
)
from cohortbot.playbook.messages import Button, Form, FormInput, RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef
from tests.contract.conftest import DiscordHarness, eventually
from tests.contract.fakes.discord_fake import FakeDiscord

MESSAGES = "POST /channels/{channel_id}/messages"
CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"


def community(fake: FakeDiscord) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, fake.guild_id, fake.guild_name)


def user(member: dict[str, Any]) -> UserRef:
    return UserRef(Platform.DISCORD, member["user"]["id"], member["user"]["username"])


def channel(h: DiscordHarness, name: str) -> ChannelRef:
    return ChannelRef(Platform.DISCORD, h.channel_id(name), name)


def interaction_ref(raw: dict[str, Any]) -> InteractionRef:
    return InteractionRef(
        Platform.DISCORD, raw["id"], token=raw["token"], application_id=raw["application_id"]
    )


# ---------------------------------------------------------------------------- members


async def test_member_join_reaches_the_sink(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    member = await h.fake.add_member("ada")
    event = await h.sink.wait_for(MemberJoined, lambda e: e.member.id == member["user"]["id"])
    assert event.community == community(h.fake)
    assert event.display_name == "ada" and not event.pending and not event.is_bot
    assert event.occurred_at == datetime.fromisoformat(member["joined_at"])
    assert event.event_id == join_event_id(h.fake.guild_id, member["user"]["id"], event.occurred_at)


async def test_pending_member_is_updated_when_onboarding_completes(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    member = await h.fake.add_member("grace", pending=True)
    uid = member["user"]["id"]
    joined = await h.sink.wait_for(MemberJoined, lambda e: e.member.id == uid)
    assert joined.pending
    await h.fake.complete_onboarding(uid)
    updated = await h.sink.wait_for(MemberUpdated, lambda e: e.member.id == uid)
    assert updated.pending is False
    assert updated.event_id.startswith(f"discord:onboarded:{h.fake.guild_id}:{uid}:")


async def test_member_leave(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    member = await h.fake.add_member("linus")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == member["user"]["id"])
    await h.fake.remove_member(member["user"]["id"])
    left = await h.sink.wait_for(MemberLeft)
    assert left.member.id == member["user"]["id"]


# ---------------------------------------------------------------------------- messages in


async def test_message_with_reply_and_mentions(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    bob = await h.fake.add_member("bob")
    general = h.channel_id("general")
    first = await h.fake.post_message(ada["user"]["id"], general, "What is a monad?")
    await h.fake.post_message(
        bob["user"]["id"], general, "A burrito, <@x>", reply_to=first, mentions=(ada["user"]["id"],)
    )
    reply = await h.sink.wait_for(MessagePosted, lambda e: e.author.id == bob["user"]["id"])
    assert reply.channel == channel(h, "general") and reply.channel.name == "general"
    assert reply.reply_to == user(ada)
    assert reply.reply_to_message is not None and reply.reply_to_message.id == first["id"]
    assert reply.mentions == (user(ada),)
    assert not reply.is_bot and not reply.is_direct
    await h.fake.react(ada["user"]["id"], first, "👍")
    reaction = await h.sink.wait_for(ReactionAdded)
    assert (
        reaction.emoji == "👍" and reaction.message.id == first["id"] and reaction.message_author == user(ada)
    )


# ---------------------------------------------------------------------------- direct messages


async def test_direct_message_is_sent_and_its_channel_cached(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    for n in range(2):
        action = SendDirectMessage(
            key=f"welcome:{n}",
            community=community(h.fake),
            to=user(ada),
            message=RichMessage(text=f"Welcome <@{ada['user']['id']}>! #{n}"),
        )
        delivered = await h.adapter.perform(action)
        assert delivered.message is not None
    dm = h.fake.dm_channel_of(ada["user"]["id"])
    assert dm is not None
    assert [m["content"] for m in h.fake.messages_in(dm)] == [
        f"Welcome <@{ada['user']['id']}>! #{n}" for n in (0, 1)
    ]
    assert len(h.fake.calls_to("POST /users/@me/channels")) == 1  # the DM channel id is cached


async def test_refused_direct_message(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    h.fake.refuse_dms_for(ada["user"]["id"])
    with pytest.raises(DirectMessageRefused):
        await h.adapter.perform(
            SendDirectMessage(
                key="w", community=community(h.fake), to=user(ada), message=RichMessage(text="hi")
            )
        )


@pytest.mark.parametrize("discord_overrides", [{"dm_breaker_threshold": 2, "dm_breaker_window": 60.0}])
async def test_dm_circuit_breaker_opens_when_refusals_spike(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    members = [await h.fake.add_member(f"m{i}") for i in range(3)]
    for m in members:
        h.fake.refuse_dms_for(m["user"]["id"])
    for m in members[:2]:
        with pytest.raises(DirectMessageRefused):
            await h.adapter.perform(
                SendDirectMessage(
                    key=m["user"]["id"],
                    community=community(h.fake),
                    to=user(m),
                    message=RichMessage(text="hi"),
                )
            )
    attempts = len(h.fake.calls_to(MESSAGES, ok_only=False))
    with pytest.raises(DirectMessageRefused, match="circuit open"):
        await h.adapter.perform(
            SendDirectMessage(
                key="3", community=community(h.fake), to=user(members[2]), message=RichMessage(text="hi")
            )
        )
    assert len(h.fake.calls_to(MESSAGES, ok_only=False)) == attempts  # not even attempted


# ---------------------------------------------------------------------------- interactions


async def test_slash_command_and_its_answer(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    mod = await h.fake.add_member("mod", roles=("Moderators",))
    other = await h.fake.add_member("bob")
    raw = await h.fake.invoke_command(
        mod["user"]["id"], ("champion", "nominate"), {"member": other["user"]["id"], "weeks": 4}
    )
    event = await h.sink.wait_for(CommandInvoked)
    assert event.path == ("champion", "nominate")
    assert event.options == {"member": other["user"]["id"], "weeks": 4}
    assert event.actor.is_admin and {"Moderators", h.fake.role_named("Moderators")["id"]} <= event.actor.roles
    assert event.channel == channel(h, "general")
    assert event.interaction == interaction_ref(raw)
    await h.adapter.perform(
        RespondToInteraction(
            key="r",
            community=community(h.fake),
            interaction=event.interaction,
            message=RichMessage(text="Nominated <@1>."),
        )
    )
    (callback,) = raw["responses"]
    assert callback["type"] == 4 and callback["data"]["content"] == "Nominated <@1>."
    assert callback["data"]["flags"] & 64  # ephemeral


async def test_non_moderator_is_reported_as_such(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    member = await h.fake.add_member("student")
    await h.fake.invoke_command(member["user"]["id"], ("status",))
    event = await h.sink.wait_for(CommandInvoked)
    assert event.path == ("status",) and event.options == {}
    assert not event.actor.is_admin and event.actor.roles == frozenset()


@pytest.mark.parametrize("discord_overrides", [{"defer_after": 0.05}])
async def test_slow_answer_is_deferred_then_sent_as_follow_up(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    mod = await h.fake.add_member("mod", roles=("Moderators",))
    raw = await h.fake.invoke_command(mod["user"]["id"], ("status",))
    event = await h.sink.wait_for(CommandInvoked)
    await eventually(lambda: raw["responses"])
    assert raw["responses"][0]["type"] == 5 and raw["responses"][0]["data"]["flags"] & 64
    with pytest.raises(PermanentDeliveryError, match="already answered or deferred"):
        await h.adapter.perform(
            OpenForm(
                key="f",
                community=community(h.fake),
                interaction=event.interaction,
                form=Form(form_id="goal", title="Goal", inputs=()),
            )
        )
    await h.adapter.perform(
        RespondToInteraction(
            key="r",
            community=community(h.fake),
            interaction=event.interaction,
            message=RichMessage(text="All good", title="Status"),
        )
    )
    (follow_up,) = raw["followups"]
    assert follow_up["embeds"][0]["title"] == "Status"


@pytest.mark.parametrize("discord_overrides", [{"defer_after": 0.05}])
async def test_a_connection_lost_while_deferring_is_logged_and_the_answer_still_goes_out(
    discord_bot: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = discord_bot
    caplog.set_level(logging.WARNING, logger="cohortbot.adapters.discord.interactions")
    h.fake.drop_next(CALLBACK)  # the "thinking" acknowledgement loses its connection
    mod = await h.fake.add_member("mod", roles=("Moderators",))
    raw = await h.fake.invoke_command(mod["user"]["id"], ("status",))
    event = await h.sink.wait_for(CommandInvoked)

    [warning] = await eventually(lambda: [r for r in caplog.records if "could not defer" in r.getMessage()])
    assert "ServerDisconnectedError" in warning.getMessage() and raw["token"] not in warning.getMessage()
    assert raw["responses"] == []  # nothing acknowledged: the answer is the first response
    await h.adapter.perform(
        RespondToInteraction(
            key="r",
            community=community(h.fake),
            interaction=event.interaction,
            message=RichMessage(text="Ok"),
        )
    )
    [answer] = raw["responses"]
    assert answer["type"] == 4 and answer["data"]["content"] == "Ok"


async def test_follow_up_works_after_a_restart_from_the_ref_alone(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    mod = await h.fake.add_member("mod", roles=("Moderators",))
    raw = await h.fake.invoke_command(mod["user"]["id"], ("status",))
    raw["responses"].append({"type": 5})  # deferred by the previous process
    await h.adapter.perform(
        RespondToInteraction(
            key="r",
            community=community(h.fake),
            interaction=interaction_ref(raw),
            message=RichMessage(text="Back"),
        )
    )
    assert [f["content"] for f in raw["followups"]] == ["Back"]


async def test_button_press_and_select(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    sent = await h.adapter.perform(
        PostMessage(
            key="p",
            community=community(h.fake),
            channel=ChannelRef(Platform.DISCORD, name="general"),
            message=RichMessage(
                text="Coming?", buttons=(Button(label="Yes", action_id="rsvp", value="yes"),)
            ),
        )
    )
    assert sent.message is not None
    posted = h.fake.messages_in(h.channel_id("general"))[-1]
    assert posted["components"][0]["components"][0]["custom_id"] == "rsvp|yes"
    await h.fake.press_button(ada["user"]["id"], "rsvp|yes", message=posted)
    pressed = await h.sink.wait_for(ButtonPressed)
    assert (pressed.action_id, pressed.value) == ("rsvp", "yes")
    assert pressed.message == MessageRef(channel=channel(h, "general"), id=posted["id"])
    await h.fake.press_button(ada["user"]["id"], "tracks", message=posted, values=["ml", "web"])
    chosen = await h.sink.wait_for(ButtonPressed, lambda e: e.action_id == "tracks")
    assert chosen.value == "ml,web"


async def test_form_opens_as_a_modal_and_its_submission_arrives(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    raw = await h.fake.invoke_command(ada["user"]["id"], ("privacy", "export"))
    event = await h.sink.wait_for(CommandInvoked)
    form = Form(
        form_id="goal-form",
        title="Your goal",
        inputs=(
            FormInput(input_id="goal", label="Goal", multiline=True),
            FormInput(input_id="why", label="Why"),
        ),
    )
    await h.adapter.perform(
        OpenForm(key="f", community=community(h.fake), interaction=event.interaction, form=form)
    )
    (callback,) = raw["responses"]
    assert callback["type"] == 9 and callback["data"]["custom_id"] == "goal-form"
    assert [c["component"]["custom_id"] for c in callback["data"]["components"]] == ["goal", "why"]
    await h.fake.submit_modal(ada["user"]["id"], "goal-form", {"goal": "Ship it", "why": "Fun"})
    submitted = await h.sink.wait_for(FormSubmitted)
    assert submitted.form_id == "goal-form" and submitted.values == {"goal": "Ship it", "why": "Fun"}


# ---------------------------------------------------------------------------- errors


async def test_429_is_retried_by_discord_py_and_nothing_is_lost_or_doubled(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    h.fake.fail_next(MESSAGES, 429, retry_after=0.05)
    await h.adapter.perform(
        PostMessage(
            key="p",
            community=community(h.fake),
            channel=channel(h, "general"),
            message=RichMessage(text="once"),
        )
    )
    assert [m["content"] for m in h.fake.messages_in(h.channel_id("general"))] == ["once"]
    statuses = [c.status for c in h.fake.calls_to(MESSAGES, ok_only=False)]
    assert statuses == [429, 200]


async def test_repeated_5xx_is_retryable(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    h.fake.fail_next(MESSAGES, 503, times=3)
    with pytest.raises(RetryableDeliveryError):
        await h.adapter.perform(
            PostMessage(
                key="p",
                community=community(h.fake),
                channel=channel(h, "general"),
                message=RichMessage(text="x"),
            )
        )


async def test_unknown_channel_and_missing_permission_are_permanent(discord_bot: DiscordHarness) -> None:
    h = discord_bot
    with pytest.raises(PermanentDeliveryError, match="no channel named #nowhere"):
        await h.adapter.perform(
            PostMessage(
                key="p",
                community=community(h.fake),
                channel=ChannelRef(Platform.DISCORD, name="nowhere"),
                message=RichMessage(text="x"),
            )
        )
    h.fake.fail_next(MESSAGES, 403, code=50013, message="Missing Permissions")
    with pytest.raises(PermanentDeliveryError, match="missing permission"):
        await h.adapter.perform(
            PostMessage(
                key="p",
                community=community(h.fake),
                channel=channel(h, "general"),
                message=RichMessage(text="x"),
            )
        )
