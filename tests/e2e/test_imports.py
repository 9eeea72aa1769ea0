"""What a fresh interpreter imports: the console starts without Discord's or Slack's libraries,
and without the chart and sentiment libraries until a chart is drawn or a message scored."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BUILD = """
import io, sys
from cohortbot.bot.bootstrap import build_app, install_logging
from cohortbot.config.settings import Settings
settings = Settings(_env_file=None, COHORTBOT_DATABASE_URL="sqlite+aiosqlite:///bot.db")
install_logging(settings, stream=io.StringIO())
app = build_app(settings, stdin=io.StringIO(""), stdout=io.StringIO())
assert [type(a).__name__ for a in app.runtime.adapters.values()] == ["ConsoleAdapter"]
def imported(*roots):
    return sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in roots})
"""


def run_fresh(tmp_path: Path, script: str) -> str:
    # In a fresh interpreter: this one has imported them for other tests.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), "HOME": str(tmp_path)}
    run = [sys.executable, "-c", BUILD + textwrap.dedent(script)]
    result = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_starting_the_console_imports_neither_discord_nor_slack(tmp_path: Path) -> None:
    assert run_fresh(tmp_path, "print(imported('discord', 'slack_bolt', 'slack_sdk'))") == "[]"


def test_matplotlib_and_vader_are_imported_at_the_first_chart_and_the_first_score(tmp_path: Path) -> None:
    script = """
        from cohortbot.playbook.charts import Chart, Series
        print(imported('matplotlib', 'vaderSentiment'))
        engine = app.runtime.engine
        assert engine.sentiment.score("I love this, thank you!") > 0.5
        print(imported('matplotlib', 'vaderSentiment'))
        chart = Chart(title="Joins", labels=("Mon", "Tue"), series=(Series(name="joins", values=(1.0, 3.0)),))
        png = engine.charts.render(chart)
        assert png.data.startswith(b"\\x89PNG")
        print(imported('matplotlib', 'vaderSentiment'))
        """
    assert run_fresh(tmp_path, script).splitlines() == [
        "[]",
        "['vaderSentiment']",
        "['matplotlib', 'vaderSentiment']",
    ]
