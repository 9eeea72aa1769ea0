"""A cohort reaching week 3 with its week-keyed prompt, theme and survey, seen through the
console CLI (the console's simulated clock starts Wednesday 4 March 2026, 10:00 Berlin)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_cli import cohortbot

PLAYBOOK = """
name: Cohort weeks
default: true
community_name: Data Science Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mod-team}
moderators: {users: [facilitator], platform_admins: false}
steps:
  cohorts:
    enrol_closes_after: 14d
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02
        weeks: 8
        members: {roster: true, enrol: true}
        week:
          2: {theme: Tidy data with pandas}
          3:
            theme: Regression
            prompt: "Which relationship in your own data would you model first?"
            survey: {name: week3, on: fri, at: "17:00"}
            assignments:
              - {name: regression-1, title: Regression exercise, due: "fri 23:59"}
  prompts:
    schedules:
      - name: week-ahead
        kind: announcement
        cron: "30 8 * * mon"
        channel: general
        text: "Week {week} of {weeks}: {week_theme}. {weeks_left} weeks to go after this one."
        thread: false
  surveys:
    remind_after: 2d
    surveys:
      - name: week3
        title: Week 3 check-in
        anonymous: true
        questions:
          - {id: pace, type: scale, text: "How is the pace of the course?"}
"""


def test_a_cohort_reaches_week_3_with_its_theme_question_and_survey(tmp_path: Path) -> None:
    playbook = tmp_path / "cohort.yaml"
    playbook.write_text(PLAYBOOK)
    script = "\n".join(
        [
            "/join alice",
            "/join bob",
            "alice: /cohort course enrol spring",
            "bob: /cohort week",
            "/advance 12d",  # Monday 16 March, 10:00: week 3 opened at 09:00
            "alice: /cohort week",
            "/advance 4d8h",  # Friday 20 March, 18:00: the week's survey went out at 17:00
            "facilitator: /cohort course list",
        ]
    )
    result = cohortbot("run", "--playbook", str(playbook), cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[to alice, only you] You're in **Spring 2026** now: week 1 of 8." in out
    assert "[to bob, only you] You're not in a cohort\n    You're in no cohort yet. The cohorts here:" in out
    # Week 2's and week 3's opening posts (week 1's was before the bot first saw the community).
    assert out.count("[#announcements] **Spring 2026: week") == 2
    week3 = out.split("[#announcements] **Spring 2026: week 3 of 8**\n", 1)[1]
    assert week3.startswith(
        "    Theme: **Regression**\n\n"
        "    **Question of the week:** Which relationship in your own data would you model first?\n"
        "    Answer in the thread.\n\n"
        "    **Due this week:**\n"
        "    - **Regression exercise**: due Fri 20 Mar 2026 23:59 CET\n"
    )
    assert "[#announcements] thread started: Which relationship in your own data" in out
    assert "[#general] Week 3 of 8: Regression. 5 weeks to go after this one." in out
    assert (
        "[to alice, only you] Your cohort\n"
        "    **Spring 2026**: week 3 of 8 — Regression\n"
        "    Question of the week: Which relationship in your own data would you model first?\n"
        "    Due this week:\n"
        "    - **Regression exercise**: due Fri 20 Mar 2026 23:59 CET\n"
        "    This week's survey (week3) comes Fri 20 Mar 2026 17:00 CET.\n"
    ) in out
    assert "* at Fri 20 Mar 2026 17:00 CET\n[DM -> alice] Week 3 check-in" in out
    assert "[DM -> bob] Week 3 check-in" not in out  # bob is in no cohort
    assert "1 member (1 enrolled themselves)\n      In by: the roster, enrolment (closed)" in out
