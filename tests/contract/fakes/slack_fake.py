"""A fake Slack on 127.0.0.1 that the real slack-bolt / slack_sdk talk to.

- Web API under ``/api/<method>`` (query, form or JSON parameters, ``Authorization: Bearer``),
  with enough state for the adapter: a workspace, users, channels, user groups, DMs.
- A response_url sink under ``/response/<id>``.
- File uploads as slack_sdk's ``files_upload_v2`` makes them: ``files.getUploadURLExternal``
  hands out ``/upload/<file id>``, the POST there records the bytes (the length must match),
  ``files.completeUploadExternal`` shares uploaded files in a conversation (``shares``).
  Both methods need the ``files:write`` scope (``scopes``): without it they answer
  ``missing_scope`` with ``needed``, as Slack does.
- A Socket Mode websocket under ``/socket``: sends ``{"type": "hello"}``, then the envelopes
  a test pushes; records the client's acks (``{"envelope_id": ..., "payload": ...}``).
- Helpers to send *signed* HTTP requests to a bolt endpoint (Events API, slash commands,
  interactivity), exactly as Slack signs them.
- Messages the bot posts are kept per conversation with their ``metadata``; they are read
  back with ``conversations.history`` / ``conversations.replies`` (``oldest``, ``limit``,
  ``cursor``; metadata only with ``include_all_metadata``), each needing its history scope.
- ``users.list`` pages ``users`` in the order they were added (``limit``, ``cursor``); emails,
  ``users.lookupByEmail`` and ``team_join`` bodies are ``slack_people.py``'s.
- Every call is recorded; ``fail_next`` makes a method answer 429 (with Retry-After) or an
  error on demand (``"upload"`` for the upload URLs), before carrying it out or, with
  ``after_doing_it``, after (a 5xx whose message was posted); ``hold`` keeps a method's calls
  waiting until ``release`` (the client times out; the call is still carried out).
- Channels: ``conversations.list`` says ``is_member`` (the bot is in every channel but those in
  ``bot_absent_from``) and ``is_private``; ``conversations.create`` (Slack's name rules,
  ``name_taken``), ``conversations.join`` (public channels only), ``usergroups.create``,
  ``pins.add``/``pins.list``; ``auth.test`` answers the scopes in ``x-oauth-scopes``.
  ``channel_message`` is a member's post as Slack sends it: only from a channel the bot is in.
- Socket Mode: ``drop_socket`` closes the websocket as Slack does on a refresh; an envelope
  that was not acked when its socket closed is sent again on the next connection, with the
  same envelope id and ``retry_attempt`` + 1.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from .slack_limits import SlackLimits
from .slack_people import SlackPeople

__all__ = ["ApiCall", "FakeSlack", "SharedFiles", "UploadedFile", "sign"]

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
SIGNING_SECRET = "fake-signing-secret"
# The bot scopes of cohortbot/adapters/slack/manifest.yaml; a test removes one to see what happens.
BOT_SCOPES = frozenset(
    {
        "chat:write",
        "chat:write.public",
        "im:write",
        "mpim:write",
        "commands",
        "users:read",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
        "im:history",
        "reactions:read",
        "reactions:write",
        "pins:write",
        "pins:read",
        "channels:join",
        "usergroups:read",
        "usergroups:write",
        "channels:manage",
        "groups:write",
        "files:write",
        "mpim:history",
        "users:read.email",  # optional: emails in users.* answers, users.lookupByEmail (slack_people.py)
    }
)
# Methods whose scope the fake checks (the others are always allowed).
_NEEDED_SCOPE = {
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "conversations.join": "channels:join",
    "conversations.create": "channels:manage",
    "usergroups.create": "usergroups:write",
    "pins.list": "pins:read",
    "pins.add": "pins:write",
}


def sign(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    status: int = 200


@dataclass
class UploadedFile:
    file_id: str
    filename: str
    length: int
    alt_txt: str = ""
    data: bytes | None = None  # None until the bytes are POSTed to the upload URL
    title: str = ""
    shared: bool = False


@dataclass
class SharedFiles:
    """One files.completeUploadExternal: the files it shared and where."""

    channel: str
    thread_ts: str
    initial_comment: str
    files: list[UploadedFile]


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: float | None
    times: int


def _history_scope(channel: str) -> str:
    if channel.startswith("D"):
        return "im:history"
    if channel.startswith("G"):
        return "mpim:history"
    return "channels:history"


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


@dataclass
class FakeSlack(SlackPeople):
    team_id: str = "T0COHORT"
    team_name: str = "Cohort Test"
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> channel
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> group
    usergroups_error: str = ""  # e.g. "paid_teams_only": every usergroups.* fails
    dm_refused: set[str] = field(default_factory=set)  # users who can't be DMed
    expired_triggers: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=lambda: set(BOT_SCOPES))
    # Channels the bot is not in: chat:write.public still posts there, sharing files does not.
    bot_absent_from: set[str] = field(default_factory=set)
    uploads: dict[str, UploadedFile] = field(default_factory=dict)  # file id -> upload
    shares: list[SharedFiles] = field(default_factory=list)  # completed uploads, in order
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # response_url posts
    acks: list[dict[str, Any]] = field(default_factory=list)  # socket mode acks
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> posts
    envelopes: list[dict[str, Any]] = field(default_factory=list)  # every envelope sent
    connections: int = 0  # Socket Mode connections opened
    limits: SlackLimits | None = None  # rate limits enforced (slack_limits.py); None: none
    port: int = 0

    def __post_init__(self) -> None:
        self._failures: dict[str, list[_Failure]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._unacked: dict[str, dict[str, Any]] = {}  # envelope id -> envelope, in send order
        self._ts = itertools.count(100)
        self._sockets: list[web.WebSocketResponse] = []
        self._dropping: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self.users.setdefault(
            "UADMIN",
            {
                "id": "UADMIN",
                "name": "ada",
                "is_admin": True,
                "profile": {"display_name": "Ada", "email": "ada@example.org"},
            },
        )
        bo = {"display_name": "Bo", "email": "bo@example.org"}
        self.users.setdefault("UMEMBER", {"id": "UMEMBER", "name": "bo", "profile": bo})
        self.channels.setdefault("CWELCOME", {"id": "CWELCOME", "name": "welcome", "members": []})
        self.channels.setdefault("CINTROS", {"id": "CINTROS", "name": "intros", "members": []})

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "") -> str:
        return f"{self.url}/response/{name or uuid.uuid4().hex}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ test controls

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: float | None = 0,
        times: int = 1,
    ) -> None:
        self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times))

    def fail_after(self, method: str, *, status: int = 500, error: str = "internal_error") -> None:
        """The next call to ``method`` is carried out, then answered with an error."""
        self.fail_next(f"{method} after", status=status, error=error, retry_after=None)

    def hold(self, method: str) -> None:
        """Keep calls to ``method`` waiting (a slow Slack) until :meth:`release`."""
        self._holds[method] = asyncio.Event()

    def release(self, method: str) -> None:
        """Carry out the held calls (even those whose client gave up) and stop holding."""
        self._holds.pop(method).set()

    def posted_in(self, channel: str) -> list[dict[str, Any]]:
        """The messages posted in a conversation (thread replies included), oldest first."""
        return list(self.messages.get(channel, []))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    def shared_in(self, channel: str) -> list[SharedFiles]:
        return [share for share in self.shares if share.channel == channel]

    def add_usergroup(self, group_id: str, handle: str, users: list[str]) -> None:
        self.usergroups[group_id] = {
            "id": group_id,
            "handle": handle,
            "name": handle.title(),
            "users": list(users),
            "date_delete": 0,
        }

    async def wait_for(self, predicate: Callable[[], Any], *, within: float = 5.0) -> Any:
        """Poll briefly until ``predicate()`` is truthy (no fixed sleeps in tests)."""
        deadline = time.monotonic() + within
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {within}s")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ Web API

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            self.calls.append(ApiCall(method, params, 200))
            return _json({"ok": False, "error": "invalid_auth"})
        failure = self._take_failure(method)
        retry_after = self.limits.check(method, str(params.get("channel", ""))) if self.limits else None
        if failure is None and retry_after is not None:
            self.calls.append(ApiCall(method, params, 429))
            headers = {"Retry-After": f"{retry_after:g}"}
            return _json({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        if failure is not None:
            self.calls.append(ApiCall(method, params, failure.status))
            headers = {} if failure.retry_after is None else {"Retry-After": str(int(failure.retry_after))}
            return _json({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        needed = _NEEDED_SCOPE.get(method)
        if needed and needed not in self.scopes:
            self.calls.append(ApiCall(method, params))
            return _json(
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(self.scopes)),
                }
            )
        call = ApiCall(method, params)
        self.calls.append(call)
        held = self._holds.get(method)
        if held is not None:
            await held.wait()  # the client may time out meanwhile; the call is still carried out
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        result = handler(params) if handler else {"ok": True}
        late = self._take_failure(f"{method} after")
        if late is not None:  # carried out, but the answer is an error
            call.status = late.status
            return _json({"ok": False, "error": late.error}, status=late.status)
        if method == "auth.test":  # like Slack: the token's scopes in a header
            return _json(result, headers={"x-oauth-scopes": ",".join(sorted(self.scopes))})
        return _json(result)

    def _take_failure(self, method: str) -> _Failure | None:
        failures = self._failures.get(method)
        if not failures:
            return None
        failure = failures[0]
        failure.times -= 1
        if failure.times <= 0:
            failures.pop(0)
        return failure

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://cohort-test.slack.com/",
            "team": self.team_name,
            "user": "cohortbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user")))
        return {"ok": True, "user": self.shown(user)} if user else {"ok": False, "error": "user_not_found"}

    def _m_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        """Every user in the order added, a page at a time (``limit`` at most 1,000, ``cursor``)."""
        start = int(str(p.get("cursor") or "0").removeprefix("page:"))
        limit = min(int(p.get("limit") or 1000), 1000)
        users = list(self.users.values())
        page = [self.shown(u) for u in users[start : start + limit]]
        following = f"page:{start + limit}" if start + limit < len(users) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(p.get("users", "")).split(",") if u]
        if any(u in self.dm_refused for u in users):
            return {"ok": False, "error": "cannot_dm_bot"}
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        prefix = "D" if len(users) == 1 else "G"
        return {"ok": True, "channel": {"id": prefix + "".join(sorted(users))}}

    def _m_conversations_list(self, p: dict[str, Any]) -> dict[str, Any]:
        channels = [
            {
                "id": c["id"],
                "name": c["name"],
                "is_channel": True,
                "is_private": bool(c.get("is_private")),
                "is_archived": False,
                "is_member": c["id"] not in self.bot_absent_from,
            }
            for c in self.channels.values()
            # Like Slack: a private channel is listed only to its members.
            if not (c.get("is_private") and c["id"] in self.bot_absent_from)
        ]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_create(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p.get("name", ""))
        if not re.fullmatch(r"[a-z0-9_-]{1,80}", name):
            return {"ok": False, "error": "invalid_name_specials" if name else "invalid_name_required"}
        if any(c["name"] == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        private = _truthy(p.get("is_private", ""))
        cid = ("G" if private else "C") + uuid.uuid4().hex[:9].upper()
        self.channels[cid] = {"id": cid, "name": name, "members": [self.bot_user_id], "is_private": private}
        return {"ok": True, "channel": {"id": cid, "name": name, "is_private": private, "is_member": True}}

    def _m_conversations_join(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(p.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.get("is_private"):
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.bot_absent_from.discard(channel["id"])
        return {"ok": True, "channel": {"id": channel["id"], "name": channel["name"], "is_member": True}}

    def channel_message(self, channel: str, user: str, text: str) -> dict[str, Any] | None:
        """A member's post in ``channel`` as the Events API payload Slack sends the bot, or None:
        Slack sends a bot no ``message.channels`` event from a channel it is not in."""
        if channel in self.bot_absent_from:
            return None
        ts = f"{time.time():.0f}.{next(self._ts):06d}"
        posted = {"type": "message", "ts": ts, "text": text, "user": user}
        self.messages.setdefault(channel, []).append(posted)
        return {
            "token": "XXYYZZ",
            "team_id": self.team_id,
            "api_app_id": "A0COHORT",
            "event": {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": ts,
                "event_ts": ts,
                "channel_type": "channel",
                "team": self.team_id,
            },
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(float(ts)),
        }

    def _m_conversations_invite(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(p.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        user = str(p.get("users"))
        if user in channel["members"]:
            return {"ok": False, "error": "already_in_channel"}
        channel["members"].append(user)
        return {"ok": True, "channel": {"id": channel["id"]}}

    def _m_conversations_kick(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(p.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        user = str(p.get("user"))
        if user not in channel["members"]:
            return {"ok": False, "error": "not_in_channel"}
        channel["members"].remove(user)
        return {"ok": True}

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if not channel.startswith(("D", "G")) and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        ts = f"{time.time():.0f}.{next(self._ts):06d}"
        metadata = p.get("metadata")
        if isinstance(metadata, str):  # form-encoded callers send it as JSON text
            metadata = json.loads(metadata)
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "text": p.get("text"),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
        }
        if p.get("thread_ts"):
            message["thread_ts"] = str(p["thread_ts"])
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _readable(self, channel: str) -> dict[str, Any] | None:
        """Why the bot can't read a conversation's history, or None."""
        if not channel.startswith(("D", "G")) and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        needed = _history_scope(channel)
        if needed not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": needed}
        if channel in self.bot_absent_from:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _page(self, p: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
        oldest = float(p.get("oldest") or 0)
        messages = [m for m in messages if float(m["ts"]) > oldest]
        if not _truthy(p.get("include_all_metadata", "")):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        start = int(p.get("cursor") or 0)
        limit = min(int(p.get("limit") or 100), 999)
        page, rest = messages[start : start + limit], messages[start + limit :]
        cursor = str(start + limit) if rest else ""
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(rest),
            "response_metadata": {"next_cursor": cursor},
        }

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if refusal := self._readable(channel):
            return refusal
        top_level = [m for m in self.messages.get(channel, []) if m.get("thread_ts", m["ts"]) == m["ts"]]
        return self._page(p, list(reversed(top_level)))  # newest first, as Slack answers

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, parent = str(p.get("channel", "")), str(p.get("ts", ""))
        if refusal := self._readable(channel):
            return refusal
        thread = [m for m in self.messages.get(channel, []) if parent in (m["ts"], m.get("thread_ts"))]
        return self._page(p, thread)  # the parent first, then the replies, oldest first

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        filename = str(p.get("filename") or "")
        try:
            length = int(p.get("length", ""))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        self.uploads[file_id] = UploadedFile(file_id, filename, length, alt_txt=str(p.get("alt_txt") or ""))
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        try:
            wanted = json.loads(str(p.get("files") or "[]"))
        except json.JSONDecodeError:
            return {"ok": False, "error": "invalid_arguments"}
        files = [self.uploads.get(str(f.get("id"))) for f in wanted]
        if not files or any(f is None or f.data is None or f.shared for f in files):
            return {"ok": False, "error": "file_not_found"}
        channel = str(p.get("channel_id") or "")
        if channel and not channel.startswith(("D", "G")) and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.bot_absent_from:
            return {"ok": False, "error": "not_in_channel"}
        uploaded = [f for f in files if f is not None]
        for f, spec in zip(uploaded, wanted, strict=True):
            f.title, f.shared = str(spec.get("title") or f.filename), True
        file_message: dict[str, Any] = {  # how a share shows in the conversation
            "type": "message",
            "ts": f"{time.time():.0f}.{next(self._ts):06d}",
            "text": str(p.get("initial_comment") or ""),
            "user": self.bot_user_id,
            "upload": True,
            "files": [{"id": f.file_id, "name": f.filename, "title": f.title} for f in uploaded],
        }
        if p.get("thread_ts"):
            file_message["thread_ts"] = str(p["thread_ts"])
        self.messages.setdefault(channel, []).append(file_message)
        self.shares.append(
            SharedFiles(
                channel=channel,
                thread_ts=str(p.get("thread_ts") or ""),
                initial_comment=str(p.get("initial_comment") or ""),
                files=uploaded,
            )
        )
        return {
            "ok": True,
            "files": [{"id": f.file_id, "title": f.title, "name": f.filename} for f in uploaded],
        }

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if str(p.get("trigger_id")) in self.expired_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        return {"ok": True, "view": {"id": "V" + uuid.uuid4().hex[:8].upper()}}

    def _m_reactions_add(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _m_pins_add(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel", "")), str(p.get("timestamp", ""))
        message = next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)
        if message is None:
            return {"ok": True}  # a message the fake does not keep (posted before it started)
        if message.get("pinned"):
            return {"ok": False, "error": "already_pinned"}
        message["pinned"] = True
        return {"ok": True}

    def _m_pins_list(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        pinned = [m for m in reversed(self.messages.get(channel, [])) if m.get("pinned")]
        return {"ok": True, "items": [{"type": "message", "channel": channel, "message": m} for m in pinned]}

    def _m_usergroups_create(self, p: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._usergroups_refusal():
            return refusal
        name, handle = str(p.get("name", "")), str(p.get("handle", ""))
        if any(g["name"] == name for g in self.usergroups.values()):
            return {"ok": False, "error": "name_already_exists"}
        if any(g["handle"] == handle for g in self.usergroups.values()):
            return {"ok": False, "error": "handle_already_exists"}
        group_id = "S" + uuid.uuid4().hex[:9].upper()
        self.add_usergroup(group_id, handle, [])
        self.usergroups[group_id]["name"] = name
        return {"ok": True, "usergroup": {k: v for k, v in self.usergroups[group_id].items() if k != "users"}}

    def _usergroups_refusal(self) -> dict[str, Any] | None:
        return {"ok": False, "error": self.usergroups_error} if self.usergroups_error else None

    def _m_usergroups_list(self, p: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._usergroups_refusal():
            return refusal
        include_users = str(p.get("include_users", "")).lower() in ("1", "true")
        groups = [
            {k: v for k, v in g.items() if include_users or k != "users"} for g in self.usergroups.values()
        ]
        return {"ok": True, "usergroups": groups}

    def _m_usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._usergroups_refusal():
            return refusal
        group = self.usergroups.get(str(p.get("usergroup")))
        return (
            {"ok": True, "users": list(group["users"])}
            if group
            else {"ok": False, "error": "no_such_subteam"}
        )

    def _m_usergroups_users_update(self, p: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._usergroups_refusal():
            return refusal
        group = self.usergroups.get(str(p.get("usergroup")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        group["users"] = [u for u in str(p.get("users", "")).split(",") if u]  # REPLACES the list
        return {"ok": True, "usergroup": group}

    # ------------------------------------------------------------------ response_url

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"id": request.match_info["rid"], **body})
        return web.Response(text="ok", content_type="text/plain")

    # ------------------------------------------------------------------ upload URLs

    async def _upload(self, request: web.Request) -> web.Response:
        """Slack's upload URLs take the raw bytes (no token) and answer ``OK - <length>``."""
        upload = self.uploads.get(request.match_info["file_id"])
        data = await request.read()
        params = {"file_id": request.match_info["file_id"], "length": len(data)}
        failure = self._take_failure("upload")  # fail_next("upload", status=503)
        if failure is not None:
            self.calls.append(ApiCall("upload", params, failure.status))
            return web.Response(status=failure.status, text=failure.error, content_type="text/plain")
        self.calls.append(ApiCall("upload", params))
        if upload is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        if len(data) != upload.length:
            return web.Response(status=400, text="length mismatch", content_type="text/plain")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    # ------------------------------------------------------------------ Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake"},
                    "connection_info": {"app_id": "A1"},
                }
            )
        )
        # Like Slack: what was not acknowledged on an earlier connection comes again.
        for envelope in list(self._unacked.values()):
            again = {**envelope}
            if again["type"] == "events_api":
                again.update(retry_attempt=envelope.get("retry_attempt", 0) + 1, retry_reason="timeout")
            self._unacked[envelope["envelope_id"]] = again
            self.envelopes.append(again)
            await ws.send_str(json.dumps(again))
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT and ws not in self._dropping:
                    ack = json.loads(msg.data)
                    self.acks.append(ack)
                    self._unacked.pop(str(ack.get("envelope_id")), None)
        finally:
            self._sockets.remove(ws)
            self._dropping.discard(ws)
        return ws

    async def drop_socket(self) -> None:
        """Close the current Socket Mode connection (Slack refreshes them every few hours)."""
        await self.wait_for(lambda: self._sockets)
        await self._sockets[-1].close(code=1001, message=b"refresh")

    async def push_envelope(
        self,
        payload: dict[str, Any],
        *,
        kind: str,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        drop: bool = False,
    ) -> str:
        """Send one Socket Mode envelope (events_api, slash_commands or interactive).

        ``drop``: close the connection right after sending it, before its ack can arrive.
        """
        await self.wait_for(lambda: self._sockets)
        envelope_id = envelope_id or uuid.uuid4().hex
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout" if retry_attempt else "")
        self._unacked[envelope_id] = envelope
        self.envelopes.append(envelope)
        ws = self._sockets[-1]
        if drop:
            self._dropping.add(ws)  # an ack that still comes on this connection is lost
        await ws.send_str(json.dumps(envelope))
        if drop:
            await ws.close(code=1001, message=b"refresh")
        return envelope_id

    async def wait_ack(self, envelope_id: str, *, within: float = 5.0) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)

        ack: dict[str, Any] = await self.wait_for(found, within=within)
        return ack

    # ------------------------------------------------------------------ signed HTTP to a bolt endpoint

    @staticmethod
    def encode(payload: dict[str, Any], kind: str) -> tuple[str, str]:
        """(body, content type) as Slack sends each kind of request."""
        if kind == "events_api":
            return json.dumps(payload), "application/json"
        if kind == "slash_commands":
            return urlencode(payload), "application/x-www-form-urlencoded"
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"

    async def send_signed(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        kind: str,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        retry_num: int | None = None,
        signature: str | None = None,
    ) -> tuple[int, str]:
        body, content_type = self.encode(payload, kind)
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(secret, ts, body),
        }
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
            return resp.status, await resp.text()


def _json(data: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json" (no charset), as Slack answers.
    return web.Response(
        text=json.dumps(data), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )
