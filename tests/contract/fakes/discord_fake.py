"""A fake Discord on 127.0.0.1 that the real discord.py talks to over HTTP and websockets.

REST under ``/api/v10`` (every call recorded in ``calls``) and the gateway at ``/gateway``:
HELLO, heartbeat ACK, IDENTIFY (privileged intents enforced: close 4014), READY with
``resume_gateway_url``, GUILD_CREATE, member chunks, then dispatches the test asks for.
Responses carry ``Content-Type: application/json`` exactly; a 429 carries ``Via`` and a JSON
``retry_after`` so discord.py retries it like Discord's. Like Discord, a message create with
``enforce_nonce`` returns the first message with that nonce (same bot, same channel, within
``nonce_window`` seconds of ``clock``); gateway sessions are resumable (RESUME replays what was
dispatched after the client's sequence, then RESUMED) unless ``refuse_resume``.

It holds one server (``guild_id``, where the helpers act by default) and more with
:meth:`FakeDiscord.add_guild`. Like Discord, an IDENTIFY with ``shard: [i, n]`` receives READY
and GUILD_CREATE only for the servers with ``(guild_id >> 22) % n == i``, and each server's
dispatches go to that shard's session only (DMs to shard 0). A server made unavailable
(:meth:`FakeDiscord.set_available`) is listed in READY but sent as ``{"unavailable": true}``
until it is available again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web

from .discord_admin_routes import AdminRoutes
from .discord_limits import DiscordLimits
from .discord_people import MemberSearch

__all__ = ["BOT_TOKEN", "Call", "FakeDiscord"]

BOT_TOKEN = "fake-discord-bot-token"
MEMBERS, MESSAGE_CONTENT, PRESENCES = 1 << 1, 1 << 15, 1 << 8
LARGE_THRESHOLD = 250  # Discord's default: a bigger server's GUILD_CREATE omits its members
MANAGE_GUILD, ADMINISTRATOR = 1 << 5, 1 << 3
API = "/api/v10"


@dataclass
class Call:
    method: str
    route: str  # e.g. "POST /channels/{channel_id}/messages"
    path: str
    status: int
    json: Any = None
    files: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    match: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the request reached the fake


_CALL = web.RequestKey("call", Call)


@dataclass
class _Session:
    """One gateway session: its sequence, every DISPATCH it was sent, its socket if connected."""

    id: str
    ws: web.WebSocketResponse | None
    shard: tuple[int, int] = (0, 1)  # [shard_id, num_shards] from IDENTIFY
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)

    def holds(self, guild_id: str | None) -> bool:
        """Discord's routing: a server to shard ``(id >> 22) % n``, DMs to shard 0."""
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id if guild_id else shard_id == 0

    async def send(self, event: str, data: Any) -> None:
        self.seq += 1
        frame = {"op": 0, "s": self.seq, "t": event, "d": data}
        self.log.append(frame)
        if self.ws is not None and not self.ws.closed:
            await self.ws.send_json(frame)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _reply(data: Any = None, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    if data is None and status == 200:
        status = 204
    if status == 204:  # no body, no content type (like Discord)
        return web.Response(status=204, headers=headers)
    body = json.dumps(data).encode()
    return web.Response(
        status=status, body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _reply({"message": message, "code": code}, status)


class FakeDiscord(AdminRoutes, MemberSearch):
    def __init__(self, *, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.members_intent_enabled = True  # the Developer Portal toggle
        self.member_pages = 0  # List Guild Members requests answered
        self.member_searches: list[str] = []  # Search Guild Members queries answered (discord_people.py)
        self.message_content_intent_enabled = True
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self.app_id = self.new_id()
        self.bot = self._user(self.app_id, "cohortbot", bot=True)
        self.guild_id = self.new_id()
        self.guild_name = "Learning Cohort"
        self.guilds: dict[str, dict[str, Any]] = {}  # id -> name, available, bot_role, members
        self.channels: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self._role_guild: dict[str, str] = {}  # role id -> its server's id
        self.members: dict[str, dict[str, Any]] = {}  # the members of ``guild_id``
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.scheduled_events: dict[str, dict[str, Any]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.interactions: dict[str, dict[str, Any]] = {}  # by token
        self.calls: list[Call] = []
        self.sessions: list[dict[str, Any]] = []  # one per accepted IDENTIFY: intents, shard
        self._refused_dms: set[str] = set()
        self._dm_channels: dict[str, str] = {}
        self._failures: list[tuple[str, int, int, dict[str, Any]]] = []
        self._sessions: dict[str, _Session] = {}  # gateway sessions by id, resumable
        self.connections = 0  # websocket connections opened (a resume or reconnect adds one)
        self.resumes: list[dict[str, Any]] = []  # one per accepted RESUME: session_id, seq
        self.refuse_resume = False  # True: answer RESUME with INVALID_SESSION (identify again)
        self._gateway_up = asyncio.Event()  # cleared: new gateway connections wait (an outage)
        self._gateway_up.set()
        self.clock: Callable[[], float] = time.monotonic  # seconds; a test may move it by hand
        self.nonce_window = 300.0  # how long a message nonce is enforced ("a few minutes")
        self._nonces: dict[tuple[str, str, str], tuple[dict[str, Any], float]] = {}
        self._holds: dict[str, asyncio.Event] = {}  # route -> released when set
        self._drops: dict[str, int] = {}  # route -> how many more calls lose their connection
        self.limits: DiscordLimits | None = None  # rate limits enforced (discord_limits.py); None: none
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.bot_role = self._open_guild(self.guild_id, self.guild_name, members=self.members)
        self.add_role("Moderators", permissions=MANAGE_GUILD)
        self.add_role("Champion")
        for name in ("general", "welcome", "introductions"):
            self.add_channel(name)
        self.add_channel("Live room", kind=2)

    def _open_guild(self, gid: str, name: str, *, members: dict[str, dict[str, Any]]) -> dict[str, Any]:
        self.guilds[gid] = {"id": gid, "name": name, "available": True, "members": members}
        self.add_role("@everyone", role_id=gid, permissions=1 << 10 | 1 << 11, guild_id=gid)
        bot_role = self.add_role("cohortbot", permissions=ADMINISTRATOR, position=10, guild_id=gid)
        self.guilds[gid]["bot_role"] = bot_role
        return bot_role

    def add_guild(
        self, name: str, *, shard: tuple[int, int] | None = None, channels: tuple[str, ...] = ("general",)
    ) -> str:
        """Another server the bot is in, with its own channels; ``shard=(i, n)``: an id that
        Discord routes to shard ``i`` of ``n``. Added before the bot connects (or it learns
        of the server only at its next IDENTIFY). Returns its id."""
        gid = int(self.new_id())
        while shard is not None and (gid >> 22) % shard[1] != shard[0]:
            gid += 1 << 22  # the next id with another (timestamp) part
        self._open_guild(str(gid), name, members={})
        for channel in channels:
            self.add_channel(channel, guild_id=str(gid))
        return str(gid)

    async def set_available(self, guild_id: str, available: bool) -> None:
        """A server outage (GUILD_DELETE ``unavailable``) or its end (the full GUILD_CREATE)."""
        self.guilds[guild_id]["available"] = available
        if available:
            await self.dispatch("GUILD_CREATE", self._guild_payload(guild_id))
        else:
            await self.dispatch("GUILD_DELETE", {"id": guild_id, "unavailable": True})

    # ------------------------------------------------------------------ model helpers

    def new_id(self) -> str:
        return str(next(self._ids))

    @staticmethod
    def _user(user_id: str, name: str, *, bot: bool = False, username: str | None = None) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": username or name,  # the login handle; ``name`` is the display name
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
        }

    def add_role(
        self,
        name: str,
        *,
        role_id: str | None = None,
        permissions: int = 0,
        position: int = 1,
        guild_id: str | None = None,
    ) -> dict[str, Any]:
        rid = role_id or self.new_id()
        gid = guild_id or self.guild_id
        self._role_guild[rid] = gid
        role = {
            "id": rid,
            "name": name,
            "permissions": str(permissions),
            "position": 0 if rid == gid else position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }
        self.roles[rid] = role
        return role

    def role_named(self, name: str, *, guild_id: str | None = None) -> dict[str, Any]:
        gid = guild_id or self.guild_id
        return next(r for r in self.roles.values() if r["name"] == name and self._role_guild[r["id"]] == gid)

    def add_channel(self, name: str, *, kind: int = 0, guild_id: str | None = None) -> dict[str, Any]:
        cid = self.new_id()
        channel = {
            "id": cid,
            "type": kind,
            "guild_id": guild_id or self.guild_id,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "bitrate": 64000,
            "user_limit": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "topic": None,
        }
        self.channels[cid] = channel
        return channel

    def channel_named(self, name: str, *, guild_id: str | None = None) -> dict[str, Any]:
        gid = guild_id or self.guild_id
        return next(c for c in self.channels.values() if c.get("name") == name and c.get("guild_id") == gid)

    def _member(
        self, user: dict[str, Any], *, roles: list[str], pending: bool, joined_at: str
    ) -> dict[str, Any]:
        return {
            "user": user,
            "nick": None,
            "roles": roles,
            "joined_at": joined_at,
            "deaf": False,
            "mute": False,
            "pending": pending,
            "flags": 0,
            "avatar": None,
            "premium_since": None,
        }

    def _all_members(self, guild_id: str) -> list[dict[str, Any]]:
        guild = self.guilds[guild_id]
        return [
            self._member(self.bot, roles=[guild["bot_role"]["id"]], pending=False, joined_at=_now()),
            *guild["members"].values(),
        ]

    def _guild_payload(self, guild_id: str | None = None) -> dict[str, Any]:
        guild = self.guilds[guild_id or self.guild_id]
        gid = guild["id"]
        everyone = self._all_members(gid)
        # Like Discord: a large server's GUILD_CREATE lists only the bot's own member.
        large = len(everyone) > LARGE_THRESHOLD
        members = everyone[:1] if large else everyone
        channels = [c for c in self.channels.values() if c.get("guild_id") == gid]
        return {
            "id": gid,
            "name": guild["name"],
            "icon": None,
            "owner_id": self.new_id(),
            "features": [],
            "member_count": len(everyone),
            "members": members,
            "large": large,
            "channels": [c for c in channels if c["type"] in (0, 2)],
            "threads": [c for c in channels if c["type"] in (11, 12)],
            "roles": [r for r in self.roles.values() if self._role_guild[r["id"]] == gid],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "soundboard_sounds": [],
            "guild_scheduled_events": [e for e in self.scheduled_events.values() if e["guild_id"] == gid],
            "unavailable": False,
            "joined_at": _now(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "afk_timeout": 300,
        }

    # ------------------------------------------------------------------ server lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        for method, route, handler in self._routes():
            app.router.add_route(method, API + route, handler)
        app.router.add_route("*", API + "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            if session.ws is not None:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API):
            passed: web.StreamResponse = await handler(request)
            return passed
        info = request.match_info
        canonical = info.route.resource.canonical if info.route.resource else request.path
        route = f"{request.method} {canonical.removeprefix(API)}"
        call = Call(
            request.method,
            route,
            request.path.removeprefix(API),
            0,
            params=dict(request.query),
            match={k: v for k, v in info.items()},
        )
        await self._read_body(request, call)
        self.calls.append(call)
        request[_CALL] = call
        if self._drops.get(route):
            self._drops[route] -= 1
            assert request.transport is not None
            request.transport.close()  # the connection drops before any answer
            raise web.HTTPServiceUnavailable  # never reaches the client
        response = self._injected_failure(route)
        held = self._holds.get(route)
        if response is None and held is not None:
            await held.wait()  # the client may time out meanwhile; the call is still carried out
        if response is None and not self._authorised(request):
            response = _error(401, 0, "401: Unauthorized")
        limited = None
        if self.limits is not None and response is None:
            limited = self.limits.check(route, call.path, call.match)
        if limited is not None and limited.status == 429:
            response = _reply(limited.body, 429, limited.headers)
        if response is None:
            response = await handler(request)
            if limited is not None:
                response.headers.update(limited.headers)
            failed_late = self._injected_failure(f"{route} after")
            response = failed_late or response  # carried out, but the answer is lost
        call.status = response.status
        return response

    @staticmethod
    async def _read_body(request: web.Request, call: Call) -> None:
        if request.content_type == "application/json" and request.can_read_body:
            call.json = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    call.json = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    call.files.append(part.filename or "")  # type: ignore[union-attr]
                    await part.read()  # type: ignore[union-attr]

    def _authorised(self, request: web.Request) -> bool:
        if request.path.startswith((f"{API}/interactions/", f"{API}/webhooks/")):
            return True  # authorised by the interaction token in the URL
        return request.headers.get("Authorization") == f"Bot {self.token}"

    def _injected_failure(self, route: str) -> web.Response | None:
        for i, (wanted, status, times, extra) in enumerate(self._failures):
            if wanted != route:
                continue
            if times <= 1:
                del self._failures[i]
            else:
                self._failures[i] = (wanted, status, times - 1, extra)
            if status == 429:
                retry_after = extra.get("retry_after", 0.05)
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": extra.get("is_global", False),
                }
                return _reply(body, 429, {"Via": "1.1 google", "Retry-After": str(retry_after)})
            return _error(status, extra.get("code", 0), extra.get("message", f"{status} injected"))
        return None

    async def _unknown(self, request: web.Request) -> web.Response:
        return _error(404, 0, "404: Not Found")

    def _routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/users/@me", self._me),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", "/gateway", self._gateway_info),
            ("GET", "/gateway/bot", self._gateway_info),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/users/@me/channels", self._open_dm),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("POST", "/channels/{channel_id}/threads", self._create_thread),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._create_thread),
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}", self._no_content),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._no_content),
            ("GET", "/guilds/{guild_id}/members", self._list_members),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._change_role),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._change_role),
            ("POST", "/guilds/{guild_id}/scheduled-events", self._create_event),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{application_id}/{token}", self._followup),
            ("PATCH", "/webhooks/{application_id}/{token}/messages/@original", self._edit_original),
            *self.people_route_table(),  # member search: before members/{user_id} takes "search"
            *self.admin_route_table(),  # servers, channels, roles, overwrites, pins
        ]

    async def _no_content(self, request: web.Request) -> web.Response:
        return _reply(None)

    # ------------------------------------------------------------------ REST handlers

    async def _list_members(self, request: web.Request) -> web.Response:
        """List Guild Members: by user id, ``limit`` (1-1,000) after the id ``after``."""
        gid = request.match_info["guild_id"]
        if gid not in self.guilds:
            return _error(404, 10004, "Unknown Guild")
        limit = int(request.query.get("limit", "1"))
        after = int(request.query.get("after", "0"))
        if not 1 <= limit <= 1000:
            return _error(400, 50035, "Invalid Form Body")
        self.member_pages += 1
        ordered = sorted(self._all_members(gid), key=lambda m: int(m["user"]["id"]))
        return _reply([m for m in ordered if int(m["user"]["id"]) > after][:limit])

    async def _me(self, request: web.Request) -> web.Response:
        return _reply(self.bot)

    async def _get_user(self, request: web.Request) -> web.Response:
        """GET /users/{id}: anyone in a server the bot is in (10013 Unknown User otherwise)."""
        wanted = request.match_info["user_id"]
        for guild in self.guilds.values():
            if wanted in guild["members"]:
                return _reply(guild["members"][wanted]["user"])
        return _error(404, 10013, "Unknown User")

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return _reply(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _application(self, request: web.Request) -> web.Response:
        return _reply(
            {
                "id": self.app_id,
                "name": "cohortbot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self._user("1", "owner"),
                "verify_key": "00",
                "flags": self.application_flags(),  # the privileged intents enabled
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        call: Call = request[_CALL]
        guild = request.match_info.get("guild_id")
        stored = [
            {
                **c,
                "id": self.new_id(),
                "application_id": self.app_id,
                "version": "1",
                "guild_id": guild,
                "default_member_permissions": c.get("default_member_permissions"),
            }
            for c in call.json
        ]
        self.commands[guild] = stored
        return _reply(stored)

    async def _open_dm(self, request: web.Request) -> web.Response:
        user_id = str(request[_CALL].json["recipient_id"])
        member = self.members.get(user_id)
        user = member["user"] if member else self._user(user_id, f"user{user_id[-4:]}")
        cid = self._dm_channels.setdefault(user_id, self.new_id())
        self.channels.setdefault(
            cid,
            {"id": cid, "type": 1, "recipients": [user], "last_message_id": None, "recipient_id": user_id},
        )
        return _reply(self.channels[cid])

    def _message(
        self,
        channel_id: str,
        body: dict[str, Any],
        author: dict[str, Any],
        files: list[str],
        *,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        channel = self.channels.get(channel_id, {})
        message: dict[str, Any] = {
            "id": message_id or self.new_id(),
            "channel_id": channel_id,
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "type": 0,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "flags": body.get("flags") or 0,
            "attachments": [
                {
                    "id": self.new_id(),
                    "filename": f,
                    "size": 1,
                    "url": f"http://x/{f}",
                    "proxy_url": f"http://x/{f}",
                }
                for f in files
            ],
        }
        if "guild_id" in channel:
            message["guild_id"] = channel["guild_id"]
        if body.get("poll"):
            poll = body["poll"]
            expiry = datetime.now(UTC) + timedelta(hours=poll.get("duration", 24))
            message["poll"] = {
                "question": poll["question"],
                "expiry": expiry.isoformat(),
                "allow_multiselect": poll.get("allow_multiselect", False),
                "layout_type": 1,
                "answers": [
                    {"answer_id": i + 1, "poll_media": a["poll_media"]} for i, a in enumerate(poll["answers"])
                ],
            }
        self.messages.setdefault(channel_id, []).append(message)
        return message

    async def _create_message(self, request: web.Request) -> web.Response:
        call: Call = request[_CALL]
        channel_id = request.match_info["channel_id"]
        channel = self.channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel["type"] == 1 and channel["recipient_id"] in self._refused_dms:
            return _error(403, 50007, "Cannot send messages to this user")
        body = call.json or {}
        nonce = body.get("nonce")
        seen = (channel_id, self.bot["id"], str(nonce))
        if nonce is not None and body.get("enforce_nonce") and seen in self._nonces:
            first, at = self._nonces[seen]
            if self.clock() - at < self.nonce_window:
                return _reply(first)  # like Discord: the first message again, nothing new posted
        message = self._message(channel_id, body, self.bot, call.files)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[seen] = (message, self.clock())
        await self.dispatch("MESSAGE_CREATE", message)
        return _reply(message)

    async def _create_thread(self, request: web.Request) -> web.Response:
        body = request[_CALL].json or {}
        parent = request.match_info["channel_id"]
        if parent not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        tid = request.match_info.get("message_id") or self.new_id()
        thread = {
            "id": tid,
            "type": body.get("type", 11),
            "guild_id": self.channels[parent].get("guild_id", self.guild_id),
            "parent_id": parent,
            "name": body["name"],
            "owner_id": self.app_id,
            "member_count": 1,
            "message_count": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body["auto_archive_duration"],
                "archive_timestamp": _now(),
                "locked": False,
                "invitable": body.get("invitable", True),
            },
        }
        self.channels[tid] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _reply(thread, 201)

    async def _change_role(self, request: web.Request) -> web.Response:
        guild = self.guilds.get(request.match_info["guild_id"])
        role = self.roles.get(request.match_info["role_id"])
        member = guild["members"].get(request.match_info["user_id"]) if guild else None
        if role is None:
            return _error(404, 10011, "Unknown Role")
        if member is None:
            return _error(404, 10007, "Unknown Member")
        if role["position"] >= guild["bot_role"]["position"]:  # type: ignore[index]
            return _error(403, 50013, "Missing Permissions")
        roles: list[str] = member["roles"]
        if request.method == "PUT" and role["id"] not in roles:
            roles.append(role["id"])
        elif request.method == "DELETE" and role["id"] in roles:
            roles.remove(role["id"])
        await self.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": guild["id"]})  # type: ignore[index]
        return _reply(None)

    async def _create_event(self, request: web.Request) -> web.Response:
        body = request[_CALL].json
        event = {
            "id": self.new_id(),
            "guild_id": request.match_info["guild_id"],
            "creator_id": self.app_id,
            "user_count": 0,
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body["privacy_level"],
            "status": 1,
            "entity_type": body["entity_type"],
            "channel_id": body.get("channel_id"),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
        }
        self.scheduled_events[event["id"]] = event
        await self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
        return _reply(event)

    async def _callback(self, request: web.Request) -> web.Response:
        call: Call = request[_CALL]
        interaction = self.interactions.get(request.match_info["token"])
        if interaction is None or interaction["id"] != request.match_info["interaction_id"]:
            return _error(404, 10062, "Unknown interaction")
        if interaction["responses"]:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        interaction["responses"].append(body)
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] == 4:
            resource["message"] = self._message(interaction["channel_id"], data, self.bot, call.files)
        flags = data.get("flags") or 0
        return _reply(
            {
                "interaction": {
                    "id": interaction["id"],
                    "type": interaction["type"],
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & 64),
                },
                "resource": resource,
            }
        )

    async def _followup(self, request: web.Request) -> web.Response:
        call: Call = request[_CALL]
        interaction = self.interactions.get(request.match_info["token"])
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        interaction["followups"].append(call.json or {})
        return _reply(self._message(interaction["channel_id"], call.json or {}, self.bot, call.files))

    async def _edit_original(self, request: web.Request) -> web.Response:
        return await self._followup(request)

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        await self._gateway_up.wait()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        session: _Session | None = None
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            op, data = frame.get("op"), frame.get("d")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                session = await self._identify(ws, data)
            elif op == 6:
                session = await self._resume(ws, data)
            elif op == 8 and session is not None:
                # REQUEST_GUILD_MEMBERS: like Discord, chunks of up to 1,000 members.
                everyone = self._all_members(str(data["guild_id"]))
                count = max(1, -(-len(everyone) // 1000))
                for index in range(count):
                    await session.send(
                        "GUILD_MEMBERS_CHUNK",
                        {
                            "guild_id": data["guild_id"],
                            "members": everyone[index * 1000 : (index + 1) * 1000],
                            "chunk_index": index,
                            "chunk_count": count,
                            "nonce": data.get("nonce"),
                        },
                    )
        if session is not None and session.ws is ws:
            session.ws = None  # resumable: what is dispatched meanwhile waits in its log
        return ws

    def _authenticated(self, data: dict[str, Any]) -> bool:
        return data.get("token") in (self.token, f"Bot {self.token}")

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> _Session | None:
        if not self._authenticated(data):
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if (
            not intents & MEMBERS
            or (intents & MEMBERS and not self.members_intent_enabled)
            or (intents & MESSAGE_CONTENT and not self.message_content_intent_enabled)
        ):
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = data.get("shard") or [0, 1]
        session = _Session(id=self.new_id(), ws=ws, shard=(int(shard[0]), int(shard[1])))
        held = [gid for gid in self.guilds if session.holds(gid)]
        await session.send(
            "READY",
            {
                "v": 10,
                "user": self.bot,
                "guilds": [{"id": gid, "unavailable": True} for gid in held],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": self.app_id, "flags": 0},
            },
        )
        for gid in held:
            available = self.guilds[gid]["available"]
            payload = self._guild_payload(gid) if available else {"id": gid, "unavailable": True}
            await session.send("GUILD_CREATE", payload)
        self._sessions[session.id] = session
        self.sessions.append({"intents": intents, "shard": shard, "session_id": session.id})
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> _Session | None:
        """Like Discord: replay what the session missed after ``seq``, then RESUMED."""
        if not self._authenticated(data):
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or self.refuse_resume:
            await ws.send_json({"op": 9, "d": False, "s": None, "t": None})  # identify afresh
            return None
        if session.ws is not None and not session.ws.closed:
            await session.ws.close(code=4000)
        session.ws = ws
        self.resumes.append({"session_id": session.id, "seq": data.get("seq")})
        for frame in [f for f in session.log if f["s"] > int(data.get("seq") or 0)]:
            await ws.send_json(frame)
        await session.send("RESUMED", {})
        return session

    async def dispatch(self, event: str, data: Any, *, shard: int | None = None) -> None:
        """Send a DISPATCH to the session of the shard holding its server (every session of
        an unsharded bot), or to the sessions of ``shard`` (a frame for one session, like
        RESUMED); a disconnected one gets it when it resumes."""
        guild_id: str | None = None
        if isinstance(data, dict):
            guild_id = data.get("id") if event in ("GUILD_CREATE", "GUILD_DELETE") else data.get("guild_id")
        for session in list(self._sessions.values()):
            routed = session.holds(str(guild_id) if guild_id else None)
            if routed if shard is None else session.shard[0] == shard:
                await session.send(event, data)

    async def disconnect_all(self, code: int = 4000) -> None:
        """Close every gateway socket with ``code`` (4000: resumable, like Discord's)."""
        for session in list(self._sessions.values()):
            if session.ws is not None:
                ws, session.ws = session.ws, None
                await ws.close(code=code)

    def gateway_down(self) -> None:
        """New gateway connections wait until :meth:`gateway_up` (dispatches are kept meanwhile)."""
        self._gateway_up.clear()

    def gateway_up(self) -> None:
        self._gateway_up.set()

    def drop_sessions(self) -> None:
        """Forget every session (as Discord does after a while): a RESUME is then refused."""
        self._sessions.clear()

    # ------------------------------------------------------------------ test helpers

    def fail_next(
        self,
        route: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        code: int = 0,
        message: str = "",
        is_global: bool = False,
        after_doing_it: bool = False,
    ) -> None:
        """Answer the next ``times`` calls to ``route`` with ``status``.

        ``route`` is the method and Discord's path template: "POST /channels/{channel_id}/messages".
        ``after_doing_it``: carry the call out first, then answer with the error (a proxy's 5xx
        after Discord created the message).
        """
        route = f"{route} after" if after_doing_it else route
        extra: dict[str, Any] = {"retry_after": retry_after, "code": code, "is_global": is_global}
        if message:
            extra["message"] = message
        self._failures.append((route, status, times, extra))

    def drop_next(self, route: str, *, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls to ``route`` without answering
        (the client sees the server disconnect; the call is not carried out)."""
        self._drops[route] = self._drops.get(route, 0) + times

    def hold(self, route: str) -> None:
        """Keep calls to ``route`` waiting (a slow Discord) until :meth:`release`."""
        self._holds[route] = asyncio.Event()

    def release(self, route: str) -> None:
        """Carry out the held calls to ``route`` (even those whose client gave up) and stop holding."""
        self._holds.pop(route).set()

    def refuse_dms_for(self, user_id: str) -> None:
        self._refused_dms.add(str(user_id))

    def calls_to(self, route: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.route == route and (not ok_only or c.status < 400)]

    def dm_channel_of(self, user_id: str) -> str | None:
        return self._dm_channels.get(str(user_id))

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        return self.messages.get(str(channel_id), [])

    async def add_member(
        self,
        name: str,
        *,
        user_id: str | None = None,
        pending: bool = False,
        roles: tuple[str, ...] = (),
        bot: bool = False,
        joined_at: datetime | None = None,
        guild_id: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A member joins (GUILD_MEMBER_ADD when connected; part of GUILD_CREATE otherwise).
        ``name`` is their display name, ``username`` their handle (``name`` when not given)."""
        gid = guild_id or self.guild_id
        user = self._user(user_id or self.new_id(), name, bot=bot, username=username)
        role_ids = [self.role_named(r, guild_id=gid)["id"] if not r.isdigit() else r for r in roles]
        when = (joined_at or datetime.now(UTC)).isoformat()
        member = self._member(user, roles=role_ids, pending=pending, joined_at=when)
        self.guilds[gid]["members"][user["id"]] = member
        await self.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": gid})
        return member

    def seed_members(
        self, count: int, *, pending: bool = False, joined_at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """``count`` members of the server who were there before the bot connected (no event)."""
        when = (joined_at or datetime.now(UTC) - timedelta(days=30)).isoformat()
        seeded = []
        for _ in range(count):
            user_id = self.new_id()
            member = self._member(
                self._user(user_id, f"member{user_id}"), roles=[], pending=pending, joined_at=when
            )
            self.members[user_id] = member
            seeded.append(member)
        return seeded

    async def complete_onboarding(self, user_id: str) -> None:
        member = self.members[user_id]
        member["pending"] = False
        await self.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": self.guild_id})

    async def remove_member(self, user_id: str) -> None:
        member = self.members.pop(user_id)
        await self.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": self.guild_id, "user": member["user"]})

    async def post_message(
        self,
        user_id: str,
        channel_id: str,
        content: str,
        *,
        reply_to: dict[str, Any] | None = None,
        mentions: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        member = self.members[user_id]
        message = self._message(channel_id, {"content": content}, member["user"], [])
        message["mentions"] = [self.members[m]["user"] for m in mentions]
        if reply_to is not None:
            message["type"] = 19
            message["message_reference"] = {
                "message_id": reply_to["id"],
                "channel_id": channel_id,
                "guild_id": self.guild_id,
            }
            message["referenced_message"] = reply_to
        if self.channels[channel_id]["type"] != 1:
            message["member"] = {k: v for k, v in member.items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def react(self, user_id: str, message: dict[str, Any], emoji: str) -> None:
        member = self.members[user_id]
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": user_id,
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": self.guild_id,
                "member": member,
                "emoji": {"id": None, "name": emoji},
                "message_author_id": message["author"]["id"],
                "burst": False,
                "type": 0,
            },
        )

    async def rsvp(self, user_id: str, event_id: str, *, attending: bool = True) -> None:
        await self.dispatch(
            "GUILD_SCHEDULED_EVENT_USER_ADD" if attending else "GUILD_SCHEDULED_EVENT_USER_REMOVE",
            {"guild_scheduled_event_id": event_id, "user_id": user_id, "guild_id": self.guild_id},
        )

    async def vote(
        self, user_id: str, message: dict[str, Any], answer_id: int, *, added: bool = True
    ) -> None:
        await self.dispatch(
            "MESSAGE_POLL_VOTE_ADD" if added else "MESSAGE_POLL_VOTE_REMOVE",
            {
                "user_id": user_id,
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": self.guild_id,
                "answer_id": answer_id,
            },
        )

    def _permissions(self, member: dict[str, Any]) -> int:
        value = int(self.roles[self.guild_id]["permissions"])
        for rid in member["roles"]:
            value |= int(self.roles[rid]["permissions"])
        return value

    async def _interact(
        self,
        kind: int,
        user_id: str,
        data: dict[str, Any],
        *,
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        member = self.members[user_id]
        channel = self.channels[channel_id or self.channel_named("general")["id"]]
        interaction: dict[str, Any] = {
            "id": self.new_id(),
            "application_id": self.app_id,
            "type": kind,
            "token": f"itok-{self.new_id()}",
            "version": 1,
            "guild_id": self.guild_id,
            "channel_id": channel["id"],
            "channel": channel,
            "member": {**member, "permissions": str(self._permissions(member))},
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(ADMINISTRATOR),
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        if message is not None:
            interaction["message"] = message
        self.interactions[interaction["token"]] = {**interaction, "responses": [], "followups": []}
        await self.dispatch("INTERACTION_CREATE", interaction)
        return self.interactions[interaction["token"]]

    async def invoke_command(
        self,
        user_id: str,
        path: tuple[str, ...],
        options: dict[str, Any] | None = None,
        *,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """``/cohort <path> <options>`` as an APPLICATION_COMMAND interaction."""
        registered = next(iter(self.commands.values()), [])
        command = next((c for c in registered if c["name"] == "cohort"), {"id": self.new_id(), "options": []})
        opts: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for name, value in (options or {}).items():
            kind = 4 if isinstance(value, int) else 3
            if isinstance(value, str) and value in self.members:
                kind = 6
                resolved.setdefault("users", {})[value] = self.members[value]["user"]
            opts.append({"name": name, "type": kind, "value": value})
        for word in reversed(path):
            opts = [{"name": word, "type": 1 if word == path[-1] else 2, "options": opts}]
        data = {"id": command["id"], "name": "cohort", "type": 1, "options": opts, "guild_id": self.guild_id}
        if resolved:
            data["resolved"] = resolved
        return await self._interact(2, user_id, data, channel_id=channel_id)

    async def press_button(
        self,
        user_id: str,
        custom_id: str,
        *,
        message: dict[str, Any] | None = None,
        values: list[str] | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
        if values is not None:
            data["values"] = values
        if message is None:
            message = self._message(self.channel_named("general")["id"], {"content": "card"}, self.bot, [])
        return await self._interact(3, user_id, data, channel_id=message["channel_id"], message=message)

    async def submit_modal(self, user_id: str, custom_id: str, values: dict[str, str]) -> dict[str, Any]:
        components = [
            {"type": 18, "id": i + 1, "component": {"type": 4, "id": i + 10, "custom_id": k, "value": v}}
            for i, (k, v) in enumerate(values.items())
        ]
        return await self._interact(5, user_id, {"custom_id": custom_id, "components": components})


def route_of(path: str) -> str:
    """``/channels/123/messages`` -> ``/channels/{id}/messages`` (for assertions on raw paths)."""
    return re.sub(r"/\d{5,}", "/{id}", path)
