"""The CLI's operator options: --log-level, JSON logs, and progress only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_console_cli import cli_env, cohortbot


def test_log_level_chooses_what_run_logs_and_json_lines_parse(tmp_path: Path) -> None:
    info = cohortbot("run", cwd=tmp_path, stdin="/quit\n")
    quiet = cohortbot("run", "--log-level", "warning", cwd=tmp_path, stdin="/quit\n")
    assert info.returncode == quiet.returncode == 0, info.stderr + quiet.stderr
    assert "INFO cohortbot.runtime: starting the console adapter" in info.stderr
    assert " INFO " not in quiet.stderr

    env = {"COHORTBOT_LOG_FORMAT": "json", "COHORTBOT_LOG_LEVEL": "ERROR"}
    debug = cohortbot("run", "--log-level", "DEBUG", cwd=tmp_path, stdin="/join alice\n/quit\n", env=env)
    assert debug.returncode == 0, debug.stderr
    logged = [json.loads(line) for line in debug.stderr.splitlines() if line.strip()]
    assert {"INFO", "DEBUG"} <= {line["level"] for line in logged}
    assert {"time", "level", "logger", "message"} <= set(logged[0])


def test_an_unknown_log_level_is_bad_input_on_run_check_and_report(tmp_path: Path) -> None:
    for args in (["run"], ["check", "x.yaml"], ["report", "--since", "2026-01-01"]):
        result = cohortbot(*args, "--log-level", "loud", cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert "--log-level 'loud' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in result.stderr


def _upgrade_on_a_terminal(tmp_path: Path, database: str) -> tuple[int, str, str]:
    """``cohortbot db upgrade`` with stderr on a pseudo-terminal; what it drew there."""
    controller, terminal = pty.openpty()
    env = cli_env(tmp_path, {"COHORTBOT_DATABASE_URL": database, "TERM": "xterm", "COLUMNS": "100"})
    process = subprocess.Popen(
        [sys.executable, "-m", "cohortbot.bot.cli", "db", "upgrade"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal, cwd=tmp_path, env=env,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:   # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    stdout, _ = process.communicate(timeout=60)
    os.close(controller)
    return process.returncode, stdout.decode(), drawn.decode(errors="replace")


def test_db_upgrade_draws_progress_on_a_terminal_and_nothing_when_piped(tmp_path: Path) -> None:
    terminal_db = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    code, stdout, drawn = _upgrade_on_a_terminal(tmp_path, terminal_db)
    assert code == 0 and stdout.strip() == "database is up to date"
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn)   # the terminal's control sequences aside
    assert re.search(r"applying migration 00\d\d .*━.* \d/\d", shown), shown

    other_db = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    piped = cohortbot("db", "upgrade", cwd=tmp_path, env={"COHORTBOT_DATABASE_URL": other_db})
    assert piped.returncode == 0 and piped.stdout.strip() == "database is up to date"
    assert piped.stderr == ""
