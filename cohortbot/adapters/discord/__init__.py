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
        ),
        # A gateway that ends for good (a reset token, withdrawn intents, a failed shard)
        # stops the bot with the reason rather than leave it up and deaf.
        on_fatal=lambda reason: wiring.control.request_stop(fatal=reason),
    )


PLATFORM = PlatformSpec(
    name=Platform.DISCORD,
    settings=DiscordSettings,
    build=_build,
    # Under Discord's global 50 requests/s: discord.py paces each route's bucket but not the
    # global limit, and the 429s a burst of welcomes draws count toward the invalid-request ban.
    requests_per_second=45.0,
    loggers=("discord",),
)
