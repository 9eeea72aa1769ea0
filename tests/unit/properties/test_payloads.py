"""Platform payloads, recorded then mangled: an Event, None (ignored) or a logged skip, never a raise.

Slack's translate functions read the request body itself. Discord's read what discord.py's own
gateway parsers built from the payload (guarded as the adapter guards them: a payload the
library cannot parse is skipped there), so every dispatched object goes through the translate
function the adapter's handler calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cohortbot.adapters.discord import translate as discord_translate
from cohortbot.adapters.discord.adapter import intents
from cohortbot.adapters.discord.intake import guard_parsers
from cohortbot.adapters.slack import translate as slack_translate
from cohortbot.playbook.commands import CommandSyntaxError
from cohortbot.playbook.events import Actor, Event
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from cohortbot.playbook.steps import STEPS
from tests.unit.properties.mutations import mutated

PAYLOADS = Path(__file__).parents[2] / "contract" / "payloads"
NOW = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)
CATALOG = [command.spec for step in STEPS for command in step.commands]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _is_event_or_nothing(result: object) -> bool:
    items = result if isinstance(result, list) else [result]
    return all(item is None or isinstance(item, Event) for item in items)


# ---------------------------------------------------------------------------- Slack

TEAM = slack_translate.community_ref("T0COHORT", "Cohort")
COMMUNITY_CHANNEL = ChannelRef(Platform.SLACK, id="CCOHORT", name="cohort")
SLACK_ACTOR = Actor(user=UserRef(Platform.SLACK, "UMEMBER", "bo"), roles=frozenset())
SLACK: dict[str, Callable[[dict[str, Any]], object]] = {
    "team_join": lambda b: slack_translate.team_join(b, community=TEAM),
    "member_joined_channel": lambda b: [
        slack_translate.member_joined_channel(b, community=TEAM, community_channel=COMMUNITY_CHANNEL),
        slack_translate.member_left_channel(b, community=TEAM, community_channel=COMMUNITY_CHANNEL),
    ],
    "message": lambda b: slack_translate.message_posted(b, community=TEAM, bot_user_id="UBOT"),
    "reaction_added": lambda b: slack_translate.reaction_added(b, community=TEAM, bot_user_id="UBOT"),
    "slash_command": lambda b: slack_translate.slash_command(
        b, community=TEAM, actor=SLACK_ACTOR, catalog=CATALOG, now=NOW
    ),
    "block_actions": lambda b: slack_translate.block_actions(b, community=TEAM, actor=SLACK_ACTOR, now=NOW),
    "view_submission": lambda b: slack_translate.view_submission(
        b, community=TEAM, actor=SLACK_ACTOR, now=NOW
    ),
}
SLACK_CASES = sorted((p.stem, _load(p)) for p in (PAYLOADS / "slack").glob("*.json"))


def _slack_translate(name: str) -> Callable[[dict[str, Any]], object]:
    return next(call for prefix, call in SLACK.items() if name.startswith(prefix))


def test_every_recorded_slack_payload_has_its_translate_function() -> None:
    assert SLACK_CASES and all(_slack_translate(name) for name, _ in SLACK_CASES)


def _translate_slack(name: str, body: dict[str, Any]) -> object:
    try:
        return _slack_translate(name)(body)
    except CommandSyntaxError as exc:  # answered to the member in the ack, by design
        return str(exc)


@settings(max_examples=300)
@given(data=st.data())
def test_a_mangled_slack_payload_is_an_event_or_nothing(data: st.DataObject) -> None:
    name, payload = data.draw(st.sampled_from(SLACK_CASES), label="recorded")
    body = data.draw(mutated(payload), label="mangled")
    result = _translate_slack(name, body)
    assert isinstance(result, str) or _is_event_or_nothing(result)


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    inner = payload
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return payload


# The minimal examples hypothesis found, each once a crash of the translate function.
SLACK_REGRESSIONS = [
    ("team_join", lambda p: _without(p, "event_id")),  # KeyError: 'event_id'
    ("message_channel", lambda p: _without(p, "event", "channel")),  # a ChannelRef needs an id
    ("message_channel", lambda p: p | {"event": True}),  # 'bool' object has no attribute 'get'
    ("reaction_added", lambda p: p | {"event": p["event"] | {"item": [{}]}}),
    ("block_actions_button", lambda p: p | {"channel": ["CINTROS"]}),  # a list has no .get
    ("block_actions_select", lambda p: p | {"actions": 1.5}),  # 'float' object is not iterable
    ("view_submission", lambda p: p | {"view": p["view"] | {"state": {"values": [1]}}}),  # no .items
    ("view_submission", lambda p: p | {"response_urls": ["x"]}),  # 'str' object has no attribute 'get'
]


@pytest.mark.parametrize(("name", "mangle"), SLACK_REGRESSIONS)
def test_slack_payloads_that_once_crashed_are_skipped_with_a_warning(
    name: str, mangle: Callable[[dict[str, Any]], dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    body = mangle(dict(SLACK_CASES)[name])
    with caplog.at_level(logging.WARNING):
        result = _translate_slack(name, body)
    assert result in (None, [])
    assert "skipped a Slack payload" in caplog.text


# ---------------------------------------------------------------------------- Discord


class Replay(discord.Client):
    """A real client, never connected: payloads go through its (guarded) gateway parsers."""

    def __init__(self) -> None:
        super().__init__(intents=intents(), chunk_guilds_at_startup=False, guild_ready_timeout=0.01)
        guard_parsers(self)
        self.seen: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        self.seen.append((event, args))

    def feed(self, event: str, payload: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
        start = len(self.seen)
        self._connection.parsers[event](payload)
        return self.seen[start:]


GUILD = CommunityRef(Platform.DISCORD, "1209875632118521856", "Learning Cohort")
GATEWAY_EVENTS = {
    "guild_member_add": "GUILD_MEMBER_ADD",
    "guild_member_remove": "GUILD_MEMBER_REMOVE",
    "guild_member_update": "GUILD_MEMBER_UPDATE",
    "guild_scheduled_event_user_add": "GUILD_SCHEDULED_EVENT_USER_ADD",
    "guild_scheduled_event_user_remove": "GUILD_SCHEDULED_EVENT_USER_REMOVE",
    "interaction": "INTERACTION_CREATE",
    "message_create": "MESSAGE_CREATE",
    "message_poll_vote_add": "MESSAGE_POLL_VOTE_ADD",
    "message_reaction_add": "MESSAGE_REACTION_ADD",
}
DISCORD_CASES = sorted(
    (gateway, p.stem, _load(p))
    for p in (PAYLOADS / "discord").glob("*.json")
    for prefix, gateway in GATEWAY_EVENTS.items()
    if p.stem.startswith(prefix)
)


def _discord_events(dispatched: list[tuple[str, tuple[Any, ...]]]) -> Iterator[object]:
    """What the adapter's handlers (inbound.py) hand each dispatched object to."""
    t = discord_translate
    for name, args in dispatched:
        if name == "member_join":
            yield t.member_joined(args[0], community=GUILD, now=NOW)
        elif name == "member_update":
            yield t.member_updated(args[0], args[1], community=GUILD, now=NOW)
        elif name == "raw_member_remove":
            yield t.member_left(args[0], community=GUILD, now=NOW)
        elif name == "message":
            yield t.message_posted(args[0], community=GUILD)
        elif name == "raw_reaction_add":
            yield t.reaction_added(args[0], community=GUILD, channel_name="general", now=NOW)
        elif name == "interaction":
            kind = args[0].type
            if kind is discord.InteractionType.application_command:
                yield t.command_invoked(args[0], community=GUILD)
            elif kind is discord.InteractionType.component:
                yield t.button_pressed(args[0], community=GUILD)
            elif kind is discord.InteractionType.modal_submit:
                yield t.form_submitted(args[0], community=GUILD)
        elif name in ("scheduled_event_user_add", "scheduled_event_user_remove"):
            yield t.rsvp_changed(*args, attending=name.endswith("add"), community=GUILD, now=NOW)
        elif name == "raw_poll_vote_add":
            yield t.poll_voted(
                args[0], added=True, option="1", community=GUILD, channel_name="", user_name="", now=NOW
            )


@pytest.fixture(scope="module")
def gateway() -> Iterator[Replay]:
    async def connected() -> Replay:  # READY and GUILD_CREATE need a running loop
        client = Replay()
        client.feed("READY", _load(PAYLOADS / "discord" / "ready.json"))
        client.feed("GUILD_CREATE", _load(PAYLOADS / "discord" / "guild_create.json"))
        return client

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    client = loop.run_until_complete(connected())
    yield client
    task = client._connection._ready_task
    if task is not None:
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
    loop.run_until_complete(client.http.close())
    loop.close()
    asyncio.set_event_loop(None)


def test_every_recorded_discord_payload_dispatches_what_the_adapter_translates(gateway: Replay) -> None:
    translated = {
        gateway_event
        for gateway_event, _name, payload in DISCORD_CASES
        for result in _discord_events(gateway.feed(gateway_event, payload))
    }
    assert translated == set(GATEWAY_EVENTS.values())  # the property below reaches every function


@settings(max_examples=300)
@given(data=st.data())
def test_a_mangled_discord_payload_is_an_event_or_nothing(gateway: Replay, data: st.DataObject) -> None:
    gateway_event, _name, payload = data.draw(st.sampled_from(DISCORD_CASES), label="recorded")
    body = data.draw(mutated(payload), label="mangled")
    for result in _discord_events(gateway.feed(gateway_event, body)):
        assert _is_event_or_nothing(result)


DISCORD_REGRESSIONS = [
    # a slash command whose options are not a list: 'NoneType' object is not iterable
    ("interaction_command", lambda p: p | {"data": p["data"] | {"options": None}}),
    # a subcommand option without its name: KeyError: 'name'
    ("interaction_command", lambda p: p | {"data": p["data"] | {"options": [{"type": 1}]}}),
    # a modal whose rows are not mappings: 'list' object has no attribute 'get'
    ("interaction_modal_submit", lambda p: p | {"data": p["data"] | {"components": [[]]}}),
]


@pytest.mark.parametrize(("name", "mangle"), DISCORD_REGRESSIONS)
def test_discord_payloads_that_once_crashed_are_skipped_with_a_warning(
    gateway: Replay,
    name: str,
    mangle: Callable[[dict[str, Any]], dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway_event, _, payload = next(c for c in DISCORD_CASES if c[1] == name)
    with caplog.at_level(logging.WARNING):
        results = list(_discord_events(gateway.feed(gateway_event, mangle(payload))))
    assert results and None in results
    assert "skipped a Discord payload" in caplog.text
