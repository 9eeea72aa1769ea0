"""The Slack Web API as the adapter uses it: one client, error mapping, small caches.

- ``build_client`` makes the ``AsyncWebClient`` (``base_url`` from ``SLACK_API_URL``; trailing
  slash added) with retry handlers installed: slack_sdk retries nothing but connection errors
  by default. 429s are retried in-line honouring ``Retry-After`` when the wait is short;
  a longer wait is handed to the deliverer as ``RetryableDeliveryError(retry_after=...)`` so a
  worker is not parked for a minute. 500/503 are retried once, and dropped connections
  twice, except for methods that create something (``chat.postMessage``): Slack may have
  carried the request out before failing, so the performer looks before sending again.
- Every Web API call first waits for Slack's published limit of its method (tiers per minute,
  ``chat.postMessage`` one a second per channel), one limiter per token in the process
  (``ratelimit.py``), so a burst of welcomes is spread instead of drawing 429s.
- ``SlackApi.call`` maps failures to ``adapters.base`` delivery errors with messages that name
  the method, Slack's error code and the missing scope, never a token.
- ``SlackApi.upload_files`` shares attachments with slack_sdk's ``files_upload_v2``:
  ``files.getUploadURLExternal`` per file, a POST of the bytes to each returned
  ``upload_url``, then one ``files.completeUploadExternal`` (``channel_id``, ``thread_ts``,
  ``initial_comment``) per batch of ten. Failures map like every other call.
- Caches (per process, short TTL): channel directory (conversations.list), DM channel ids,
  users.info, usergroups.list. Caches only save API calls; nothing depends on them for
  correctness.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from cohortbot.adapters.base import (
    DeliveryError,
    DirectMessageRefused,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from cohortbot.adapters.metrics import rate_limited
from cohortbot.playbook.messages import Attachment

from .ratelimit import PacedWebClient, channel_of, limits_for

__all__ = [
    "DM_REFUSALS",
    "FILES_PER_UPLOAD",
    "HonouringRateLimitRetryHandler",
    "MaybeCarriedOut",
    "SlackApi",
    "SlackCallError",
    "TtlCache",
    "build_client",
    "retry_after_of",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Slack errors meaning "this member can't be DMed by the bot" (not a bot misconfiguration).
DM_REFUSALS = frozenset(
    {
        "cannot_dm_bot",
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "not_allowed",
        "messages_tab_disabled",
        "cannot_find_user",
        "users_not_found",
        "channel_not_found_for_user",
    }
)
_HINTS = {
    "channel_not_found": " (wrong channel id, or a private channel the bot is not in)",
    "not_in_channel": " (invite the bot to the channel: /invite @cohortbot)",
    "is_archived": " (the channel is archived)",
    "expired_trigger_id": " (a modal must open within 3 s of the click or command)",
    "invalid_trigger_id": " (a modal must open within 3 s of the click or command)",
    "invalid_auth": " (check SLACK_BOT_TOKEN)",
    "not_authed": " (check SLACK_BOT_TOKEN)",
    "account_inactive": " (the bot token was revoked or the app uninstalled)",
    "token_revoked": " (the bot token was revoked or the app uninstalled)",
}
_RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# The scope a method needs, for when Slack's missing_scope answer does not say ("needed").
_SCOPES = {
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.uploadV2": "files:write",
}
FILES_PER_UPLOAD = 10  # files shared per files.completeUploadExternal (one message)
_UPLOAD_STATUS = re.compile(r"status: (\d+)")


def retry_after_of(headers: Mapping[str, Any] | None) -> float | None:
    """``Retry-After`` seconds from response headers (any case), if present and numeric."""
    for key, value in (headers or {}).items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                return None
    return None


class SlackCallError(PermanentDeliveryError):
    """A permanent Slack API refusal, with Slack's error ``code`` for callers that branch on it."""

    def __init__(self, message: str, *, method: str, code: str) -> None:
        super().__init__(message)
        self.method = method
        self.code = code


class MaybeCarriedOut(RetryableDeliveryError):
    """A 5xx, a timeout or a dropped connection: Slack may have carried the request out.

    A 429 is not one: a rate-limited request was refused before it did anything.
    ``answered``: Slack answered (a 5xx: the request is finished, one way or the other), as
    opposed to a timeout or a dropped connection, after which it may still be carried out.
    """

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered


# Requests that create something: never repeated in-line (see the module docstring).
NOT_REPEATED = frozenset({"chat.postMessage"})


def _method_of_url(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class _OnceForCreations(AsyncRetryHandler):
    """Leaves ``NOT_REPEATED`` methods to the caller: a repeat could create a second one."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method_of_url(request.url) in NOT_REPEATED:
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class _ConnectionErrorRetryHandler(_OnceForCreations, AsyncConnectionErrorRetryHandler):
    pass


class _ServerErrorRetryHandler(_OnceForCreations, AsyncServerErrorRetryHandler):
    pass


class HonouringRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, made exact and bounded.

    The stock handler sleeps ``int(Retry-After) + random()`` on every 429, however long.
    This one sleeps exactly ``Retry-After`` and only when it is at most ``max_wait`` seconds;
    otherwise the 429 surfaces and the deliverer reschedules the action (outbox retry_at).
    Either way ``on_limited(method, seconds, channel)`` hears of it first: the token's limiter
    for that method then holds every other sender back for as long (``ratelimit.py``).
    """

    def __init__(
        self,
        *,
        max_retry_count: int = 3,
        max_wait: float = 10.0,
        on_limited: Callable[[str, float, str], None] | None = None,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.on_limited = on_limited

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after_of(response.headers)
        rate_limited("slack", _method_of_url(request.url)[:64])
        if self.on_limited is not None:
            channel = channel_of(request.body_params)
            self.on_limited(_method_of_url(request.url), 1.0 if wait is None else wait, channel)
        return wait is None or wait <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = retry_after_of(response.headers if response else None)
        state.next_attempt_requested = True
        await asyncio.sleep(1.0 if wait is None else wait)
        state.increment_current_attempt()


def retry_handlers(
    *,
    max_rate_limit_wait: float = 10.0,
    backoff: float = 1.0,
    on_limited: Callable[[str, float, str], None] | None = None,
) -> list[AsyncRetryHandler]:
    interval = FixedValueRetryIntervalCalculator(fixed_internal=backoff)
    return [
        _ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
        HonouringRateLimitRetryHandler(max_wait=max_rate_limit_wait, on_limited=on_limited),
        _ServerErrorRetryHandler(max_retry_count=1, interval_calculator=interval),
    ]


def build_client(
    token: str,
    *,
    api_url: str | None,
    max_rate_limit_wait: float = 10.0,
    backoff: float = 1.0,
    timeout: float = 15.0,
    rate_minute: float = 60.0,
) -> AsyncWebClient:
    """The Web API client: paced on Slack's limits for ``token`` (shared by every client of
    the token in the process; ``rate_minute``: the seconds of Slack's minute, 60), a 429
    pausing its method for every sender."""
    base_url = api_url or AsyncWebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"

    def limited(method: str, seconds: float, channel: str) -> None:
        limits_for(token, minute=rate_minute).pause(method, seconds, channel)

    handlers = retry_handlers(max_rate_limit_wait=max_rate_limit_wait, backoff=backoff, on_limited=limited)
    return PacedWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,  # aiohttp takes seconds as a float
        retry_handlers=handlers,
        minute=rate_minute,
    )


class TtlCache:
    """A tiny time-bounded cache for one value per key (monotonic clock)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def get(self, key: str) -> Any | None:
        item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > self.ttl:
            return None
        return item[1]

    def put(self, key: str, value: Any) -> None:
        self._items[key] = (time.monotonic(), value)

    def forget(self, key: str) -> None:
        self._items.pop(key, None)

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        """One loader per key at a time, so a burst of events makes one API call."""
        hit = self.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        async with self._locks.setdefault(key, asyncio.Lock()):
            hit = self.get(key)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
            value = await load()
            self.put(key, value)
            return value


class SlackApi:
    """Calls with error mapping, plus the directory caches the adapter needs."""

    def __init__(self, client: AsyncWebClient, *, ttl: float = 300.0, member_ttl: float = 60.0) -> None:
        self.client = client
        self.channels = TtlCache(ttl)  # "directory" -> {name: id}
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id (stable: never expires)
        self.users = TtlCache(member_ttl)  # user id -> users.info "user"
        self.groups = TtlCache(member_ttl)  # "all" -> usergroups.list with users, or [] if unavailable

    async def call(
        self, method: str, *, refusals: frozenset[str] = frozenset(), **params: Any
    ) -> dict[str, Any]:
        """One Web API call; a failure becomes a DeliveryError naming method and error code."""
        try:
            # slack_sdk's named methods know each method's encoding (JSON, form or query).
            response = await getattr(self.client, method.replace(".", "_"))(**params)
        except SlackApiError as exc:
            raise self.error(method, exc, refusals=refusals) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise MaybeCarriedOut(
                f"Slack {method}: network error ({type(exc).__name__})", answered=False
            ) from None
        data: dict[str, Any] = dict(response.data) if isinstance(response.data, dict) else {}
        return data

    @staticmethod
    def error_code(exc: SlackApiError) -> str:
        data = exc.response.data if exc.response is not None else None
        return str(data.get("error", "")) if isinstance(data, dict) else ""

    def error(self, method: str, exc: SlackApiError, *, refusals: frozenset[str] = frozenset()) -> Exception:
        response = exc.response
        status = int(getattr(response, "status_code", 0) or 0)
        data = response.data if response is not None and isinstance(response.data, dict) else {}
        code = str(data.get("error", "")) or f"HTTP {status}"
        if status == 429 or code == "ratelimited":
            retry_after = retry_after_of(getattr(response, "headers", None))
            return RetryableDeliveryError(f"Slack {method}: rate limited", retry_after=retry_after)
        if status >= 500 or code in _RETRYABLE:
            return MaybeCarriedOut(f"Slack {method}: {code} (Slack-side error, will retry)", answered=True)
        if code in refusals:
            return DirectMessageRefused(
                f"Slack {method}: the member does not accept messages from the bot ({code})"
            )
        if code == "missing_scope":
            needed = data.get("needed") or _SCOPES.get(method, "?")
            return SlackCallError(
                f"Slack {method}: missing_scope - add the bot scope {needed!r} to the app and reinstall it",
                method=method,
                code=code,
            )
        hint = _HINTS.get(code, "")
        return SlackCallError(f"Slack {method}: {code}{hint}", method=method, code=code)

    # ------------------------------------------------------------------ files

    async def upload_files(
        self,
        files: Sequence[Attachment],
        *,
        channel_id: str,
        thread_ts: str = "",
        initial_comment: str = "",
    ) -> list[str]:
        """Share ``files`` in a conversation (a thread if ``thread_ts``); returns the file ids.

        slack_sdk's ``files_upload_v2`` makes the three steps (see the module docstring); ten
        files at most go in one message, so more make several (the comment goes with the first).
        """
        file_ids: list[str] = []
        for start in range(0, len(files), FILES_PER_UPLOAD):
            batch = files[start : start + FILES_PER_UPLOAD]
            try:
                response = await self.client.files_upload_v2(
                    file_uploads=[
                        {"file": f.data, "filename": f.filename, "title": f.filename} for f in batch
                    ],
                    channel=channel_id,
                    thread_ts=thread_ts or None,
                    initial_comment=(initial_comment if start == 0 else "") or None,
                )
            except SlackApiError as exc:
                raise self.error(_method_of(exc), exc) from None
            except SlackRequestError as exc:
                raise _upload_error(exc) from None
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise RetryableDeliveryError(
                    f"Slack file upload: network error ({type(exc).__name__})"
                ) from None
            file_ids += [str(f.get("id", "")) for f in response.get("files") or ()]
        return file_ids

    # ------------------------------------------------------------------ directory

    async def channel_directory(self, *, refresh: bool = False) -> dict[str, str]:
        """{channel name: id} of public and private channels the bot can see."""
        if refresh:
            self.channels.forget("directory")
        return await self.channels.get_or_load("directory", self._load_channels)

    async def _load_channels(self) -> dict[str, str]:
        names: dict[str, str] = {}
        cursor = ""
        for _ in range(50):  # 50 pages x 1000 channels: more is a misconfiguration
            params: dict[str, Any] = {
                "types": "public_channel,private_channel",
                "exclude_archived": True,
                "limit": 1000,
            }
            if cursor:
                params["cursor"] = cursor
            data = await self.call("conversations.list", **params)
            for channel in data.get("channels") or ():
                names[str(channel.get("name", ""))] = str(channel.get("id", ""))
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return names

    async def channel_ids_or_empty(self) -> dict[str, str]:
        """{name: id} for rendering ``<#name>``; empty if the directory can't be read."""
        try:
            return await self.channel_directory()
        except DeliveryError as exc:
            log.warning("cannot list Slack channels: %s", exc)
            return {}

    async def channel_names(self) -> dict[str, str]:
        """{id: name}; empty if the directory can't be read (names are cosmetic in events)."""
        try:
            return {cid: name for name, cid in (await self.channel_directory()).items()}
        except DeliveryError as exc:
            log.warning("cannot list Slack channels: %s", exc)
            return {}

    async def resolve_channel(self, name_or_id: str) -> str:
        name = name_or_id.removeprefix("#")
        directory = await self.channel_directory()
        if name not in directory:
            directory = await self.channel_directory(refresh=True)
        if name not in directory:
            raise PermanentDeliveryError(
                f"Slack channel #{name} not found: create it, or invite the bot if it is private "
                "(needs channels:read and groups:read)"
            )
        return directory[name]

    async def dm_channel(self, user_ids: tuple[str, ...]) -> str:
        key = ",".join(sorted(user_ids))
        if key not in self.dm_channels:
            data = await self.call("conversations.open", refusals=DM_REFUSALS, users=",".join(user_ids))
            self.dm_channels[key] = str((data.get("channel") or {}).get("id", ""))
        return self.dm_channels[key]

    # ------------------------------------------------------------------ members

    async def user_info(self, user_id: str) -> dict[str, Any]:
        async def load() -> dict[str, Any]:
            try:
                data = await self.call("users.info", user=user_id)
            except PermanentDeliveryError as exc:
                log.warning("cannot read Slack user %s: %s", user_id, exc)
                return {"id": user_id}
            return dict(data.get("user") or {"id": user_id})

        return await self.users.get_or_load(user_id, load)

    async def usergroups(self) -> list[dict[str, Any]]:
        """All user groups with their members; [] when the workspace or token doesn't allow them."""

        async def load() -> list[dict[str, Any]]:
            try:
                data = await self.call("usergroups.list", include_users=True)
            except PermanentDeliveryError as exc:
                log.info("Slack user groups unavailable (%s); actors carry no roles", exc)
                return []
            return [dict(g) for g in data.get("usergroups") or ()]

        return await self.groups.get_or_load("all", load)


def _method_of(exc: SlackApiError) -> str:
    """Which step of files_upload_v2 failed (the response knows its URL)."""
    url = str(getattr(exc.response, "api_url", "") or "")
    return url.rstrip("/").rsplit("/", 1)[-1] or "files.uploadV2"


def _upload_error(exc: SlackRequestError) -> DeliveryError:
    """The POST of the bytes to the upload URL failed (slack_sdk raises SlackRequestError with
    the status in its text), or slack_sdk refused the arguments. Never echoes the upload URL."""
    match = _UPLOAD_STATUS.search(str(exc))
    status = int(match.group(1)) if match else 0
    if status == 429 or status >= 500:
        return RetryableDeliveryError(f"Slack file upload: HTTP {status} from the upload URL")
    if status:
        return PermanentDeliveryError(f"Slack file upload: the upload URL refused the file (HTTP {status})")
    return PermanentDeliveryError(f"Slack file upload: {type(exc).__name__}")
