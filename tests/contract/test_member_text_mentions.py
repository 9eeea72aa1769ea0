"""Issue 10.2 end to end: a member whose display name is made of mention and link syntax joins
and introduces themselves. What the fake Slack and the fake Discord receive (the welcome DM,
the welcome posted in the channel when DMs are refused, the reply to the intro, the
moderators' alert) carries no special mention, no mention of anyone the bot did not mean, no
link of theirs; on Discord every message also carries a restrictive ``allowed_mentions``.
"""

from __future__ import annotations

import asyncio
import json
import re
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.slack import SlackAdapter
from cohortbot.bot.bootstrap import App, build_app
from cohortbot.playbook.refs import Platform
from tests.contract.conftest import all_delivered, eventually, run_settings
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.contract.slack_fixtures import load_payload, slack_fake

__all__ = ["slack_fake"]

HOSTILE = (
    "[hi](!here) [grp](!subteam^S0MODS) [c](!channel) [e](!everyone) <@U0SPAM> "
    "<@1100000000000000099> <@&1100000000000000077> <!channel> @everyone @here <#C1|x> "
    "[x](https://evil.example) *bold*"
)
INTRO = "Hi all, I'm new here and I'm learning Python and data science. <!here> <@U0SPAM>"

PLAYBOOK = """
name: Hostile names
default: true
community_name: Cohort
timezone: Europe/Berlin
channels: {{welcome: welcome, intros: {intros}, moderators: mods}}
moderators: {{users: [], roles: [moderators], platform_admins: false}}
steps:
  welcome:
    message: "Hi {{member}}! Introduce yourself in {{intro_channel}}."
  intros:
    min_length: 20
    acknowledge: {{alert_moderators: true}}
"""

SPECIAL = re.compile(r"<!(here|channel|everyone|subteam)", re.IGNORECASE)


def write_playbook(tmp_path: Path, intros: str) -> Path:
    file = tmp_path / "playbook.yaml"
    file.write_text(textwrap.dedent(PLAYBOOK.format(intros=intros)))
    return file


# ---------------------------------------------------------------------------------- Slack


def mrkdwn_in(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_in(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [t for value in node.values() for t in mrkdwn_in(value)]


def slack_bodies(fake: FakeSlack) -> dict[str, list[str]]:
    """Per channel, the mrkdwn Slack parses of every chat.postMessage: its text and blocks."""
    bodies: dict[str, list[str]] = {}
    for call in fake.calls_to("chat.postMessage"):
        blocks = call.params.get("blocks") or []
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        body = "\n".join([str(call.params.get("text", "")), *mrkdwn_in(blocks)])
        bodies.setdefault(str(call.params["channel"]), []).append(body)
    return bodies


async def test_slack_a_hostile_name_pings_nobody_and_links_nowhere(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    fake = slack_fake
    fake.channels["CMODS"] = {"id": "CMODS", "name": "mods", "members": []}
    for uid in ("UHOSTILE", "UREFUSED"):
        fake.users[uid] = {"id": uid, "name": uid.lower(), "profile": {"display_name": HOSTILE}}
    fake.dm_refused.add("UREFUSED")
    settings, platforms = run_settings(
        COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        SLACK_MODE="http",
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=0,
    )
    app = build_app(
        settings, platform_settings=platforms, playbook_paths=[write_playbook(tmp_path, "intros")]
    )
    await app.database.upgrade()
    adapter = app.runtime.adapters[Platform.SLACK]
    assert isinstance(adapter, SlackAdapter)
    await adapter.start(app.runtime.submit, app.runtime.engine.commands())
    url = f"http://127.0.0.1:{adapter.http_port}/slack/events"
    try:
        for n, uid in enumerate(("UHOSTILE", "UREFUSED")):
            join = load_payload("team_join")
            join["event_id"] = f"Ev0JOIN{n}"
            join["event"]["event_ts"] = f"{time.time():.6f}"
            join["event"]["user"] |= {"id": uid, "name": uid.lower(), "profile": {"display_name": HOSTILE}}
            assert (await fake.send_signed(url, join, kind="events_api"))[0] == 200
        intro = load_payload("message_channel")
        intro["event_id"] = "Ev0INTRO"
        intro["event"] |= {"user": "UHOSTILE", "text": INTRO, "ts": f"{time.time():.6f}"}
        intro["event"]["event_ts"] = intro["event"]["ts"]
        assert (await fake.send_signed(url, intro, kind="events_api"))[0] == 200
        await fake.wait_for(lambda: app.runtime.processed >= 3)
        await all_delivered(app.runtime, app.database.unit_of_work)
    finally:
        await adapter.close()
        await app.database.dispose()

    bodies = slack_bodies(fake)
    welcome_dm, fallback, reply, alert = (
        bodies["DUHOSTILE"],
        bodies["CWELCOME"],
        bodies["CINTROS"],
        bodies["CMODS"],
    )
    assert "<@UREFUSED>" in fallback[0]  # the DM fallback still mentions its member
    assert "<@UHOSTILE>" in reply[0] and "<@UHOSTILE>" in alert[0]  # the bot's own mentions stay
    for body in [*welcome_dm, *fallback, *reply, *alert]:
        assert not SPECIAL.search(body), body
        assert set(re.findall(r"<@([^>|]*)", body)) <= {"UHOSTILE", "UREFUSED"}, body
        assert set(re.findall(r"<#([^>|]*)", body)) <= {"CINTROS"}, body  # only the bot's own channel
        assert not re.search(r"<https?:", body), body  # no link of theirs
        assert not re.search(r"(?<!\w)@(here|channel|everyone)", body), body
    shown = "&lt;@U0SPAM&gt; &lt;@1100000000000000099&gt; &lt;@&amp;1100000000000000077&gt; &lt;!channel&gt;"
    assert shown in welcome_dm[0] and shown in fallback[0] and shown in reply[0] and shown in alert[0]


# -------------------------------------------------------------------------------- Discord


@pytest.fixture
async def discord_app(discord_fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[App]:
    discord_fake.add_channel("mods")
    settings, platforms = run_settings(
        COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        DISCORD_TOKEN=discord_fake.token,
        DISCORD_API_BASE_URL=discord_fake.base_url,
        DISCORD_GATEWAY_URL=discord_fake.gateway_url,
        DISCORD_GUILD_READY_TIMEOUT=0.1,
        DISCORD_COMMAND_SYNC="guild",
    )
    file = write_playbook(tmp_path, "introductions")
    app = build_app(settings, platform_settings=platforms, playbook_paths=[file])
    await app.database.upgrade()
    task = asyncio.create_task(app.runtime.run())
    await eventually(lambda: discord_fake.sessions, within=10)
    await eventually(lambda: discord_fake.commands, within=10)
    try:
        yield app
    finally:
        app.runtime.request_stop()
        await asyncio.wait_for(task, timeout=15)
        await app.database.dispose()


async def test_discord_a_hostile_name_pings_nobody_and_links_nowhere(
    discord_fake: FakeDiscord, discord_app: App
) -> None:
    fake = discord_fake
    member = await fake.add_member(HOSTILE, user_id="1100000000000000042")
    refused = "1100000000000000043"
    fake.refuse_dms_for(refused)
    await fake.add_member(HOSTILE, user_id=refused)
    intros = str(fake.channel_named("introductions")["id"])
    await eventually(lambda: fake.dm_channel_of(member["user"]["id"]), within=10)
    await fake.post_message(member["user"]["id"], intros, INTRO)
    mods = str(fake.channel_named("mods")["id"])
    await eventually(lambda: fake.messages_in(mods), within=10)
    await all_delivered(discord_app.runtime, discord_app.database.unit_of_work)

    sends = [c for c in fake.calls if c.route == "POST /channels/{channel_id}/messages" and c.status < 400]
    assert len(sends) >= 4  # welcome DM, welcome in the channel (DMs refused), intro reply, alert
    ours = {member["user"]["id"], refused}
    for call in sends:
        body = call.json or {}
        allowed = body["allowed_mentions"]
        assert allowed["parse"] == [] and {str(u) for u in allowed["users"]} <= ours, allowed
        assert not allowed.get("replied_user"), allowed
        texts = [body.get("content") or ""]
        for embed in body.get("embeds") or []:
            texts += [embed.get("title", ""), embed.get("description", "")]
            texts += [t for f in embed.get("fields", []) for t in (f["name"], f["value"])]
        for text in texts:
            assert not re.search(r"@(everyone|here)", text), text
            assert set(re.findall(r"(?<!\\)<@[!&]?(\d+)>", text)) <= ours, text
            assert not re.search(r"(?<!\\)\[[^\]]*\]\(", text), text  # no masked link of theirs
    shown = [m["content"] + json.dumps(m["embeds"]) for m in fake.messages_in(mods)]
    assert any("\\<@\u200b1100000000000000099\\>" in text for text in shown), shown  # as typed
    fallback = fake.messages_in(str(fake.channel_named("welcome")["id"]))
    assert any(f"<@{refused}>" in m["content"] for m in fallback)  # the bot's own mention stays
