"""translate.py against recorded gateway payloads, parsed by discord.py's own parsers.

No connection: each payload goes through ``ConnectionState.parsers`` exactly as the gateway
would deliver it, and the objects discord.py dispatches are handed to the translate function.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from cohortbot.adapters.discord import translate
from cohortbot.adapters.discord.adapter import intents
from cohortbot.playbook.refs import ChannelRef, CommunityRef, MessageRef, Platform, UserRef

PAYLOADS = Path(__file__).parent / "payloads" / "discord"
NOW = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)
GUILD = CommunityRef(Platform.DISCORD, "1209875632118521856", "Learning Cohort")
ADA = UserRef(Platform.DISCORD, "1100000000000000042", "Ada")
BOB = UserRef(Platform.DISCORD, "1100000000000000043", "Bob")
GENERAL = ChannelRef(Platform.DISCORD, "1209875632118521859", "general")
INTROS = ChannelRef(Platform.DISCORD, "1209875632118521860", "introductions")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


class Replay(discord.Client):
    """A real client that is never connected: payloads in, dispatched events recorded."""

    def __init__(self) -> None:
        super().__init__(intents=intents(), chunk_guilds_at_startup=False, guild_ready_timeout=0.01)
        self.seen: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        self.seen.append((event, args))

    def feed(self, event: str, payload: str | dict[str, Any]) -> dict[str, tuple[Any, ...]]:
        start = len(self.seen)
        self._connection.parsers[event](load(payload) if isinstance(payload, str) else payload)
        return dict(self.seen[start:])


@pytest.fixture
async def gateway() -> AsyncIterator[Replay]:
    client = Replay()
    client.feed("READY", "ready")
    client.feed("GUILD_CREATE", "guild_create")
    yield client
    task = client._connection._ready_task
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=1)
    await client.http.close()


async def test_member_join_and_pending_onboarding(gateway: Replay) -> None:
    (member,) = gateway.feed("GUILD_MEMBER_ADD", "guild_member_add_pending")["member_join"]
    joined = translate.member_joined(member, community=GUILD, now=NOW)
    assert joined.pending and joined.display_name == "Newbie" and not joined.is_bot
    assert joined.occurred_at == datetime(2026, 1, 10, 9, 30, 15, 123000, tzinfo=UTC)
    assert (
        joined.event_id
        == f"discord:join:{GUILD.id}:1100000000000000044:{int(joined.occurred_at.timestamp())}"
    )
    before, after = gateway.feed("GUILD_MEMBER_UPDATE", "guild_member_update_onboarded")["member_update"]
    updated = translate.member_updated(before, after, community=GUILD, now=NOW)
    assert updated is not None and updated.pending is False
    assert (
        updated.event_id
        == f"discord:onboarded:{GUILD.id}:1100000000000000044:{int(joined.occurred_at.timestamp())}"
    )
    # the same update again (a gateway replay) changes nothing -> no event
    again = gateway.feed("GUILD_MEMBER_UPDATE", "guild_member_update_onboarded")["member_update"]
    assert translate.member_updated(*again, community=GUILD, now=NOW) is None


def test_join_id_is_the_same_for_live_join_and_catch_up(gateway: Replay) -> None:
    (live,) = gateway.feed("GUILD_MEMBER_ADD", "guild_member_add")["member_join"]
    cached = gateway.get_guild(int(GUILD.id)).get_member(live.id)  # type: ignore[union-attr]
    assert cached is not None
    assert (
        translate.member_joined(live, community=GUILD, now=NOW).event_id
        == translate.member_joined(cached, community=GUILD, now=datetime.now(UTC)).event_id
    )


def test_member_leave(gateway: Replay) -> None:
    (raw,) = gateway.feed("GUILD_MEMBER_REMOVE", "guild_member_remove")["raw_member_remove"]
    left = translate.member_left(raw, community=GUILD, now=NOW)
    assert left.member == BOB
    assert (
        left.event_id
        == f"discord:leave:{GUILD.id}:{BOB.id}:{int(datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp())}"
    )


def test_reply_with_mentions(gateway: Replay) -> None:
    (message,) = gateway.feed("MESSAGE_CREATE", "message_create_reply")["message"]
    posted = translate.message_posted(message, community=GUILD)
    assert posted.event_id == "discord:message:1210000000000000201"
    assert posted.author == BOB and posted.channel == GENERAL and posted.channel.name == "general"
    assert posted.text.startswith("Try `pytest -k`")
    assert posted.reply_to == ADA and posted.reply_to_message == MessageRef(
        channel=GENERAL, id="1210000000000000200"
    )
    assert posted.mentions == (ADA,) and posted.thread is None
    assert not posted.is_bot and not posted.is_direct
    assert posted.occurred_at == discord.utils.snowflake_time(1210000000000000201)  # Discord's own clock


def test_message_in_a_thread_is_reported_in_its_parent_channel(gateway: Replay) -> None:
    (message,) = gateway.feed("MESSAGE_CREATE", "message_create_thread")["message"]
    posted = translate.message_posted(message, community=GUILD)
    assert posted.channel == INTROS and posted.channel.name == "introductions"
    assert posted.thread == MessageRef(channel=INTROS, id="1210000000000000100")
    assert posted.message.channel.id == "1210000000000000100"


def test_direct_message_and_bot_message(gateway: Replay) -> None:
    (dm,) = gateway.feed("MESSAGE_CREATE", "message_create_dm")["message"]
    posted = translate.message_posted(dm, community=GUILD)
    assert posted.is_direct and posted.author == ADA and posted.text == "thanks!"
    (own,) = gateway.feed("MESSAGE_CREATE", "message_create_bot")["message"]
    assert translate.message_posted(own, community=GUILD).is_bot  # marked, not skipped


def test_reactions_unicode_and_custom(gateway: Replay) -> None:
    (raw,) = gateway.feed("MESSAGE_REACTION_ADD", "message_reaction_add")["raw_reaction_add"]
    reaction = translate.reaction_added(raw, community=GUILD, channel_name="introductions", now=NOW)
    assert reaction.emoji == "👋" and reaction.user == BOB and reaction.message_author == ADA
    assert reaction.message == MessageRef(channel=INTROS, id="1210000000000000100")
    assert reaction.event_id == "discord:reaction:1210000000000000100:1100000000000000043:👋"
    (custom,) = gateway.feed("MESSAGE_REACTION_ADD", "message_reaction_add_custom")["raw_reaction_add"]
    assert translate.reaction_added(custom, community=GUILD, channel_name="", now=NOW).emoji == "partyparrot"


def test_slash_command_with_subcommand_group_and_options(gateway: Replay) -> None:
    (interaction,) = gateway.feed("INTERACTION_CREATE", "interaction_command")["interaction"]
    command = translate.command_invoked(interaction, community=GUILD)
    assert command.path == ("champion", "nominate")
    assert command.options == {"member": BOB.id, "weeks": 4}
    assert command.actor.user == ADA and command.actor.is_admin
    assert command.actor.roles == frozenset({"Moderators", "1209875700000000010"})
    assert command.channel == GENERAL
    assert command.interaction.id == "1210000000000000700" and command.interaction.application_id
    assert command.interaction.token and command.interaction.token not in repr(command)
    assert command.event_id == "discord:interaction:1210000000000000700"


def test_top_level_subcommand_by_a_plain_member(gateway: Replay) -> None:
    (interaction,) = gateway.feed("INTERACTION_CREATE", "interaction_command_top_level")["interaction"]
    command = translate.command_invoked(interaction, community=GUILD)
    assert command.path == ("status",) and command.options == {}
    assert not command.actor.is_admin and command.actor.roles == frozenset()


def test_button_and_select(gateway: Replay) -> None:
    (button,) = gateway.feed("INTERACTION_CREATE", "interaction_button")["interaction"]
    pressed = translate.button_pressed(button, community=GUILD)
    assert (pressed.action_id, pressed.value) == ("rsvp:office", "yes")
    assert (
        pressed.message == MessageRef(channel=GENERAL, id="1210000000000000800") and pressed.actor.user == BOB
    )
    (select,) = gateway.feed("INTERACTION_CREATE", "interaction_select")["interaction"]
    chosen = translate.button_pressed(select, community=GUILD)
    assert (chosen.action_id, chosen.value) == ("tracks", "ml,web")


def test_modal_submissions_labels_and_action_rows(gateway: Replay) -> None:
    (modern,) = gateway.feed("INTERACTION_CREATE", "interaction_modal_submit")["interaction"]
    form = translate.form_submitted(modern, community=GUILD)
    assert form.form_id == "goal-form" and form.values == {"goal": "Ship a CLI", "track": "web"}
    (rows,) = gateway.feed("INTERACTION_CREATE", "interaction_modal_submit_rows")["interaction"]
    assert translate.form_submitted(rows, community=GUILD).values == {"score": "9", "comment": ""}


def test_rsvp_add_and_remove(gateway: Replay) -> None:
    event, user = gateway.feed("GUILD_SCHEDULED_EVENT_USER_ADD", "guild_scheduled_event_user_add")[
        "scheduled_event_user_add"
    ]
    rsvp = translate.rsvp_changed(event, user, attending=True, community=GUILD, now=NOW)
    assert rsvp.session_id == "1210000000000000500" and rsvp.user == BOB and rsvp.attending
    event, user = gateway.feed("GUILD_SCHEDULED_EVENT_USER_REMOVE", "guild_scheduled_event_user_remove")[
        "scheduled_event_user_remove"
    ]
    gone = translate.rsvp_changed(event, user, attending=False, community=GUILD, now=NOW)
    assert not gone.attending and gone.event_id != rsvp.event_id


def test_poll_vote(gateway: Replay) -> None:
    (raw,) = gateway.feed("MESSAGE_POLL_VOTE_ADD", "message_poll_vote_add")["raw_poll_vote_add"]
    vote = translate.poll_voted(
        raw, added=True, option="Typing", community=GUILD, channel_name="general", user_name="Bob", now=NOW
    )
    assert vote.option == "Typing" and vote.user == BOB and vote.added
    assert vote.message == MessageRef(channel=GENERAL, id="1210000000000000600")


@pytest.mark.parametrize(
    ("data", "path", "options"),
    [
        ({"name": "cohort", "options": [{"name": "status", "type": 1}]}, ("status",), {}),
        (
            {
                "name": "cohort",
                "options": [
                    {
                        "name": "prompt",
                        "type": 2,
                        "options": [
                            {
                                "name": "add",
                                "type": 1,
                                "options": [{"name": "text", "type": 3, "value": "Hi"}],
                            }
                        ],
                    }
                ],
            },
            ("prompt", "add"),
            {"text": "Hi"},
        ),
    ],
)
def test_command_path_and_options(
    data: dict[str, Any], path: tuple[str, ...], options: dict[str, Any]
) -> None:
    assert translate.command_path_and_options(data) == (path, options)
