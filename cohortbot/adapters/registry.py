"""Every platform the bot can run on. Adding one: a package in ``adapters/`` exporting
``PLATFORM`` (see ``platform.py``), and its line here.

The composition root reads only this list: which adapters to start (a platform whose factory
returns None is not configured; the fallback starts when none is), how fast the deliverer may
talk to each, which settings are secrets to redact from logs, which env vars tests scrub.
"""

from __future__ import annotations

from typing import Any

from cohortbot.adapters import console, discord, slack
from cohortbot.adapters.platform import PlatformSpec

__all__ = ["PLATFORMS"]

PLATFORMS: tuple[PlatformSpec[Any], ...] = (
    discord.PLATFORM,
    slack.PLATFORM,
    console.PLATFORM,  # the fallback: starts when no other platform is configured
)
