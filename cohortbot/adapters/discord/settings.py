"""Discord's settings (env vars and ``.env``): documented in the README's Settings table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from cohortbot.config.settings import EnvSettings

__all__ = ["DiscordSettings"]


class DiscordSettings(EnvSettings):
    # An empty value is no value: `DISCORD_TOKEN=` (as left in a copied .env.example) means no
    # Discord, not a login with an empty token that fails and restarts forever.
    model_config = SettingsConfigDict(env_ignore_empty=True)

    token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    # A REST rate-limit proxy or a compatible server (also how the contract tests reach the fake).
    api_base_url: str | None = Field(None, validation_alias="DISCORD_API_BASE_URL")
    gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    shard_ids: list[int] | None = Field(None, validation_alias="DISCORD_SHARD_IDS")
    shard_count: int | None = Field(None, ge=1, validation_alias="DISCORD_SHARD_COUNT")
    # Discord's global limit for this bot (50 requests/s unless Discord raised it), kept by the adapter.
    global_rate_limit: int = Field(50, ge=1, validation_alias="DISCORD_GLOBAL_RATE_LIMIT")
    command_sync: Literal["global", "guild", "off"] = Field("guild", validation_alias="DISCORD_COMMAND_SYNC")
    # Once connected, how long to wait after the last server Discord streamed before serving:
    # discord.py's own guild_ready_timeout (a bot in thousands of servers may want more).
    guild_ready_timeout: float = Field(2.0, gt=0, le=60, validation_alias="DISCORD_GUILD_READY_TIMEOUT")

    @model_validator(mode="after")
    def _shards_within_the_count(self) -> DiscordSettings:
        """Refused at start (``run`` and ``check``): a shard Discord does not have would never
        connect, and shard ids without a count would be ignored (the process would hold every
        server, as a second unsharded bot)."""
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError(
                "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the number of shards of the whole bot "
                "(e.g. DISCORD_SHARD_IDS=[0,1] and DISCORD_SHARD_COUNT=4)"
            )
        outside = sorted({i for i in self.shard_ids if not 0 <= i < self.shard_count})
        if outside:
            raise ValueError(
                f"DISCORD_SHARD_IDS {outside} outside DISCORD_SHARD_COUNT={self.shard_count}: "
                f"shard ids go from 0 to {self.shard_count - 1}"
            )
        if len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError("DISCORD_SHARD_IDS names a shard twice")
        return self
