"""Titles, notes and reasons moderators and members type into the library are shown as typed on
Slack, Discord and the console: no mention, no link but the resource's own address."""

from __future__ import annotations

import re
from pathlib import Path

from cohortbot.adapters.discord.render import render_message as render_discord
from cohortbot.adapters.slack.render import render_message as render_slack
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness
from tests.unit.adapters.test_member_text_escaping import mrkdwn_in
from tests.unit.steps.resources.conftest import PLAYBOOK
from tests.unit.steps.test_member_text_in_steps import (
    DISCORD_NO_MODALS,
    SHORT,
    SPAM_ID,
    allowed_users,
    assert_inert_on_console,
    produced,
)

ADDRESSES = ("https://example.org/", "https://docs.python.org/", "https://sqlzoo.net")


def assert_only_resource_links_on_slack(message: RichMessage) -> None:
    payload = render_slack(message, {"general": "C0GENERAL"})
    wire = "\n".join([payload["text"], *mrkdwn_in(payload["blocks"])])
    assert not re.search(r"<!(?!date\^)", wire), wire
    assert "<@U0SPAM" not in wire and f"<@{SPAM_ID}" not in wire, wire
    assert not re.search(r"(?<!\w)@(here|channel|everyone)", wire), wire
    assert all(target.startswith(ADDRESSES) for target in re.findall(r"<(http[^|>]*)", wire)), wire


def assert_only_resource_links_on_discord(message: RichMessage) -> None:
    rendered = render_discord(message, channels={"general": "1"})
    assert int(SPAM_ID) not in allowed_users(rendered)
    embed = rendered.embed.to_dict() if rendered.embed else {}
    wire = "\n".join([rendered.content or "", embed.get("title", ""), embed.get("description", "")])
    assert not re.search(rf"(?<!\\)<@!?{SPAM_ID}>", wire), wire
    assert not re.search(r"@(everyone|here)", wire), wire
    assert all(t.startswith(ADDRESSES) for t in re.findall(r"(?<!\\)\]\(([^)]*)\)", wire)), wire


async def test_typed_titles_notes_and_reasons_are_inert_everywhere(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=list(STEPS), capabilities=DISCORD_NO_MODALS)
    try:
        await bot.command("mod", f"resources add sql https://example.org/a {SHORT}")
        await bot.command("mod", f"resources edit 4 note {SHORT}")
        await bot.command("ana", f"resources suggest sql https://example.org/b {SHORT}")
        await bot.command("ana", f"resources suggest sql https://example.org/c {SHORT}")
        await bot.command("mod", "resources list")
        await bot.command("mod", "resources approve 5")
        await bot.command("mod", f"resources reject 6 {SHORT}")
        await bot.command("bob", "resources list sql")
        await bot.post("bob", "help", "Which SQL query first?")
        messages = [m for m in produced(bot) if "[hi]" in m.plain_text() or "hi\\]" in m.plain_text()]
        assert len(messages) >= 9, [m.plain_text() for m in messages]
        for message in messages:
            assert_only_resource_links_on_slack(message)
            assert_only_resource_links_on_discord(message)
            assert_inert_on_console(message)
    finally:
        await bot.close()
