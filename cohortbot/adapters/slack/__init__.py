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
    # Global, in Web API requests. Slack limits per method and workspace: chat.postMessage
    # about one message per second *per channel* (welcome DMs each go to their own channel),
    # conversations.open Tier 3 (50+/minute), usergroups.* Tier 2 (20+/minute). The deliverer
    # charges a DM two requests (open + post), so two requests a second is at most one new DM
    # a second, inside Tier 3 for conversations.open over any minute, and a post every half
    # second spread over channels. The rarer Tier 2 bursts (role grants are three calls) are
    # absorbed by the 429 handler, which honours Retry-After.
    requests_per_second=2.0,
    loggers=("slack_bolt", "slack_sdk"),
)
