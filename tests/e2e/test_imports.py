"""What a fresh interpreter imports: the console starts without Discord's or Slack's libraries."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_starting_the_console_imports_neither_discord_nor_slack(tmp_path: Path) -> None:
    # In a fresh interpreter: this one has imported them for other tests.
    script = textwrap.dedent(
        """
        import io, sys
        from cohortbot.bot.bootstrap import build_app, install_logging
        from cohortbot.config.settings import Settings
        settings = Settings(_env_file=None, COHORTBOT_DATABASE_URL="sqlite+aiosqlite:///bot.db")
        install_logging(settings, stream=io.StringIO())
        app = build_app(settings, stdin=io.StringIO(""), stdout=io.StringIO())
        assert [type(a).__name__ for a in app.runtime.adapters.values()] == ["ConsoleAdapter"]
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("discord", "slack_bolt", "slack_sdk")))
        """
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), "HOME": str(tmp_path)}
    run = [sys.executable, "-c", script]
    result = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
