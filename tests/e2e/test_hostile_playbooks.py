"""`cohortbot check` on hostile files, as a subprocess: exit 2 quickly, naming each file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.config.test_hostile_playbooks import BILLION_LAUGHS


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_check_refuses_an_alias_bomb_and_a_fifo_quickly_naming_both(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COHORTBOT_"))}
    # A timeout fails the test instead of hanging it (today: out of memory on the bomb, blocked on the FIFO).
    result = subprocess.run(
        [sys.executable, "-m", "cohortbot.bot.cli", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any(line.startswith(f"error: {bomb}:") and "too many YAML aliases" in line for line in errors)
    assert any(line.startswith(f"error: {fifo}") and "not a regular file" in line for line in errors)
    assert "Traceback" not in result.stderr


def test_check_refuses_nesting_as_deep_as_the_size_limit_allows_without_crashing(tmp_path: Path) -> None:
    # libyaml parses the playbooks; its own composer recurses in C and would crash the process here.
    levels = 120_000
    flow = tmp_path / "flow.yaml"
    flow.write_text("name: X\nfacilitators: " + "[" * levels + "]" * levels + "\n")
    block = tmp_path / "block.yaml"
    block.write_text("name: X\nfacilitators:\n  " + "- " * levels + "x\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COHORTBOT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "cohortbot.bot.cli", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [line.split(":")[1].strip() for line in errors[:2]] == [str(block), str(flow)]
    assert all("nested more than 50 levels" in line for line in errors[:2])
    assert "Traceback" not in result.stderr
