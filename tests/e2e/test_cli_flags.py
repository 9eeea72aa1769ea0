"""`cohortbot --version` and `cohortbot run --no-console`, as a user types them."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from tests.e2e.test_console_cli import REPO, cohortbot


def test_version_prints_the_installed_package_version(tmp_path: Path) -> None:
    result = cohortbot("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"cohortbot {version('cohortbot')}\n"


def test_run_without_the_console_and_without_a_token_exits_2_naming_the_tokens(tmp_path: Path) -> None:
    result = cohortbot("run", "--no-console", cwd=tmp_path, stdin="/join alice\n")
    assert result.returncode == 2
    assert result.stdout == ""  # the console never started: nobody joined
    assert result.stderr.splitlines() == [
        "error: no platform token is set: set DISCORD_TOKEN and/or SLACK_BOT_TOKEN (in the environment or "
        "in .env; see .env.example). Without --no-console, `cohortbot run` plays the console community "
        "instead.",
        "1 problem(s) found.",
    ]
    assert not (tmp_path / "bot.db").exists()  # refused before touching the database


def test_run_without_the_console_still_reports_a_broken_playbook_first(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: Broken\ndefault: true\ntimezone: Mars/Olympus\n")
    result = cohortbot("run", "--no-console", "--playbook", str(broken), cwd=tmp_path)
    assert result.returncode == 2
    assert f"error: {broken}:3: timezone: unknown time zone" in result.stderr
    assert "no platform token" not in result.stderr  # the playbooks are checked before the platforms


def test_the_console_is_still_the_default_without_a_token(tmp_path: Path) -> None:
    result = cohortbot("run", cwd=tmp_path, stdin="/join alice\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "[DM -> alice]" in result.stdout


def test_empty_tokens_as_in_a_copied_env_example_are_no_tokens(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((REPO / ".env.example").read_text())
    result = cohortbot("run", "--no-console", cwd=tmp_path)
    assert result.returncode == 2  # refused as "no token", not a Discord login with "" failing (exit 1)
    assert "error: no platform token is set" in result.stderr
    console = cohortbot("run", cwd=tmp_path, stdin="/join alice\n/quit\n")
    assert console.returncode == 0 and "[DM -> alice]" in console.stdout, console.stderr
