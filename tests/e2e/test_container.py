"""The Docker image's entrypoint and health check, run here as the image runs them (no Docker
engine needed: they are plain Python over the installed package).

- `docker/entrypoint.py run --no-console` with bad input prints why and then waits to be stopped
  (exit 2 once stopped): a restart policy has nothing to restart, so no restart loop.
- It runs the playbooks of the mounted folder, or the example when the folder has none.
- `docker/healthcheck.py` answers 0 while the bot's /healthz says ok, 1 otherwise.
"""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.test_console_cli import REPO, cli_env

ENTRYPOINT = REPO / "docker" / "entrypoint.py"
WAITING = "Waiting to be stopped."


def start_entrypoint(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(ENTRYPOINT), *args],
        cwd=tmp_path,
        env=cli_env(tmp_path, {"COHORTBOT_PLAYBOOK_DIR": str(playbooks), **(env or {})}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stderr_until_waiting(process: subprocess.Popen[str]) -> str:
    """Its stderr up to the line saying it waits (all of it if it exits instead)."""
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if WAITING in line:
            break
    return "".join(lines)


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_no_token_is_refused_once_and_then_waits_instead_of_exiting_into_a_restart(tmp_path: Path) -> None:
    process = start_entrypoint(tmp_path, "run", "--no-console")
    try:
        stderr = stderr_until_waiting(process)
        assert process.poll() is None, stderr  # still there: a restart policy sees nothing to restart
    finally:
        code = stop(process)
    assert code == 2
    lines = stderr.splitlines()
    assert lines[0] == (
        f"cohortbot-entrypoint: no playbook in {tmp_path / 'playbooks'} (mount your folder there): "
        "running the example playbook"
    )
    assert lines[1].startswith("error: no platform token is set: set DISCORD_TOKEN and/or SLACK_BOT_TOKEN")
    assert lines[2] == "1 problem(s) found."
    assert lines[3].startswith("cohortbot-entrypoint: not restarting: `cohortbot run` refused its input")
    assert len(lines) == 4 and "Traceback" not in stderr


def test_the_mounted_folders_playbooks_run_and_a_broken_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "good.yaml").write_text("name: Good\ncommunities: ['discord:1']\n")
    broken = tmp_path / "playbooks" / "my-cohort.yml"
    broken.write_text("name: Mine\ndefault: true\ntimezone: Mars/Olympus\n")
    # An empty COHORTBOT_PLAYBOOK (compose.yaml sets one) is unset: the folder still counts.
    process = start_entrypoint(tmp_path, "run", "--no-console", env={"COHORTBOT_PLAYBOOK": ""})
    try:
        stderr = stderr_until_waiting(process)
    finally:
        code = stop(process)
    assert code == 2
    folder = tmp_path / "playbooks"
    assert stderr.splitlines()[0] == (
        f"cohortbot-entrypoint: playbooks from {folder}: good.yaml, my-cohort.yml"
    )
    assert f"error: {broken}:3: timezone: unknown time zone 'Mars/Olympus'" in stderr
    assert WAITING in stderr


def test_other_commands_keep_their_exit_code(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: Broken\n")
    process = start_entrypoint(tmp_path, "check", str(broken))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"error: {broken}" in err and WAITING not in err
    version = start_entrypoint(tmp_path, "--version")
    out, err = version.communicate(timeout=60)
    assert version.returncode == 0 and out.startswith("cohortbot "), err


def load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", REPO / "docker" / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_healthcheck_passes_while_the_bot_serves_and_fails_once_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    healthcheck = load_healthcheck()
    monkeypatch.delenv("COHORTBOT_METRICS_PORT", raising=False)
    assert healthcheck.main() == 1
    assert "COHORTBOT_METRICS_PORT is not set" in capsys.readouterr().out

    port = free_port()
    monkeypatch.setenv("COHORTBOT_METRICS_PORT", str(port))
    env = cli_env(tmp_path, {"COHORTBOT_METRICS_PORT": str(port)})
    del env["COHORTBOT_CONSOLE_START"]  # the console on the real clock, like a platform
    bot = subprocess.Popen(
        [sys.executable, "-m", "cohortbot.bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # a guard against a hang, not a timing assertion
        while healthcheck.main() != 0:
            assert bot.poll() is None and time.monotonic() < deadline, "the bot never became healthy"
            time.sleep(0.2)
        assert '"status": "ok"' in capsys.readouterr().out.splitlines()[-1]
    finally:
        assert bot.stdin is not None
        bot.stdin.close()  # end of input: the console stops the bot
        assert bot.wait(timeout=60) == 0
    assert healthcheck.main() == 1
    assert f"http://127.0.0.1:{port}/healthz: " in capsys.readouterr().out
