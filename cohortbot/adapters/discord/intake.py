"""The gateway intake: a payload discord.py cannot parse is skipped, never fatal.

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

import logging
import re
import traceback
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import discord

__all__ = ["describe_failure", "guard_parsers"]

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
