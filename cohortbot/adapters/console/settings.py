"""The console's settings (env vars and ``.env``)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from cohortbot.config.settings import EnvSettings

__all__ = ["ConsoleSettings"]


class ConsoleSettings(EnvSettings):
    # The console's simulated clock starts here instead of now: a scripted session then
    # replays the same way on any day (schedules fire at the same simulated moments).
    start: AwareDatetime | None = Field(None, validation_alias="COHORTBOT_CONSOLE_START")
