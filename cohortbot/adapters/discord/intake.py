"""The gateway intake: a payload discord.py cannot parse is skipped, never fatal; the gateway
task is restarted after an unexpected failure.

discord.py turns each gateway DISPATCH into library objects through
``ConnectionState.parsers`` (event name -> bound ``parse_*`` method), which
``DiscordWebSocket.received_message`` calls with no error handling. A payload that lacks a
field the parser indexes (a reaction without ``type``, an interaction without
``attachment_size_limit``, a member update without ``user``) raises out of ``poll_event``
and out of ``Client.connect``: the gateway task ends, and with it all intake.

The guard wraps each entry of that dict once, right after the client is built. It is the
narrowest place to do it: the websocket copies ``client._connection.parsers`` (the same dict
object) in ``DiscordWebSocket.from_client`` at every connect, resume and reconnect, and an
``AutoShardedClient``'s shards share its one state, so every connection of every shard goes
through the wrapped entries. Subclassing ``ConnectionState`` through ``Client._get_state``
would need a subclass of both client classes for the same effect; both are private API either
way, pinned by ``requirements.lock`` and held by ``tests/contract/test_discord_intake.py``.

The warning names the event type and where the parser failed, never the payload: its
strings are member text (names, messages, answers), and an interaction carries its token.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import traceback
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import discord

__all__ = ["FATAL", "GatewayRunner", "describe_failure", "guard_parsers", "see_uncached_members"]

log = logging.getLogger(__name__)

Parser = Callable[[Any], None]

# An exception argument shown in the log: a field name or a number, nothing a member typed.
_PLAIN_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}|-?\d{1,20}")


def describe_failure(exc: BaseException) -> str:
    """``KeyError('type') in discord/raw_models.py:248 (__init__)``, without member text.

    The arguments are kept only when each is a field name or a number (``KeyError('user')``);
    otherwise only the exception's class is named (a ``ValueError`` may quote a payload value).
    """
    args = exc.args
    if args and all(isinstance(a, int | str) and _PLAIN_ARG.fullmatch(str(a)) for a in args):
        what = f"{type(exc).__name__}({', '.join(repr(a) for a in args)})"
    else:
        what = type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return what
    last = frames[-1]
    parts = PurePath(last.filename).parts
    where = "/".join(parts[parts.index("discord") :]) if "discord" in parts else parts[-1]
    return f"{what} in {where}:{last.lineno} ({last.name})"


def _guarded(event: str, parse: Parser) -> Parser:
    def parse_or_skip(data: Any) -> None:
        try:
            parse(data)
        except Exception as exc:
            log.warning(
                "skipped an unparseable %s gateway payload (intake goes on): %s",
                event,
                describe_failure(exc),
            )

    parse_or_skip.__wrapped__ = parse  # type: ignore[attr-defined]
    return parse_or_skip


def guard_parsers(client: discord.Client) -> None:
    """Make every gateway parser of ``client`` log and skip a payload it cannot parse."""
    parsers: dict[str, Parser] = client._connection.parsers
    for event, parse in list(parsers.items()):
        if getattr(parse, "__wrapped__", None) is None:
            parsers[event] = _guarded(event, parse)


def see_uncached_members(client: discord.Client) -> None:
    """Dispatch what discord.py drops for members it does not cache (the adapter caches only
    the bot's own member and those who joined while it runs: 100,000 members cost ~170 MiB).

    - GUILD_MEMBER_UPDATE of an uncached member: discord.py discards it (and, with
      ``MemberCacheFlags.joined``, caches a member built from it, without dispatching). Here
      it is dispatched as ``uncached_member_update`` with a :class:`discord.Member` built from
      the payload (which carries the member's whole state: roles, ``pending``, names), and
      not cached: onboarding completion and role changes of members who joined before the
      bot started reach the engine.
    - GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE by a user discord.py does not hold: dispatched
      with a :class:`discord.Object` of the user's id (the payload carries nothing else).

    Installed before :func:`guard_parsers`, which then guards these entries too.
    """
    state = client._connection
    parsers: dict[str, Parser] = state.parsers
    update_known = parsers["GUILD_MEMBER_UPDATE"]

    def member_update(data: Any) -> None:
        guild = state._get_guild(int(data["guild_id"]))
        if guild is None or guild.get_member(int(data["user"]["id"])) is not None:
            update_known(data)
            return
        state.dispatch("uncached_member_update", discord.Member(data=data, guild=guild, state=state))

    parsers["GUILD_MEMBER_UPDATE"] = member_update
    for event, attending in (
        ("GUILD_SCHEDULED_EVENT_USER_ADD", True),
        ("GUILD_SCHEDULED_EVENT_USER_REMOVE", False),
    ):
        parsers[event] = _rsvp_parser(state, parsers[event], attending=attending)


def _rsvp_parser(state: Any, known: Parser, *, attending: bool) -> Parser:
    def rsvp(data: Any) -> None:
        guild = state._get_guild(int(data["guild_id"]))
        scheduled = guild._scheduled_events.get(int(data["guild_scheduled_event_id"])) if guild else None
        user_id = int(data["user_id"])
        if scheduled is None or state.get_user(user_id) is not None:
            known(data)
            return
        verb = "add" if attending else "remove"
        state.dispatch(f"scheduled_event_user_{verb}", scheduled, discord.Object(user_id))

    return rsvp


# What ``Client.connect`` raises only after it closed the client itself: a revoked token
# (4004), disallowed intents (4014), bad sharding (4010-4013). Connecting again cannot help.
FATAL = (discord.ConnectionClosed, discord.PrivilegedIntentsRequired, discord.LoginFailure)


class GatewayRunner:
    """Runs ``client.connect`` and keeps intake going when it fails unexpectedly.

    ``connect`` already reconnects and resumes after network trouble; what still ends it is
    either fatal (:data:`FATAL`: raised for the adapter to report) or an exception discord.py
    does not expect (a frame it cannot read outside its parsers). After the first READY the
    latter is logged and the gateway connected again (a new session: the READY catch-up
    replays missed joins), waiting ``restart_delay`` seconds, doubled after each failure up
    to ``max_delay`` and back to ``restart_delay`` once a connection lasted ``stable_after``:
    Discord allows 1,000 IDENTIFYs a day.
    """

    def __init__(
        self,
        client: discord.Client,
        *,
        restart_delay: float,
        max_delay: float = 600.0,
        stable_after: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.restart_delay = restart_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self._clock = clock
        self.ready_once = False  # set by the adapter: failures before it are startup errors
        self.restarts = 0

    async def run(self) -> None:
        delay = self.restart_delay
        while True:
            began = self._clock()
            try:
                await self._client.connect(reconnect=True)
                return  # the client was closed
            except FATAL:
                raise
            except Exception as exc:
                if not self.ready_once or self._client.is_closed():
                    raise
                if self._clock() - began >= self.stable_after:
                    delay = self.restart_delay
                log.error(
                    "the Discord gateway failed (%s): connecting again in %gs (joins missed"
                    " meanwhile are caught up at READY)",
                    describe_failure(exc),
                    delay,
                )
            await self._drop_socket()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)
            self.restarts += 1

    async def _drop_socket(self) -> None:
        ws = self._client.ws
        if ws is not None:
            try:
                await ws.close(code=4000)  # also stops its heartbeat thread
            except Exception as exc:
                log.debug("closing the failed gateway socket: %s", type(exc).__name__)
