"""Which server a direct message belongs to, without a member cache.

A DM (a message, a reaction, a button on a welcome card) carries no guild. discord.py would
answer with the servers it has the member cached in, but the adapter caches no members (issue
#11: 100,000 members would cost ~170 MiB), so a bot in several servers must find the member's
server itself. In order:

1. the bot is in one server: that one;
2. the server the bot last wrote to this member for (a welcome DM, a nudge): remembered when
   the DM is sent, so the answer to a welcome lands in the community that welcomed them;
3. a server that has the member cached (they joined while the bot ran);
4. asking Discord, server by server (``GET /guilds/{id}/members/{user}``, at most
   ``LOOKUPS`` servers), remembering the answer.

The memory is bounded (least recently used first out) and lost at a restart, which only costs
step 4 again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

import discord

__all__ = ["DirectMessageHomes"]

log = logging.getLogger(__name__)

REMEMBERED = 10_000
LOOKUPS = 25   # servers asked at most for one member (a DM button must be answered within 3 s)


class DirectMessageHomes:
    def __init__(self, client: discord.Client) -> None:
        self._client = client
        self._homes: OrderedDict[int, int] = OrderedDict()   # user id -> guild id

    def remember(self, user_id: int, guild_id: int) -> None:
        self._homes[user_id] = guild_id
        self._homes.move_to_end(user_id)
        while len(self._homes) > REMEMBERED:
            self._homes.popitem(last=False)

    async def home(self, user_id: int) -> discord.Guild | None:
        """The server a DM from ``user_id`` belongs to, or None when they share none with the bot."""
        guilds = self._client.guilds
        if len(guilds) <= 1:
            return guilds[0] if guilds else None
        known = self._homes.get(user_id)
        if known is not None and (guild := self._client.get_guild(known)) is not None:
            self._homes.move_to_end(user_id)
            return guild
        found = next((g for g in guilds if g.get_member(user_id) is not None), None)
        if found is None:
            found = await self._ask(guilds, user_id)
        if found is not None:
            self.remember(user_id, found.id)
        return found

    async def _ask(self, guilds: Sequence[discord.Guild], user_id: int) -> discord.Guild | None:
        for guild in guilds[:LOOKUPS]:
            try:
                await guild.fetch_member(user_id)
            except discord.NotFound:
                continue
            except discord.HTTPException as exc:
                log.warning("could not look up a member in server %s: %s", guild.id, exc)
                continue
            return guild
        return None
