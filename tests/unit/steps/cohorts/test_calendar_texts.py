"""The calendar placeholders in other steps' texts (prompts, welcome), and the check that a
cohort week's survey is one the playbook defines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.config.playbook import check_files
from cohortbot.playbook.ports import Member
from tests.unit.steps.cohorts.support import started

CALENDAR = """
name: Calendar texts
default: true
community_name: Data Cohort
timezone: Europe/Berlin
channels: {general: general, announcements: news, welcome: welcome}
moderators: {users: [mod], platform_admins: false}
steps:
  welcome:
    title: "Welcome to {cohort}!"
    message: "Hi {member}, we are in week {week} of {weeks} ({week_theme}), {weeks_left} to go."
  cohorts:
    cohorts:
      - name: spring
        title: Spring <@everyone>
        start: 2026-03-02
        weeks: 6
        week:
          2: {theme: Tidy data}
      - name: evening
        title: Evening group
        start: 2026-03-09
        weeks: 2
        members: {role: Evening}
  prompts:
    schedules:
      - name: weekly
        cron: "0 10 * * tue"
        channel: general
        title: "{cohort}, week {week}: {week_theme}"
        message: "{question} ({weeks_left} weeks left after this one)"
        bank: ["What did you tidy?"]
      - name: news
        kind: announcement
        cron: "0 11 * * tue"
        channel: announcements
        text: "Week {week} of {weeks} in {community}"
        thread: false
"""


async def test_prompts_speak_of_the_cohort_running_now(tmp_path: Path) -> None:
    bot = await started(tmp_path, CALENDAR, start=datetime(2026, 3, 9, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1d5h")  # Tuesday 10 March, 12:00: spring's week 2, the evening group's week 1
        [question] = [p for p in bot.posts_in("general") if ":week:" not in p.key]
        # Of the cohorts running, the one that started last: the evening group.
        assert question.message.title == "Evening group, week 1: "
        assert question.message.text == "What did you tidy? (1 weeks left after this one)"
        [news] = [p for p in bot.posts_in("news") if ":week:" not in p.key]
        assert news.message.text == "Week 1 of 2 in Data Cohort"
    finally:
        await bot.close()


async def test_the_welcome_speaks_of_the_member_s_cohort_else_the_one_running(tmp_path: Path) -> None:
    bot = await started(tmp_path, CALENDAR, start=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    try:
        await bot.join("bob")
        [welcome] = bot.dms_to("bob")
        assert welcome.message.title == "Welcome to Evening group!"  # the one that started last
        async with bot.database.unit_of_work() as uow:  # carol is in spring before her welcome
            carol = Member(community=bot.community, user=bot.user("carol"), display_name="carol")
            carol.data["cohorts"] = {"cohorts": {"spring": "roster"}}
            await uow.members.save(carol)
            await uow.commit()
        await bot.join("carol")
        [welcome] = bot.dms_to("carol")
        assert welcome.message.title == "Welcome to Spring \\<@everyone\\>!"  # text, never a mention
        assert welcome.message.text == "Hi carol, we are in week 2 of 6 (Tidy data), 4 to go."
    finally:
        await bot.close()


def test_a_cohort_week_s_survey_must_be_one_the_playbook_defines(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: P\ndefault: true\nsteps:\n  cohorts:\n    cohorts:\n"
        "      - name: spring\n        start: 2026-03-02\n        weeks: 4\n        week:\n"
        "          3:\n            survey: {name: mid-point, on: fri}\n"
        "  surveys:\n    surveys:\n"
        "      - {name: midpoint, title: M, questions: [{id: r, type: scale, text: 'How?'}]}\n"
    )
    assert [str(i) for i in check_files([path])] == [
        f"{path}:11: steps.cohorts.cohorts[0].week[3].survey.name: unknown survey 'mid-point'; "
        "defined in steps.surveys: midpoint"
    ]
    path.write_text(path.read_text().replace("mid-point", "midpoint"))
    assert check_files([path]) == []
