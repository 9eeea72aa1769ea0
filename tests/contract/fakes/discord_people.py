"""The fake Discord's member search, as Discord answers it: ``GET /guilds/{id}/members/search``.

Discord's *Search Guild Members*: ``query`` (1-100 characters, required) is matched against the
start of each member's username and nickname, case-insensitively (the global display name too,
as the client's search does); ``limit`` is 1-1,000 (default 1). The answer is a list of guild
member objects. A bad ``query`` or ``limit`` is 400 Invalid Form Body (code 50035); an unknown
server 404 Unknown Guild (10004). The fake's members are its state (``FakeDiscord.guilds``);
this is mixed into :class:`FakeDiscord`, whose ``_routes`` register it before
``GET /guilds/{id}/members/{user}`` (which would otherwise take ``search`` for a user id).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

__all__ = ["MemberSearch"]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _invalid(field: str, message: str) -> web.Response:
    errors = {field: {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": message}]}}
    return _json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, 400)


def _names(member: dict[str, Any]) -> list[str]:
    user = member["user"]
    names = (user.get("username"), user.get("global_name"), member.get("nick"))
    return [str(n).casefold() for n in names if n]


class MemberSearch:
    """Discord's member search over the fake's servers (``guilds``, ``_all_members``: FakeDiscord's)."""

    guilds: dict[str, dict[str, Any]]
    member_searches: list[str]

    def _all_members(self, guild_id: str) -> list[dict[str, Any]]:  # FakeDiscord's
        raise NotImplementedError

    def people_route_table(self) -> list[tuple[str, str, Any]]:
        return [("GET", "/guilds/{guild_id}/members/search", self._search_members)]

    async def _search_members(self, request: web.Request) -> web.Response:
        gid = request.match_info["guild_id"]
        if gid not in self.guilds:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        query = request.query.get("query", "")
        if not 1 <= len(query) <= 100:
            return _invalid("query", "Must be between 1 and 100 in length.")
        try:
            limit = int(request.query.get("limit", "1"))
        except ValueError:
            return _invalid("limit", "Value is not int.")
        if not 1 <= limit <= 1000:
            return _invalid("limit", "int value should be between 1 and 1000.")
        self.member_searches.append(query)
        wanted = query.casefold()
        found = [m for m in self._all_members(gid) if any(n.startswith(wanted) for n in _names(m))]
        return _json(found[:limit])
