"""``cohortbot <command>`` as a user types it, in a subprocess, while a fake platform runs in the
test's event loop (so the command's REST calls reach it)."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.slack_fake import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.e2e.test_console_cli import cli_env

__all__ = ["Ran", "discord_env", "run_cli", "slack_env"]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


async def run_cli(*args: str, cwd: Path, env: dict[str, str], stdin: str = "") -> Ran:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cohortbot.bot.cli",
        *args,
        cwd=cwd,
        env=cli_env(cwd, env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=90)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


def discord_env(fake: FakeDiscord) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE_URL": fake.base_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_GUILD_READY_TIMEOUT": "0.1",
    }


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake.api_url}
