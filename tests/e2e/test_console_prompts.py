"""Scheduled prompts seen through the console CLI."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_cli import cohortbot


def test_moderators_manage_the_question_bank_and_replies_are_counted(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/join alice",
            "/join bob",
            "#general",
            'facilitator: /cohort prompt add weekly "What would you like to build by the end of the cohort?"',
            "facilitator: /cohort prompt skip weekly",
            "alice: /cohort prompt post weekly",
            "facilitator: /cohort prompt post weekly",
            "/reply alice I keep mixing up merge and join in pandas.",
            "/reply bob Same here, the docs helped me.",
            "facilitator: /cohort prompt stats",
        ]
    )
    result = cohortbot("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "it comes number 6 in line this round" in out
    assert "Skipped: What is one thing you learned last week that surprised you?" in out
    assert "[to alice, only you] Sorry, only moderators can use `/cohort prompt post`." in out
    assert "[#general] Question of the week\n    What are you stuck on right now?" in out
    assert "[#general] thread started: Question of the week" in out
    assert "What are you stuck on right now? Describe it in two sentenc… — 2 replies from 2 members" in out


def test_a_week_of_schedules_posts_each_prompt_once(tmp_path: Path) -> None:
    result = cohortbot("run", cwd=tmp_path, stdin="/join alice\n/advance 7d\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("[#general] Question of the week") == 1
    assert out.count("[#general] Surprise question!") == 1
    assert out.count("[#announcements] A new week in Data Science Cohort") == 1
