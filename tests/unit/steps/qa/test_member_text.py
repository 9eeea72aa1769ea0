"""What members and moderators type into a Q&A (its title, questions, answers, display names)
is shown as typed on Slack, Discord and the console: no mention, no link of theirs."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.steps import STEPS
from tests.harness import Harness
from tests.unit.steps.test_member_text_in_steps import (
    DISCORD_NO_MODALS,
    SHORT,
    assert_inert_on_console,
    assert_inert_on_discord,
    assert_inert_on_slack,
    produced,
)

PLAYBOOK = """
name: Hostile Q&A
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  qa: {}
"""


async def test_titles_questions_answers_and_names_are_inert_everywhere(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=list(STEPS), capabilities=DISCORD_NO_MODALS)
    try:
        await bot.join("spam", display_name=SHORT)
        await bot.join("grace", display_name=SHORT)
        await bot.command("mod", f"qa open {SHORT} @grace until 1d")
        await bot.command("spam", f"qa ask {SHORT}?")
        await bot.command("mod", "qa list")
        await bot.command("grace", f"qa answer Q1 {SHORT}")
        await bot.command("mod", "qa close")
        messages = [m for m in produced(bot) if "[hi]" in m.plain_text() or "hi\\]" in m.plain_text()]
        kinds = {m.title.split(":")[0] for m in messages}
        assert {"Q&A", "Answered", "Your question was answered", "Q&A summary"} <= kinds, kinds
        for message in messages:
            assert_inert_on_slack(message)
            assert_inert_on_discord(message)
            assert_inert_on_console(message)
    finally:
        await bot.close()
