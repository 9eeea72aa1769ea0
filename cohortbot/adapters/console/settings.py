"""The console's settings (env vars and ``.env``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AwareDatetime, Field

from cohortbot.config.settings import EnvSettings

__all__ = ["ConsoleSettings"]


class ConsoleSettings(EnvSettings):
    # The console's simulated clock starts here instead of now: a scripted session then
    # replays the same way on any day (schedules fire at the same simulated moments).
    start: AwareDatetime | None = Field(None, validation_alias="COHORTBOT_CONSOLE_START")
    # Where the files the bot sends (charts, CSV, privacy exports) are saved; their paths are printed.
    files: Path = Field(Path("cohortbot-files"), validation_alias="COHORTBOT_CONSOLE_FILES")
