"""Gateway intake under odd payloads and a dropped websocket (real discord.py vs the fake).

A payload discord.py cannot parse is logged by event type and skipped: the bot stays on the
same connection (no RESUME, no new IDENTIFY) and processes the next good event. A dropped
websocket is RESUMEd and the events sent meanwhile arrive, each once.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cohortbot.adapters.discord.intake import describe_failure
from cohortbot.playbook.events import MemberJoined, MessagePosted
from tests.contract.conftest import DiscordHarness, eventually
from tests.contract.fakes.discord_fake import FakeDiscord

INTAKE_LOGGER = "cohortbot.adapters.discord.intake"


def reaction_without_type(fake: FakeDiscord, member: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": member["user"]["id"],
        "channel_id": fake.channel_named("general")["id"],
        "message_id": fake.new_id(),
        "guild_id": fake.guild_id,
        "member": member,
        "emoji": {"id": None, "name": "👍"},
        "burst": False,
    }


def interaction_without_size_limit(fake: FakeDiscord, member: dict[str, Any]) -> dict[str, Any]:
    channel = fake.channel_named("general")
    return {
        "id": fake.new_id(),
        "application_id": fake.app_id,
        "type": 3,
        "token": "itok-secret-interaction-token",
        "version": 1,
        "guild_id": fake.guild_id,
        "channel_id": channel["id"],
        "channel": channel,
        "member": {**member, "permissions": "0"},
        "data": {"custom_id": "welcome:accept", "component_type": 2},
        "locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {"0": fake.guild_id},
        "context": 0,
    }


def member_update_without_user(fake: FakeDiscord, member: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in member.items() if k != "user"}, "guild_id": fake.guild_id}


MALFORMED = [
    ("MESSAGE_REACTION_ADD", reaction_without_type),
    ("INTERACTION_CREATE", interaction_without_size_limit),
    ("GUILD_MEMBER_UPDATE", member_update_without_user),
]


def skipped(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == INTAKE_LOGGER and r.levelno == logging.WARNING]


@pytest.mark.parametrize(("event", "payload"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_an_unparseable_payload_is_logged_and_skipped_on_the_same_connection(
    discord_bot: DiscordHarness, caplog: pytest.LogCaptureFixture, event: str, payload: Any
) -> None:
    h = discord_bot
    caplog.set_level(logging.WARNING, logger=INTAKE_LOGGER)
    author = await h.fake.add_member("Robert'); DROP TABLE members;--")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == author["user"]["id"])
    identifies, connections = len(h.fake.sessions), h.fake.connections

    await h.fake.dispatch(event, payload(h.fake, author))
    message = await h.fake.post_message(author["user"]["id"], h.channel_id("general"), "still listening?")
    newcomer = await h.fake.add_member("after the bad payload")

    await h.sink.wait_for(MessagePosted, lambda e: e.message.id == message["id"])
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == newcomer["user"]["id"])
    [warning] = skipped(caplog)
    text = warning.getMessage()
    assert event in text and "unparseable" in text and "KeyError" in text
    for secret in ("DROP TABLE", "itok-secret", h.fake.token):
        assert secret not in text  # neither member text nor a token reaches the log
    assert warning.exc_info is None  # no traceback: its last line would quote the exception
    assert (len(h.fake.sessions), h.fake.connections, h.fake.resumes) == (identifies, connections, [])


async def test_three_bad_payloads_in_a_row_give_three_warnings_and_lose_nothing(
    discord_bot: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = discord_bot
    caplog.set_level(logging.WARNING, logger=INTAKE_LOGGER)
    author = await h.fake.add_member("ada")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == author["user"]["id"])
    for event, payload in MALFORMED:
        await h.fake.dispatch(event, payload(h.fake, author))
        await h.fake.post_message(author["user"]["id"], h.channel_id("general"), f"after {event}")
    await eventually(lambda: len(h.sink.of(MessagePosted)) == 3)
    assert [e.text for e in h.sink.of(MessagePosted)] == [f"after {event}" for event, _ in MALFORMED]
    assert [r.args[0] for r in skipped(caplog) if isinstance(r.args, tuple)] == [
        event for event, _ in MALFORMED
    ]
    assert len(h.fake.sessions) == 1 and h.fake.resumes == []


def test_the_failure_is_described_without_the_values_it_quotes() -> None:
    def parse(data: dict[str, Any]) -> None:
        int(data["name"])

    try:
        parse({"name": "<@&123> @everyone Robert"})
    except ValueError as exc:
        described = describe_failure(exc)
    assert described.startswith("ValueError in ") and "Robert" not in described
    try:
        parse({})
    except KeyError as exc:
        assert describe_failure(exc).startswith("KeyError('name') in ")


async def test_a_dropped_websocket_resumes_and_what_was_sent_meanwhile_arrives_once(
    discord_bot: DiscordHarness,
) -> None:
    h = discord_bot
    ada = await h.fake.add_member("ada")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == ada["user"]["id"])
    identifies = len(h.fake.sessions)

    h.fake.gateway_down()
    await h.fake.disconnect_all(code=4000)  # the socket drops; discord.py tries to RESUME
    missed = [await h.fake.add_member(f"joined-while-down-{i}") for i in range(3)]
    posts = [
        await h.fake.post_message(ada["user"]["id"], h.channel_id("general"), f"while down {i}")
        for i in range(3)
    ]
    h.fake.gateway_up()

    await eventually(lambda: len(h.sink.of(MessagePosted)) == 3, within=5.0)
    await eventually(lambda: len(h.sink.of(MemberJoined)) == 4, within=5.0)
    [resume] = h.fake.resumes
    assert resume["session_id"] == h.fake.sessions[-1]["session_id"]
    assert len(h.fake.sessions) == identifies  # resumed, not identified again
    joined = [e.member.id for e in h.sink.of(MemberJoined)]
    assert joined == [ada["user"]["id"], *(m["user"]["id"] for m in missed)]  # each once, in order
    assert [e.message.id for e in h.sink.of(MessagePosted)] == [p["id"] for p in posts]


# ---------------------------------------------------------------------------- the gateway task


@pytest.mark.parametrize("discord_overrides", [{"gateway_restart_delay": 0.0}])
async def test_a_frame_discord_py_fails_on_outside_its_parsers_restarts_the_gateway(
    discord_bot: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = discord_bot
    caplog.set_level(logging.ERROR, logger=INTAKE_LOGGER)
    ada = await h.fake.add_member("ada")
    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == ada["user"]["id"])

    await h.fake.dispatch("RESUMED", None)  # discord.py writes into ``d`` before any parser
    await eventually(lambda: len(h.fake.sessions) == 2)  # connected again: a new IDENTIFY
    bo = await h.fake.add_member("bo")

    await h.sink.wait_for(MemberJoined, lambda e: e.member.id == bo["user"]["id"])
    [failed] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "gateway failed (TypeError" in failed.getMessage()


async def test_a_fatal_close_after_ready_is_reported_not_silent(
    discord_bot: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = discord_bot
    caplog.set_level(logging.CRITICAL, logger="cohortbot.adapters.discord.adapter")
    await h.fake.disconnect_all(code=4004)  # the token was reset while the bot ran

    critical = await eventually(lambda: [r for r in caplog.records if r.levelno == logging.CRITICAL])
    text = critical[0].getMessage()
    assert "stopped for good" in text and "4004" in text and "DISCORD_TOKEN" in text
    assert h.fake.token not in text
