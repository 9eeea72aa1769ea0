"""Slack's settings (env vars and ``.env``): documented in the README's Settings table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from cohortbot.config.settings import EnvSettings

__all__ = ["SlackSettings"]


class SlackSettings(EnvSettings):
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
