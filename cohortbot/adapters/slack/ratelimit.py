"""Slack's Web API rate limits, kept on the client by every call of the bot token in the process.

Slack limits each method per workspace and app in *tiers* of requests per minute (Tier 1: 1+,
Tier 2: 20+, Tier 3: 50+, Tier 4: 100+), and ``chat.postMessage`` about one message a second
per channel; beyond them it answers 429 with ``Retry-After`` and sends no other rate header.
So the limits are known in advance (``METHOD_TIERS``): :class:`SlackLimits` holds one
:class:`WindowLimiter` per method (per channel for posts), shared per token through
:func:`~cohortbot.adapters.ratelimit.shared`, and :class:`PacedWebClient` waits on it before
each call. A 429's ``Retry-After`` pauses that method's limiter for every sender
(``HonouringRateLimitRetryHandler`` in ``api.py``). A call counts until Slack answers it and
its window starts at the answer (``WindowLimiter``): Slack counted it before answering, so
no margin has to guess its time in transit. ``minute`` is how many seconds a "minute" lasts
(60; the contract tests scale Slack's clock down).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from cohortbot.adapters.ratelimit import WindowLimiter, shared

__all__ = [
    "DEFAULT_TIER",
    "METHOD_TIERS",
    "PER_CHANNEL",
    "TIERS",
    "PacedWebClient",
    "SlackLimits",
    "channel_of",
    "limits_for",
]

TIERS = {1: 1, 2: 20, 3: 50, 4: 100}  # requests per minute per method (Slack's documented floor)
METHOD_TIERS = {
    "conversations.list": 2,
    "usergroups.list": 2,
    "users.list": 2,  # the catch-up at start (catchup.py)
    "usergroups.users.list": 2,
    "usergroups.users.update": 2,
    "usergroups.enable": 2,
    "usergroups.disable": 2,
    "pins.add": 2,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.invite": 3,
    "conversations.kick": 3,
    "reactions.add": 3,
    "chat.update": 3,
    "users.lookupByEmail": 3,  # the roster import's lookups (bot/roster_lookup.py)
    "users.info": 4,
    "views.open": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "auth.test": 4,
}
DEFAULT_TIER = 3  # most methods; a method Slack limits harder still pauses on its 429
PER_CHANNEL = {"chat.postMessage": (1, 1.0), "chat.postEphemeral": (1, 1.0)}  # (limit, seconds) per channel
UNLIMITED = frozenset({"apps.connections.open"})  # Socket Mode's connection, not a Web API call to pace
MAX_CHANNELS = 1024  # per-channel limiters kept before idle ones are forgotten


class SlackLimits:
    """The limiters of one bot token: per method, and per channel for posts."""

    def __init__(self, *, minute: float = 60.0, margin: float = 0.0) -> None:
        self.minute = minute
        self.margin = margin
        self._methods: dict[str, WindowLimiter] = {}
        self._channels: dict[tuple[str, str], WindowLimiter] = {}

    def limiter(self, method: str, channel: str = "") -> WindowLimiter | None:
        if method in UNLIMITED:
            return None
        scale = self.minute / 60.0
        if method in PER_CHANNEL:
            key = (method, channel)
            limiter = self._channels.get(key)
            if limiter is None:
                if len(self._channels) >= MAX_CHANNELS:
                    for old in [k for k, v in self._channels.items() if v.idle()]:
                        del self._channels[old]
                limit, seconds = PER_CHANNEL[method]
                limiter = self._channels[key] = WindowLimiter(limit, seconds * scale, margin=self.margin)
            return limiter
        limiter = self._methods.get(method)
        if limiter is None:
            tier = TIERS[METHOD_TIERS.get(method, DEFAULT_TIER)]
            limiter = self._methods[method] = WindowLimiter(tier, self.minute, margin=self.margin)
        return limiter

    async def acquire(self, method: str, channel: str = "") -> None:
        limiter = self.limiter(method, channel)
        if limiter is not None:
            await limiter.acquire()

    def pause(self, method: str, seconds: float, channel: str = "") -> None:
        limiter = self.limiter(method, channel)
        if limiter is not None:
            limiter.pause(seconds)


def limits_for(token: str, *, minute: float = 60.0) -> SlackLimits:
    """The process's one set of limits for the bot ``token`` (every client built for it)."""
    return shared(token, f"slack-methods/{minute:g}", lambda: SlackLimits(minute=minute))


def channel_of(*sources: Any) -> str:
    for source in sources:
        if isinstance(source, dict) and source.get("channel"):
            return str(source["channel"])
    return ""


class PacedWebClient(AsyncWebClient):
    """slack_sdk's client, waiting for the token's limits before each Web API call.

    The limits are looked up at the first call (they belong to the running event loop).
    """

    def __init__(self, *args: Any, minute: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minute = minute

    @property
    def limits(self) -> SlackLimits:
        return limits_for(self.token or "", minute=self.minute)

    async def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: Any = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> AsyncSlackResponse:
        # Counted until Slack answers (slack_sdk's own retries included), its window from then.
        limiter = self.limits.limiter(api_method, channel_of(json, data, params))
        ticket = await limiter.acquire(until_answered=True) if limiter is not None else 0
        try:
            return await super().api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        finally:
            if limiter is not None:
                limiter.answered(ticket)
