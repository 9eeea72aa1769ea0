"""``/cohort week`` tells a member where their cohorts are and what is due, in their own time;
``/cohort course list`` gives the moderators every cohort at a glance."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.steps.cohorts.support import PLAYBOOK, answer_text, set_roles, started


def at(*moment: int) -> str:
    """A UTC moment as the bot writes times: each reader sees it in their own zone."""
    return f"<t:{int(datetime(*moment, tzinfo=UTC).timestamp())}>"


ONE_COHORT = """
name: One cohort
default: true
timezone: Europe/Berlin
channels: {announcements: news}
moderators: {users: [mod], platform_admins: false}
steps:
  cohorts:
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02
        weeks: 4
        members: {enrol: false}
        week:
          2: {theme: Tidy data}
"""


async def test_a_member_sees_the_week_its_theme_question_and_what_is_due_this_week_and_next(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path)
    try:
        await bot.command("alice", "course enrol spring")
        await bot.advance("9d")  # Tuesday 10 March: week 2
        answer = await bot.command("alice", "week")
        assert answer is not None and answer.ephemeral and answer.message.title == "Your cohort"
        assert answer.message.text == "\n".join(
            [
                "**Spring 2026**: week 2 of 4 — Tidy data",
                "Question of the week: Which messy dataset have you met?",
                "Due this week:",
                f"- **Tidy \\<@everyone\\> exercise**: due {at(2026, 3, 13, 22, 59)}",
                "Due next week:",
                f"- **Regression exercise**: due {at(2026, 3, 19, 17, 0)}",
            ]
        )
    finally:
        await bot.close()


async def test_a_member_in_two_cohorts_sees_both_with_the_week_s_survey(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.command("alice", "course enrol spring")
        await bot.command("mod", "course enrol evening alice")
        await bot.advance("19d")  # Friday 20 March, 13:00 Berlin: week 3 of both
        answer = await bot.command("alice", "week")
        assert answer is not None and answer.message.title == "Your cohorts"
        spring, evening = answer.message.text.split("\n\n")
        assert spring.startswith("**Spring 2026**: week 3 of 4 — Regression\n")
        assert spring.endswith(f"This week's survey (mid) comes {at(2026, 3, 20, 16, 0)}.")
        assert evening == (
            f"**Evening group**: week 3 of 3\nThis week's survey (mid) was sent {at(2026, 3, 20, 11, 0)}."
        )
    finally:
        await bot.close()


async def test_before_the_start_and_after_the_end(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.command("alice", "course enrol spring")
        before = answer_text(await bot.command("alice", "week"))
        start = at(2026, 3, 1, 23, 0)
        assert before == f"**Spring 2026**: starts {start} (4 weeks)"  # week 1 has nothing due
        await bot.advance("30d")
        after = answer_text(await bot.command("alice", "week"))
        assert after == f"**Spring 2026**: ended {at(2026, 3, 29, 22, 0)} after 4 weeks"
    finally:
        await bot.close()


async def test_a_member_in_no_cohort_is_told_which_there_are_and_how_to_get_in(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        answer = await bot.command("alice", "week")
        assert answer is not None and answer.message.title == "You're not in a cohort"
        closes = at(2026, 3, 15, 23, 0)  # 14 days after spring's start
        assert answer.message.text.splitlines() == [
            "You're in no cohort yet. The cohorts here:",
            f"- **Spring 2026** (`spring`), starts {at(2026, 3, 1, 23, 0)} (4 weeks):"
            f" in by the Spring role, `/cohort course enrol spring` (until {closes})",
            f"- **Evening group** (`evening`), starts {at(2026, 3, 3, 23, 0)} (3 weeks):"
            " in by a moderator (`/cohort course enrol NAME @member`)",
        ]
    finally:
        await bot.close()


async def test_with_one_cohort_and_no_membership_everyone_is_in_it(tmp_path: Path) -> None:
    bot = await started(tmp_path, ONE_COHORT)
    try:
        await bot.advance("8d")
        assert answer_text(await bot.command("alice", "week")) == "**Spring 2026**: week 2 of 4 — Tidy data"
        listing = answer_text(await bot.command("mod", "course list"))
        assert "  1 member (everyone present)" in listing
        # A cohort that takes no one in holds everyone present: enrolling someone changes nothing.
        await bot.join("bob")
        await bot.command("mod", "course enrol spring bob")
        assert answer_text(await bot.command("alice", "week")) == "**Spring 2026**: week 2 of 4 — Tidy data"
        assert "  2 members (everyone present)" in answer_text(await bot.command("mod", "course list"))
    finally:
        await bot.close()


async def test_the_moderators_list_every_cohort_with_its_members_and_ways_in(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        for name in ("bob", "carol"):
            await bot.join(name)
        await bot.command("alice", "course enrol spring")
        await set_roles(bot, "bob", "Spring")
        await bot.command("mod", "course enrol spring carol")
        await bot.advance("16d")  # Tuesday 17 March: week 3, enrolment closed
        answer = await bot.command("mod", "course list")
        assert answer is not None and answer.message.title == "Cohorts"
        assert answer.message.text.splitlines() == [
            "**Spring 2026** (`spring`): week 3 of 4 — Regression",
            "  3 members (1 enrolled themselves, 1 by a moderator, 1 by role)",
            "  In by: the Spring role, enrolment (closed)",
            "**Evening group** (`evening`): week 2 of 3",
            "  0 members",
            "  In by: a moderator (`/cohort course enrol NAME @member`)",
        ]
        refused = answer_text(await bot.command("alice", "course list"))
        assert refused == "Sorry, only moderators can use `/cohort course list`."
    finally:
        await bot.close()


async def test_a_playbook_without_the_cohorts_step_has_no_week_command(tmp_path: Path) -> None:
    no_cohorts = PLAYBOOK.split("  cohorts:\n", 1)[0] + "  surveys:\n" + PLAYBOOK.split("  surveys:\n", 1)[1]
    bot = await started(tmp_path, no_cohorts)
    try:
        assert answer_text(await bot.command("alice", "week")).startswith(
            "`/cohort week` is not available here."
        )
    finally:
        await bot.close()
