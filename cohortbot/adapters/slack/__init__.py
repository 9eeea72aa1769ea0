"""Slack: slack-bolt's AsyncApp in (Socket Mode or HTTP), the Web API out.

Importing this package does not import slack-bolt: the registration below builds the adapter
(and imports the library) only when ``SLACK_BOT_TOKEN`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.adapters.platform import PlatformSpec, Wiring
from cohortbot.playbook.refs import Platform

from .settings import SlackSettings

if TYPE_CHECKING:
    from .adapter import SlackAdapter, SlackConfig, SlackStartupError

__all__ = ["PLATFORM", "SlackAdapter", "SlackConfig", "SlackSettings", "SlackStartupError"]

_LAZY = ("SlackAdapter", "SlackConfig", "SlackStartupError")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _build(settings: SlackSettings, wiring: Wiring) -> PlatformAdapter | None:
    if settings.bot_token is None:
        return None
    from .adapter import SlackAdapter, SlackConfig

    return SlackAdapter(
        SlackConfig(
            bot_token=settings.bot_token.get_secret_value(),
            app_token=_secret(settings.app_token),
            signing_secret=_secret(settings.signing_secret),
            api_url=settings.api_url,
            mode=settings.mode or ("socket" if settings.app_token else "http"),
            http_host=settings.http_host,
            http_port=settings.http_port,
            community_channel=settings.community_channel,
        )
    )


PLATFORM = PlatformSpec(
    name=Platform.SLACK,
    settings=SlackSettings,
    build=_build,
    # Paced by the adapter itself on Slack's published limits per method (tiers per minute,
    # chat.postMessage one a second per channel; ratelimit.py), one limiter per token in the
    # process, a 429's Retry-After pausing its method: a global rate here could only guess.
    requests_per_second=None,
    loggers=("slack_bolt", "slack_sdk"),
)
