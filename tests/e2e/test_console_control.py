"""The console as a terminal user drives it: same script, same output; it always stops."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_console_cli import CONSOLE_START, cli_env, cohortbot

# A first fortnight with every kind of feedback chain: welcomes, intros and their threads,
# weekly prompts and their threads, a live session with RSVPs, reminders and its survey.
FORTNIGHT = "\n".join(
    [
        "/join alice",
        "/join bob",
        "/join carol",
        "#introductions",
        "alice: Hi! I'm Alice from Lyon, into pandas and statistics.",
        "bob: Hello, Bob here: data engineering, Spark, and some statistics too.",
        "facilitator: /cohort session create Office hours "
        + (CONSOLE_START.date().isoformat())
        + " 18:00 1h",
        "/click alice I'll be there",
        "/click bob I'll be there",
        "/advance 1w",
        "/reply alice My favourite pandas trick is groupby().transform",
        "/advance 1w",
        "/quit",
    ]
)


def test_the_same_script_prints_the_same_output_every_time(tmp_path: Path) -> None:
    outputs = []
    for run in range(2):   # a second run shows any difference a third would
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        result = cohortbot("run", cwd=folder, stdin=FORTNIGHT, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "[DM -> alice] Welcome to" in outputs[0]
    assert outputs[0].count("\n") > 40          # a real fortnight, not an empty session
    assert outputs[1] == outputs[0]


def _idle_console(tmp_path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cohortbot.bot.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=cli_env(tmp_path),
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("/join alice\n")
    proc.stdin.flush()          # ... and then nothing more: the console waits for input
    for line in proc.stdout:
        if "Welcome to" in line:
            return proc
    raise AssertionError(f"the console never welcomed alice: {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_an_idle_console_within_seconds(tmp_path: Path, sig: signal.Signals) -> None:
    proc = _idle_console(tmp_path)
    try:
        sent = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=10)
        assert time.monotonic() - sent < 10
        assert code == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
