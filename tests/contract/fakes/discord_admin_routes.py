"""The fake Discord's server-administration REST routes, as Discord answers them.

``GET /users/@me/guilds`` (paged by ``after``/``before``/``limit``), ``GET /guilds/{id}``,
``GET /guilds/{id}/channels|roles``, ``GET /guilds/{id}/members/{user}``, ``POST
/guilds/{id}/channels`` (with ``permission_overwrites`` and ``parent_id``; needs Manage
Channels), ``POST /guilds/{id}/roles`` (needs Manage Roles; placed at position 1, below the
bot's role), ``PUT /channels/{id}/permissions/{target}``, pins (``PUT`` marks the message pinned,
``GET /channels/{id}/messages/pins`` lists them newest first). Mixed into :class:`FakeDiscord`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

__all__ = ["AdminRoutes"]

MANAGE_CHANNELS, MANAGE_ROLES, ADMINISTRATOR = 1 << 4, 1 << 28, 1 << 3
_INTENT_FLAGS = {"members": 1 << 14, "message_content": 1 << 18}  # GATEWAY_GUILD_MEMBERS, _MESSAGE_CONTENT


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


class AdminRoutes:
    """Discord's answers to what ``cohortbot setup`` and ``doctor`` ask; the state (guilds,
    channels, roles, messages) and helpers (add_channel, add_role, dispatch) are FakeDiscord's."""

    def application_flags(self) -> int:
        """The application's flags as the Developer Portal toggles set them."""
        flags = _INTENT_FLAGS["members"] if self.members_intent_enabled else 0
        return flags | (_INTENT_FLAGS["message_content"] if self.message_content_intent_enabled else 0)

    def bot_guild_permissions(self, guild_id: str) -> int:
        guild = self.guilds[guild_id]
        return int(self.roles[guild_id]["permissions"]) | int(guild["bot_role"]["permissions"])

    def deny_bot(self, channel: str, permission: int, *, guild_id: str | None = None) -> None:
        """An overwrite on ``channel`` denying the bot's role ``permission`` (e.g. 1 << 11, Send Messages)."""
        gid = guild_id or self.guild_id
        role = self.guilds[gid]["bot_role"]["id"]
        self.channel_named(channel, guild_id=gid)["permission_overwrites"].append(
            {"id": role, "type": 0, "allow": "0", "deny": str(permission)}
        )

    def admin_route_table(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/users/@me/guilds", self._my_guilds),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._guild_member),
            ("POST", "/guilds/{guild_id}/channels", self._create_channel),
            ("POST", "/guilds/{guild_id}/roles", self._create_role),
            ("PUT", "/channels/{channel_id}/permissions/{target_id}", self._edit_overwrite),
            ("GET", "/channels/{channel_id}/messages/pins", self._list_pins),
            ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self._pin),
        ]

    async def _my_guilds(self, request: web.Request) -> web.Response:
        after = int(request.query.get("after", "0"))
        before = int(request.query.get("before", str(1 << 63)))
        limit = int(request.query.get("limit", "200"))
        ids = sorted(int(g) for g in self.guilds if after < int(g) < before)[:limit]
        return _json(
            [
                {
                    "id": str(gid),
                    "name": self.guilds[str(gid)]["name"],
                    "icon": None,
                    "banner": None,
                    "owner": False,
                    "permissions": str(self.bot_guild_permissions(str(gid))),
                    "features": [],
                }
                for gid in ids
            ]
        )

    def _known(self, request: web.Request) -> str | None:
        gid = request.match_info["guild_id"]
        return gid if gid in self.guilds else None

    async def _get_guild(self, request: web.Request) -> web.Response:
        gid = self._known(request)
        if gid is None:
            return _error(404, 10004, "Unknown Guild")
        payload = self._guild_payload(gid)
        return _json({k: v for k, v in payload.items() if k not in ("members", "channels", "threads")})

    async def _guild_channels(self, request: web.Request) -> web.Response:
        gid = self._known(request)
        if gid is None:
            return _error(404, 10004, "Unknown Guild")
        return _json(
            [c for c in self.channels.values() if c.get("guild_id") == gid and c["type"] in (0, 2, 4, 15)]
        )

    async def _guild_roles(self, request: web.Request) -> web.Response:
        gid = self._known(request)
        if gid is None:
            return _error(404, 10004, "Unknown Guild")
        return _json([r for r in self.roles.values() if self._role_guild[r["id"]] == gid])

    async def _guild_member(self, request: web.Request) -> web.Response:
        gid = self._known(request)
        if gid is None:
            return _error(404, 10004, "Unknown Guild")
        user = request.match_info["user_id"]
        member = next((m for m in self._all_members(gid) if m["user"]["id"] == user), None)
        return _json(member) if member is not None else _error(404, 10007, "Unknown Member")

    def _may(self, gid: str, permission: int) -> bool:
        value = self.bot_guild_permissions(gid)
        return bool(value & ADMINISTRATOR or value & permission)

    async def _create_channel(self, request: web.Request) -> web.Response:
        gid = self._known(request)
        if gid is None:
            return _error(404, 10004, "Unknown Guild")
        if not self._may(gid, MANAGE_CHANNELS):
            return _error(403, 50013, "Missing Permissions")
        body = await request.json()
        channel = self.add_channel(body["name"], kind=int(body.get("type", 0)), guild_id=gid)
        parent = body.get("parent_id")
        channel["parent_id"] = str(parent) if parent else None  # snowflakes are strings in answers
        channel["topic"] = body.get("topic")
        channel["permission_overwrites"] = [
            {
                "id": str(o["id"]),
                "type": o["type"],
                "allow": str(o.get("allow", 0)),
                "deny": str(o.get("deny", 0)),
            }
            for o in body.get("permission_overwrites") or []
        ]
        await self.dispatch("CHANNEL_CREATE", channel)
        return _json(channel, 201)

    async def _create_role(self, request: web.Request) -> web.Response:
        gid = self._known(request)
        if gid is None:
            return _error(404, 10004, "Unknown Guild")
        if not self._may(gid, MANAGE_ROLES):
            return _error(403, 50013, "Missing Permissions")
        body = await request.json() if request.body_exists else {}
        role = self.add_role(
            body.get("name") or "new role", permissions=int(body.get("permissions") or 0), guild_id=gid
        )
        role["mentionable"] = bool(body.get("mentionable", False))
        await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": gid, "role": role})
        return _json(role)

    async def _edit_overwrite(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel_id"])
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body = await request.json()
        target = request.match_info["target_id"]
        kept = [o for o in channel["permission_overwrites"] if o["id"] != target]
        kept.append(
            {
                "id": target,
                "type": body["type"],
                "allow": str(body.get("allow", 0)),
                "deny": str(body.get("deny", 0)),
            }
        )
        channel["permission_overwrites"] = kept
        return web.Response(status=204)

    async def _list_pins(self, request: web.Request) -> web.Response:
        cid = request.match_info["channel_id"]
        if cid not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        pinned = [m for m in reversed(self.messages.get(cid, [])) if m.get("pinned")]
        items = [{"pinned_at": m["timestamp"], "message": m} for m in pinned]
        return _json({"items": items, "has_more": False})

    async def _pin(self, request: web.Request) -> web.Response:
        cid, mid = request.match_info["channel_id"], request.match_info["message_id"]
        message = next((m for m in self.messages.get(cid, []) if m["id"] == mid), None)
        if message is not None:
            message["pinned"] = True
        return web.Response(status=204)
