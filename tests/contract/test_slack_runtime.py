"""Issue 4's "done when", end to end: the real runtime (engine, SQLite inbox and outbox,
deliverer) with the Slack adapter, slack-bolt talking to the fake Slack in both modes.
"""

from __future__ import annotations

import logging
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.slack import SlackAdapter
from cohortbot.bot.bootstrap import build_app
from cohortbot.bot.runtime import Runtime
from cohortbot.playbook.refs import Platform
from tests.contract.conftest import all_delivered, run_settings
from tests.contract.fakes.slack_fake import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.contract.slack_fixtures import load_payload, slack_fake

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


@dataclass
class Bot:
    fake: FakeSlack
    adapter: SlackAdapter
    runtime: Runtime
    mode: str
    unit_of_work: Callable[[], Any]

    async def deliver(self, payload: dict[str, object], *, kind: str, retry: int = 0) -> int:
        if self.mode == "http":
            url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
            status, _ = await self.fake.send_signed(url, payload, kind=kind, retry_num=retry or None)
            return status
        envelope_id = await self.fake.push_envelope(payload, kind=kind, retry_attempt=retry)
        await self.fake.wait_ack(envelope_id)
        return 200

    async def handled(self, count: int) -> None:
        """Wait until ``count`` events were decided (processed or dropped as duplicates), then deliver."""
        await self.fake.wait_for(lambda: self.runtime.processed + self.runtime.duplicates >= count)
        await self.runtime.settle()


@pytest.fixture(params=["http", "socket"])
async def bot(request: pytest.FixtureRequest, slack_fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    """What ``cohortbot run`` builds from these settings, with SLACK_API_URL at the fake."""
    file = tmp_path / "playbook.yaml"
    file.write_text(textwrap.dedent(PLAYBOOK))
    settings, platforms = run_settings(
        COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN if request.param == "socket" else None,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_fake.api_url,
        SLACK_MODE=request.param,
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=0,
    )
    app = build_app(settings, platform_settings=platforms, playbook_paths=[file])
    await app.database.upgrade()
    adapter = app.runtime.adapters[Platform.SLACK]
    assert isinstance(adapter, SlackAdapter)
    await adapter.start(app.runtime.submit, app.runtime.engine.commands())
    try:
        yield Bot(
            fake=slack_fake,
            adapter=adapter,
            runtime=app.runtime,
            mode=request.param,
            unit_of_work=app.database.unit_of_work,
        )
    finally:
        await adapter.close()
        await app.database.dispose()


async def test_a_join_retried_three_times_is_welcomed_once(bot: Bot) -> None:
    payload = load_payload("team_join")
    payload["event"]["event_ts"] = f"{time.time():.6f}"  # a recorded 2023 join is too old to welcome
    assert [await bot.deliver(payload, kind="events_api", retry=n) for n in range(3)] == [200, 200, 200]
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
    assert await bot.deliver(member, kind="slash_commands") == 200
    assert await bot.deliver(moderator, kind="slash_commands") == 200
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
    assert await bot.deliver(command, kind="slash_commands") == 200
    await bot.handled(1)
    assert logging.getLogger("cohortbot").level == logging.NOTSET
