"""Process settings: environment variables and an optional ``.env`` file.

Secrets (tokens, signing secrets) live here and never in playbooks. They are ``SecretStr`` so
they never show up in a repr, a log line or an error message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///cohortbot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL, validation_alias=AliasChoices("COHORTBOT_DATABASE_URL", "DATABASE_URL")
    )
    playbook: Path | None = Field(None, validation_alias="COHORTBOT_PLAYBOOK")
    log_level: str = Field("INFO", validation_alias="COHORTBOT_LOG_LEVEL")
    # The console's simulated clock starts here instead of now: a scripted session then
    # replays the same way on any day (schedules fire at the same simulated moments).
    console_start: AwareDatetime | None = Field(None, validation_alias="COHORTBOT_CONSOLE_START")
    # "off" runs the engine but leaves decided actions in the outbox (maintenance, or a
    # process that only decides while others deliver).
    delivery: Literal["on", "off"] = Field("on", validation_alias="COHORTBOT_DELIVERY")

    # Discord
    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_api_base_url: str | None = Field(None, validation_alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    discord_shard_ids: list[int] | None = Field(None, validation_alias="DISCORD_SHARD_IDS")
    discord_shard_count: int | None = Field(None, validation_alias="DISCORD_SHARD_COUNT")
    discord_command_sync: Literal["global", "guild", "off"] = Field(
        "guild", validation_alias="DISCORD_COMMAND_SYNC"
    )

    # Slack
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")
    slack_mode: Literal["socket", "http"] | None = Field(None, validation_alias="SLACK_MODE")
    slack_http_host: str = Field("0.0.0.0", validation_alias="SLACK_HTTP_HOST")
    slack_http_port: int = Field(3000, validation_alias="SLACK_HTTP_PORT")
    # A community that lives in one channel of a bigger workspace: its members are that
    # channel's members (channel joins count as joins), not the whole workspace.
    slack_community_channel: str | None = Field(None, validation_alias="SLACK_COMMUNITY_CHANNEL")

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def console_enabled(self) -> bool:
        return not (self.discord_enabled or self.slack_enabled)
