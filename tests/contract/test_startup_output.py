"""What `cohortbot run` prints when it starts on Discord or Slack: its own lines, no library noise.

The CLI runs as a subprocess (a fresh interpreter, so a library's warn-once flags are fresh too)
against the fake Discord / fake Slack served by this test's event loop, with its tokens in the
environment as a user sets them. Once it is connected it is stopped with SIGTERM, and its
stderr is read whole.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from tests.contract.conftest import eventually
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.contract.slack_fixtures import slack_fake
from tests.e2e.test_console_cli import cli_env

__all__ = ["slack_fake"]

PLAYBOOK = "name: Cohort\ndefault: true\ncommunity_name: Cohort\ntimezone: Europe/Berlin\n"


async def run_until(
    tmp_path: Path, env: dict[str, str], connected: Callable[[list[str]], object]
) -> tuple[int, str]:
    """Start `cohortbot run` with ``env``, wait until ``connected(stderr lines so far)``, stop it
    with SIGTERM; its exit code and everything it wrote to stderr."""
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(PLAYBOOK)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cohortbot.bot.cli", "run", "--no-console", "--playbook", str(playbook),
        cwd=tmp_path,
        env=cli_env(tmp_path, env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    lines: list[str] = []

    async def read() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            lines.append(line.decode())

    reader = asyncio.create_task(read())
    try:
        await eventually(lambda: connected(lines) or process.returncode is not None, within=60)
        assert process.returncode is None, "".join(lines)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
        await reader
    return code, "".join(lines)


async def test_discord_start_up_prints_no_voice_library_warnings(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        env = {
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.base_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_GUILD_READY_TIMEOUT": "0.1",
        }
        code, stderr = await run_until(tmp_path, env, lambda _: fake.commands)  # /cohort registered at ready
    finally:
        await fake.close()
    assert code == 0, stderr
    assert "voice" not in stderr.lower(), stderr  # "PyNaCl is not installed, voice will NOT be supported"
    assert "davey" not in stderr, stderr
    assert "PyNaCl" not in stderr, stderr


async def test_slack_start_up_with_the_token_in_the_environment_prints_no_bolt_warning(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,  # in os.environ, where bolt looks for a token of its own
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_fake.api_url,
        "SLACK_MODE": "http",
        "SLACK_HTTP_HOST": "127.0.0.1",
        "SLACK_HTTP_PORT": "0",
    }
    code, stderr = await run_until(
        tmp_path, env, lambda lines: any("Slack: HTTP mode on" in line for line in lines)
    )
    assert code == 0, stderr
    assert "will be unused" not in stderr, stderr  # "As you gave `client` as well, `token` will be unused."
    assert "WARNING" not in stderr, stderr
    assert "Slack: connected to workspace" in stderr
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr

