"""The health report's live sessions: last week's sessions with RSVPs and who checked in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.steps.health.weeks import DASH as N
from tests.harness import Harness
from tests.unit.steps.health.support import HEALTH_STEPS

PLAYBOOK = """
name: Sessions cohort
default: true
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    charts: false
  sessions:
    sessions:
      - name: office-hours
        title: Office <hours>
        cron: "0 17 * * tue"
        announce_before: 2d
        attendance: {check_in: button}
"""

OFFICE = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # Tuesday 17:00 in Berlin


async def test_the_digest_lists_last_weeks_sessions_with_rsvps_and_check_ins(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=HEALTH_STEPS)
    try:
        for name in ("alice", "bob", "carol"):
            await bot.join(name)
        await bot.advance("1m")
        [card] = [p for p in bot.posts_in("announcements") if p.message.fields]
        for name in ("alice", "bob"):
            await bot.click(name, Harness.button([card], "be there"))
        await bot.command("mod", 'session create "Guest talk" 2026-03-05 18:00 1h')  # takes no attendance
        await bot.advance(f"{int((OFFICE - bot.clock.now()).total_seconds())}s")
        check_in = Harness.button(bot.posts_in("announcements"), "Check in")
        for name in ("alice", "carol"):
            await bot.click(name, check_in)
        digest_at = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
        await bot.advance(f"{int((digest_at - bot.clock.now()).total_seconds())}s")
        [digest] = bot.posts_in("mod-team")  # Monday 9 March, 09:00: about 2-8 March
        text = digest.message.text.splitlines()
        section = text[text.index(f"**Live sessions (2{N}8 Mar)**") + 1 :][:2]
        assert section == [
            f"- **Office \\<hours\\>** {timestamp(OFFICE)}: 2 RSVPed yes, 2 checked in",
            f"- **Guest talk** {timestamp(OFFICE + timedelta(days=2, hours=1))}: 0 RSVPed yes, "
            "no attendance taken",
        ]
        # This week's office hours (announced on Sunday) are not last week's.
        assert f"{timestamp(OFFICE + timedelta(days=7))}" not in digest.message.text
    finally:
        await bot.close()


async def test_without_the_sessions_step_the_report_has_no_sessions_section(tmp_path: Path) -> None:
    yaml = PLAYBOOK.split("  sessions:\n")[0]
    bot = await Harness.start(tmp_path, yaml, steps=HEALTH_STEPS)
    try:
        await bot.join("alice")
        answer = await bot.command("mod", "health")
        assert answer is not None and "Live sessions" not in answer.message.text
        assert "**Surveys (every round so far)**" in answer.message.text
    finally:
        await bot.close()


async def test_a_week_without_sessions_says_so(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=HEALTH_STEPS)
    try:
        await bot.join("alice")
        answer = await bot.command("mod", "health")  # Monday 2 March: the office hours are tomorrow
        assert answer is not None
        text = answer.message.text.splitlines()
        assert text[text.index(f"**Live sessions (24 Feb{N}2 Mar)**") + 1] == "None held."
    finally:
        await bot.close()
