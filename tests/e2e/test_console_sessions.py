"""The console as people use it, through `cohortbot run`: the README's quick start typed as
written, a second run resuming the community, `--fresh`, the files the bot sends, long forms."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.test_console_cli import REPO, cohortbot

RESUMED = re.compile(r"^\* resuming (?P<name>.+) from (?P<db>\S+): (?P<who>.+), simulated time (?P<at>.+)\. "
                     r"Run with --fresh to start over\.$", re.MULTILINE)


def quick_start() -> str:
    """The session the README's quick start tells you to type, as written there."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return section.split("Try:\n\n```\n", 1)[1].split("```", 1)[0]


def run(tmp_path: Path, script: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = cohortbot("run", *args, cwd=tmp_path, stdin=script, env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_the_readme_quick_start_works_as_written_then_resumes_then_starts_over(tmp_path: Path) -> None:
    script = quick_start()
    assert script.startswith("/join alice\n/click alice accept\n") and script.endswith("/quit\n")

    first = run(tmp_path, script)
    assert not RESUMED.search(first)
    assert "[DM -> alice] Welcome to Data Science Cohort, alice!" in first
    assert "[to alice, only you] Thanks alice! You're all set." in first
    assert "[#introductions > thread] Welcome, alice!" in first
    assert "[DM -> bob] Hi bob! We'd love to hear from you" in first      # the day-3 nudge, to bob only
    assert "[DM -> alice] Hi alice! We'd love to hear from you" not in first
    during = first.split("* advancing the clock by 3d\n", 1)[1].split("* time is ", 1)[0]
    assert during.startswith("* at Thu 05 Mar 2026 10:00 CET\n")         # what fires says when
    assert "[to facilitator, only you] cohortbot status: Data Science Cohort" in first
    assert "not a member" not in first and "message 4" not in first

    second = run(tmp_path, script)
    resumed = RESUMED.search(second)
    assert resumed is not None and second.startswith(resumed.group(0))
    assert resumed.group("who") == "2 members (alice, bob)"
    assert resumed.group("db") == str(tmp_path / "bot.db")
    assert resumed.group("at") == "Sat 07 Mar 2026 10:00 CET"             # where the first run stopped
    assert "* alice is already a member" in second and "* bob is already a member" in second
    assert "Welcome to Data Science Cohort" not in second
    assert "* time is Tue 10 Mar 2026 10:00 CET" in second               # the clock went on, not back

    third = run(tmp_path, script, "--fresh")
    assert not RESUMED.search(third)
    assert "[DM -> alice] Welcome to Data Science Cohort, alice!" in third
    assert "* time is Sat 07 Mar 2026 10:00 CET" in third


def test_fresh_is_refused_when_the_console_does_not_run(tmp_path: Path) -> None:
    result = cohortbot("run", "--fresh", cwd=tmp_path, env={"DISCORD_TOKEN": "not-a-real-token"})
    assert result.returncode == 2
    refusal = "error: --fresh starts the console community over; it does nothing for Discord or Slack"
    assert refusal in result.stderr
    help_text = cohortbot("run", "--help", cwd=tmp_path, env={"COLUMNS": "200"}).stdout
    assert "--fresh" in help_text and "Deletes its members" in help_text


def test_a_privacy_export_is_saved_as_a_file_whose_path_is_printed(tmp_path: Path) -> None:
    out = run(tmp_path, "/join alice\nalice: /cohort privacy export\n",
              env={"COHORTBOT_CONSOLE_FILES": "exports"})
    assert "(attachment my-cohortbot-data.json saved to exports/my-cohortbot-data.json)" in out
    exported = json.loads((tmp_path / "exports" / "my-cohortbot-data.json").read_text())
    assert "alice" in json.dumps(exported)
    assert not (tmp_path / "cohortbot-files").exists()


def test_strangers_are_refused_and_a_long_form_is_submitted_page_by_page(tmp_path: Path) -> None:
    out = run(tmp_path, "\n".join([
        "/join alice",
        "zed: hello?",
        "/leave zed",
        "facilitator: /cohort survey send week3",
        "/click alice Start",
        '/submit alice pace=4 clarity=5 nps=9 "helped=Live sessions" "change=More worked examples"',
        "/submit alice else=Thanks",
    ]) + "\n")
    assert "* zed is not a member of the community: /join zed first" in out
    assert "* zed is not a member, so cannot leave" in out
    assert "[form for alice] Week 3 check-in (1/2)" in out
    assert "* alice presses Continue\n[form for alice] Week 3 check-in (2/2)" in out
    assert "Thank you, alice! Your answers to **Week 3 check-in** are in." in out
    assert "no form is open" not in out


def test_a_resumed_community_answers_the_same_command_again(tmp_path: Path) -> None:
    # Each run numbers its interactions from 1: a second run's first answer had the key of
    # the first run's first answer, and the outbox, which keeps one action per key, dropped it.
    script = "/join alice\nalice: /cohort privacy status\n/quit\n"
    first = run(tmp_path, script)
    second = run(tmp_path, script)
    third = run(tmp_path, script)
    answer = "[to alice, only you]"
    assert first.count(answer) == 1
    assert second.count(answer) == 1 and third.count(answer) == 1
