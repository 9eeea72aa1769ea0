"""Discord adapter (discord.py 2.7): see ``adapter.py``."""

from __future__ import annotations

from .adapter import DiscordAdapter, DiscordConfig, DiscordStartupError

__all__ = ["DiscordAdapter", "DiscordConfig", "DiscordStartupError"]
