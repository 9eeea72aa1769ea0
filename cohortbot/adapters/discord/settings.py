"""Discord's settings (env vars and ``.env``): documented in the README's Settings table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from cohortbot.config.settings import EnvSettings

__all__ = ["DiscordSettings"]


class DiscordSettings(EnvSettings):
    token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    # A REST rate-limit proxy or a compatible server (also how the contract tests reach the fake).
    api_base_url: str | None = Field(None, validation_alias="DISCORD_API_BASE_URL")
    gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    shard_ids: list[int] | None = Field(None, validation_alias="DISCORD_SHARD_IDS")
    shard_count: int | None = Field(None, validation_alias="DISCORD_SHARD_COUNT")
    # Discord's global limit for this bot (50 requests/s unless Discord raised it), kept by the adapter.
    global_rate_limit: int = Field(50, ge=1, validation_alias="DISCORD_GLOBAL_RATE_LIMIT")
    command_sync: Literal["global", "guild", "off"] = Field("guild", validation_alias="DISCORD_COMMAND_SYNC")
