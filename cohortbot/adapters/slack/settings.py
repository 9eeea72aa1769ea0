"""Slack's settings (env vars and ``.env``): documented in the README's Settings table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from cohortbot.config.settings import EnvSettings

__all__ = ["SlackSettings"]


class SlackSettings(EnvSettings):
    # An empty value is no value: `SLACK_BOT_TOKEN=` (as left in a copied .env.example) means no Slack.
    model_config = SettingsConfigDict(env_ignore_empty=True)

    bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    api_url: str | None = Field(None, validation_alias="SLACK_API_URL")
    # Unset: Socket Mode when an app token is set, else HTTP mode.
    mode: Literal["socket", "http"] | None = Field(None, validation_alias="SLACK_MODE")
    http_host: str = Field("0.0.0.0", validation_alias="SLACK_HTTP_HOST")
    http_port: int = Field(3000, validation_alias="SLACK_HTTP_PORT")
    # A community that lives in one channel of a bigger workspace: its members are that
    # channel's members (channel joins count as joins), not the whole workspace.
    community_channel: str | None = Field(None, validation_alias="SLACK_COMMUNITY_CHANNEL")

    @model_validator(mode="after")
    def _mode_has_its_secret(self) -> SlackSettings:
        """Refused at start (``run`` and ``check``), not when the first request comes in."""
        if self.bot_token is None:
            return self  # Slack is not configured
        mode = self.mode or ("socket" if self.app_token else "http")
        if mode == "http" and self.signing_secret is None:
            raise ValueError(
                "Slack HTTP mode needs the signing secret (SLACK_SIGNING_SECRET); for Socket Mode "
                "set SLACK_APP_TOKEN instead"
            )
        if mode == "socket" and self.app_token is None:
            raise ValueError("Slack Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-...)")
        return self
