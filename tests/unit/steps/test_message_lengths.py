"""Messages whose size grows with the community stay within the platform's message length
(Discord: 2,000 characters), and say what they left out instead of losing it silently."""

from __future__ import annotations

import re
from pathlib import Path

from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness

DISCORD = Capabilities(roles=True, threads=True, max_message_length=2000)
LONG = "x" * 60  # a long display name or interest

PLAYBOOK = """
name: Big cohort
default: true
community_name: Big Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mods, intros: introductions}
moderators: {users: [mod], platform_admins: false}
steps:
  intros:
    matching: {require_introduced: false}
  sessions: {}
"""


def more_of(text: str) -> int:
    found = re.findall(r"… and (\d+) more lines?", text)
    assert len(found) == 1, text[-200:]
    return int(found[0])


async def test_match_history_of_150_members_fits_one_discord_message(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=list(STEPS), capabilities=DISCORD)
    try:
        for i in range(150):
            await bot.join(f"member-{i:03}-{LONG}")
        await bot.command("mod", "match now")
        answer = await bot.command("mod", "match history")
        assert answer is not None
        text = answer.message.text
        assert len(text) <= 2000
        listed = len(re.findall(r"^- <@member", text, re.MULTILINE))
        assert listed + more_of(text) == 75  # every match listed or counted
    finally:
        await bot.close()


async def test_the_session_list_with_long_titles_fits_one_discord_message(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=list(STEPS), capabilities=DISCORD)
    try:
        await bot.join("alice")
        for day in range(10, 30):
            await bot.command("mod", f"session create {day} {'Title ' * 30} 2026-03-{day} 18:00 1h")
        answer = await bot.command("alice", "session list")
        assert answer is not None
        text = answer.message.text
        assert len(text) <= 2000
        assert text.count("\n- **") + 1 + more_of(text) >= 10
    finally:
        await bot.close()
