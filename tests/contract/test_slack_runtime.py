"""Issue 4's "done when", end to end: the real runtime (engine, SQLite inbox and outbox,
deliverer) with the Slack adapter, slack-bolt talking to the fake Slack in both modes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.conftest import all_delivered
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import SlackBot, load_payload, slack_fake, start_bot

__all__ = ["slack_fake"]

PLAYBOOK = """
name: Slack cohort
default: true
community_name: Slack Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: intros, moderators: mods}
moderators: {users: [], roles: [moderators], platform_admins: false}
facilitators: [Ada]
steps:
  welcome:
    message: "Hi {member}! Introduce yourself in {intro_channel}."
  intros: {min_length: 20}
"""

Bot = SlackBot


@pytest.fixture(params=["http", "socket"])
async def bot(request: pytest.FixtureRequest, slack_fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    """What ``cohortbot run`` builds from these settings, with SLACK_API_URL at the fake."""
    async with start_bot(slack_fake, tmp_path, request.param, PLAYBOOK) as started:
        yield started


async def test_a_join_retried_three_times_is_welcomed_once(bot: Bot) -> None:
    payload = load_payload("team_join")
    payload["event"]["event_ts"] = f"{time.time():.6f}"  # a recorded 2023 join is too old to welcome
    acks = [await bot.deliver(payload, kind="events_api", retry=n) for n in range(3)]
    assert [ack.status for ack in acks] == [200, 200, 200]
    await bot.handled(3)
    assert bot.runtime.duplicates == 2
    await all_delivered(bot.runtime, bot.unit_of_work)  # nothing left that could be sent again
    dms = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == "DUNEW"]
    assert len(dms) == 1
    assert "Hi grace!" in dms[0].params["text"] and "<#CINTROS>" in dms[0].params["text"]


async def test_moderator_commands_follow_the_playbooks_user_group(bot: Bot) -> None:
    bot.fake.add_usergroup("S0MODS", "moderators", ["UADMIN"])
    member = load_payload("slash_command") | {
        "user_id": "UMEMBER",
        "user_name": "bo",
        "trigger_id": "t-member",
        "response_url": bot.fake.response_url("member"),
    }
    moderator = load_payload("slash_command") | {
        "trigger_id": "t-mod",
        "response_url": bot.fake.response_url("mod"),
    }
    assert (await bot.deliver(member, kind="slash_commands")).status == 200
    assert (await bot.deliver(moderator, kind="slash_commands")).status == 200
    await bot.handled(2)
    answers = {r["id"]: r for r in bot.fake.responses}
    assert answers["member"]["response_type"] == "ephemeral"
    assert "only moderators" in answers["member"]["text"]
    assert "only moderators" not in answers["mod"]["text"]


async def test_handling_slack_requests_leaves_cohortbots_own_log_levels_alone(bot: Bot) -> None:
    # slack-bolt sets the level of the logger named after the app on every request; if that
    # were "cohortbot", every cohortbot.* logger would follow the root's level of the moment.
    command = load_payload("slash_command") | {
        "trigger_id": "t-log",
        "response_url": bot.fake.response_url("x"),
    }
    assert (await bot.deliver(command, kind="slash_commands")).status == 200
    await bot.handled(1)
    assert logging.getLogger("cohortbot").level == logging.NOTSET
