"""Discord's global rate limit, kept by every request of the bot's token in this process.

discord.py keeps each route's bucket from the headers Discord sends (``X-RateLimit-Bucket``,
``-Remaining``, ``-Reset-After``) and waits on them, but it learns of the *global* limit
(50 requests/s per bot, on no header until it is exceeded) only from a 429 with
``X-RateLimit-Global``, and only the requests that come after it wait. A burst of welcomes
(many DM channels, each its own bucket) therefore draws 429s, which count toward Discord's
invalid-request ban. :func:`global_limit_trace` paces every REST request of the client
through one shared :class:`WindowLimiter` per token before it leaves (an aiohttp trace hook,
so discord.py's own retries are paced too), counting each request until its answer and its
second from the answer (Discord received it before answering: no margin to guess), and a
global 429's ``Retry-After`` pauses it for every sender. Interaction callbacks and their
webhooks are not under the global limit.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp

from cohortbot.adapters.metrics import rate_limited
from cohortbot.adapters.ratelimit import WindowLimiter, shared

__all__ = ["GLOBAL_EXEMPT", "global_limit_trace", "global_limiter", "is_global_429"]

GLOBAL_EXEMPT = ("/interactions/", "/webhooks/")  # Discord: not bound to the global limit


def global_limiter(token: str, *, limit: int, window: float, margin: float) -> WindowLimiter:
    """The process's one global limiter for the bot ``token`` (every client, every shard)."""
    return shared(token, "discord-global", lambda: WindowLimiter(limit, window, margin=margin))


def is_global_429(status: int, headers: aiohttp.typedefs.LooseHeaders) -> bool:
    if status != 429:
        return False
    found = {str(k).lower(): str(v).lower() for k, v in dict(headers).items()}
    return found.get("x-ratelimit-global") == "true" or found.get("x-ratelimit-scope") == "global"


def _retry_after(headers: aiohttp.typedefs.LooseHeaders) -> float:
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 1.0


def _counts(url: aiohttp.typedefs.StrOrURL) -> bool:
    parsed = url if not isinstance(url, str) else None
    scheme = parsed.scheme if parsed is not None else str(url).split(":", 1)[0]
    path = parsed.path if parsed is not None else str(url)
    return scheme in ("http", "https") and not any(part in path for part in GLOBAL_EXEMPT)


def global_limit_trace(limiter: WindowLimiter) -> aiohttp.TraceConfig:
    """A trace config for discord.py's ``http_trace``: each REST request waits for ``limiter``."""

    async def before(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        if _counts(params.url):
            # Counted until Discord answers, its second from then on (WindowLimiter): safe
            # however long the request spent in transit, so no margin is needed.
            context.ticket = await limiter.acquire(until_answered=True)

    async def failed(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        limiter.answered(getattr(context, "ticket", 0))

    async def after(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        limiter.answered(getattr(context, "ticket", 0))
        response = params.response
        if response.status == 429:
            rate_limited("discord", "global" if is_global_429(429, response.headers) else "route")
        if is_global_429(response.status, response.headers):
            limiter.pause(_retry_after(response.headers))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(before)
    trace.on_request_end.append(after)
    trace.on_request_exception.append(failed)
    return trace
