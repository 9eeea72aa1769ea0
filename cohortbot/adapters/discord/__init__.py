"""Discord adapter (discord.py 2.7): see ``adapter.py``.

Importing this package does not import discord.py: the registration below builds the adapter
(and imports the library) only when ``DISCORD_TOKEN`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.adapters.platform import PlatformSpec, Wiring
from cohortbot.playbook.refs import Platform

from .settings import DiscordSettings

if TYPE_CHECKING:
    from .adapter import DiscordAdapter, DiscordConfig, DiscordStartupError

__all__ = ["PLATFORM", "DiscordAdapter", "DiscordConfig", "DiscordSettings", "DiscordStartupError"]

_LAZY = ("DiscordAdapter", "DiscordConfig", "DiscordStartupError")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _build(settings: DiscordSettings, wiring: Wiring) -> PlatformAdapter | None:
    if settings.token is None:
        return None
    from .adapter import DiscordAdapter, DiscordConfig

    return DiscordAdapter(
        DiscordConfig(
            token=settings.token.get_secret_value(),
            api_base_url=settings.api_base_url,
            gateway_url=settings.gateway_url,
            shard_ids=settings.shard_ids,
            shard_count=settings.shard_count,
            command_sync=settings.command_sync,
            guild_ready_timeout=settings.guild_ready_timeout,
            global_rate_limit=settings.global_rate_limit,
        ),
        # A gateway that ends for good (a reset token, withdrawn intents, a failed shard)
        # stops the bot with the reason rather than leave it up and deaf.
        on_fatal=lambda reason: wiring.control.request_stop(fatal=reason),
    )


PLATFORM = PlatformSpec(
    name=Platform.DISCORD,
    settings=DiscordSettings,
    build=_build,
    # Paced by the adapter itself, on Discord's own terms: discord.py keeps each route's bucket
    # from the X-RateLimit headers, and every request of the token in this process waits for
    # the global limit (DISCORD_GLOBAL_RATE_LIMIT, 50/s) and a global 429's Retry-After
    # (ratelimit.py). A deliverer-side pacer could only guess what a delivery costs.
    requests_per_second=None,
    loggers=("discord",),
)
