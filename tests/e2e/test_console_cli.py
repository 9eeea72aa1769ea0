"""The `cohortbot` CLI as a subprocess, driven by a scripted console session."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

REPO = Path(__file__).resolve().parents[2]
CONSOLE_START = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday


def cli_env(cwd: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment for the CLI: no platform tokens, a database in ``cwd``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COHORTBOT_"))}
    full_env["COHORTBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{cwd / 'bot.db'}"
    # Scripted sessions replay at a fixed simulated moment, whatever the day the tests run.
    full_env["COHORTBOT_CONSOLE_START"] = CONSOLE_START.isoformat()
    full_env.update(env or {})
    return full_env


def cohortbot(*args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "cohortbot.bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_env(cwd, env),
        timeout=timeout,
    )


def test_alice_is_welcomed_and_nudged_only_while_she_has_not_introduced_herself(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/join alice",
            "/join bob",
            "#introductions",
            "bob: Hello! I'm Bob, I work with data and want to learn machine learning.",
            "/advance 3d",
            "/quit",
        ]
    )
    result = cohortbot("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[DM -> alice] Welcome to Data Science Cohort, alice!" in out
    assert "Introduce yourself in #introductions" in out
    nudge = "We'd love to hear from you: a few lines in #introductions"
    assert f"[DM -> alice] Hi alice! {nudge}" in out
    assert f"[DM -> bob] Hi bob! {nudge}" not in out


def test_an_introduction_before_day_three_means_no_nudge(tmp_path: Path) -> None:
    script = (
        "/join alice\n#introductions\n"
        "alice: Hi everyone, I'm Alice from Lyon, learning Python.\n"
        "/advance 3d\n"
    )
    result = cohortbot("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "[DM -> alice] Welcome to" in result.stdout
    assert "We'd love to hear from you" not in result.stdout


def test_moderator_commands_are_refused_for_members_and_answered_for_moderators(tmp_path: Path) -> None:
    script = "/join alice\nalice: /cohort status\nfacilitator: /cohort status\nalice: /cohort nonsense\n"
    result = cohortbot("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[to alice, only you] Sorry, only moderators can use `/cohort status`." in out
    assert "[to facilitator, only you] cohortbot status: Data Science Cohort" in out
    # the welcome, the persona question (profiles.ask_persona_at_join) and the refusal
    assert "Outbox: 0 pending, 0 parked, 3 delivered" in out
    assert "[to alice, only you] cohortbot commands in Data Science Cohort\n    There's no" in out
    assert "“/cohort nonsense”. What you can run:" in out


def test_check_reports_every_mistake_with_file_line_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: Broken cohort\n"
        "timezone: Mars/Olympus\n"
        "steps:\n"
        "  welcome:\n"
        "    message: 'Hello {nickname}'\n"
        "    follow_ups:\n"
        "      - after: soon\n"
        "        message: hi\n"
        "default: true\n"
    )
    result = cohortbot("check", str(broken), cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {broken}:2: timezone: unknown time zone 'Mars/Olympus'; "
        "use an IANA name such as Europe/Berlin or America/New_York",
        f"error: {broken}:5: steps.welcome.message: unknown placeholder {{nickname}}; this text can use: "
        "{member}, {mention}, {community}, {intro_channel}, {welcome_channel}, {guidelines}, {facilitators}, "
        "{cohort}, {week}, {weeks}, {week_theme}, {weeks_left}",
        f"error: {broken}:7: steps.welcome.follow_ups[0].after: expected a duration like 15m, 2h, 3d or 1w, "
        "not 'soon'",
    ]
    assert "Traceback" not in result.stderr


def test_check_accepts_the_example_playbook(tmp_path: Path) -> None:
    result = cohortbot("check", str(REPO / "cohortbot/config/examples/learning-cohort.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok:" in result.stdout and "'Learning cohort'" in result.stdout


def test_run_with_a_broken_playbook_exits_2_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    result = cohortbot("run", "--playbook", str(broken), cwd=tmp_path)
    assert result.returncode == 2
    assert f"error: {broken}:" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def _outbox(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT key, status FROM outbox ORDER BY id").fetchall()


def test_a_welcome_decided_before_a_crash_is_delivered_exactly_once_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    env = {"COHORTBOT_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    # 1. Decide, but don't deliver; then die hard (SIGKILL: no cleanup, no flush).
    proc = subprocess.Popen(
        [sys.executable, "-m", "cohortbot.bot.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            **env,
            "COHORTBOT_DELIVERY": "off",
            "COHORTBOT_CONSOLE_START": CONSOLE_START.isoformat(),
        },
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("/join alice\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "* alice joined the community"
    deadline = time.monotonic() + 30
    while not (db.exists() and any(k.startswith("welcome:") for k, _ in _outbox(db))):
        assert time.monotonic() < deadline, "the welcome was never decided"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert [status for key, status in _outbox(db) if key.startswith("welcome:")] == ["pending"]

    # 2. Restart (a minute later on the simulated clock): the pending welcome is delivered once.
    env["COHORTBOT_CONSOLE_START"] = (CONSOLE_START + timedelta(minutes=1)).isoformat()
    second = cohortbot("run", cwd=tmp_path, stdin="/time\n", env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("[DM -> alice] Welcome to") == 1

    # 3. Restart again, and replay alice's join: nothing is sent twice.
    third = cohortbot("run", cwd=tmp_path, stdin="/join alice\n", env=env)
    assert third.returncode == 0, third.stderr
    assert "[DM -> alice]" not in third.stdout
    assert [status for key, status in _outbox(db) if key.startswith("welcome:")] == ["delivered"]


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["check", "--help"], ["db", "upgrade", "--help"]]
)
def test_every_command_has_help(tmp_path: Path, args: list[str]) -> None:
    result = cohortbot(*args, cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = cohortbot("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"members", "outbox", "inbox", "timers", "schedule_claims"} <= tables


def test_a_sync_database_url_exits_2_with_the_async_driver_to_use(tmp_path: Path) -> None:
    result = cohortbot("run", cwd=tmp_path, env={"COHORTBOT_DATABASE_URL": "sqlite:///bot.db"})
    assert result.returncode == 2
    assert "use the async driver: sqlite+aiosqlite:///" in result.stderr
    assert "Traceback" not in result.stderr
