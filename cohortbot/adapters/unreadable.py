"""A platform payload the bot cannot read is logged and skipped, never raised.

Translation reads payloads that the platform (or whoever forged or mangled them) shaped: a
field missing, a list where a mapping belongs, a ``null`` id. The pure translate functions
are written for the documented shapes; this guard makes each of them total, so one odd
payload costs one skipped event and a warning naming the function and the failure, never
the handler, the connection or the process. The warning never quotes the payload: its
strings are member text, and an interaction carries its token.
"""

from __future__ import annotations

import functools
import logging
import re
import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["UNREADABLE", "skips_unreadable"]

log = logging.getLogger("cohortbot.adapters")

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E")

# What reading a payload of the wrong shape raises: a missing key or index, a wrong type, a
# value a constructor refuses (a ChannelRef with neither id nor name).
UNREADABLE = (KeyError, IndexError, TypeError, AttributeError, ValueError)

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _describe(exc: BaseException) -> str:
    """``KeyError('event_id') at line 139``: a field name is shown, a value never is."""
    args = exc.args
    shown = isinstance(exc, KeyError) and len(args) == 1 and _PLAIN.fullmatch(str(args[0]))
    what = f"{type(exc).__name__}({args[0]!r})" if shown else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{what} at line {frames[-1].lineno}" if frames else what


def skips_unreadable(
    platform: str, empty: E, *, passes: tuple[type[Exception], ...] = ()
) -> Callable[[Callable[P, R]], Callable[P, R | E]]:
    """Wrap a translate function: a payload it cannot read returns ``empty`` after a warning.

    ``passes`` are exceptions the function raises on purpose (a command's syntax error, whose
    message the member sees) and that go through unchanged.
    """

    def wrap(translate: Callable[P, R]) -> Callable[P, R | E]:
        @functools.wraps(translate)
        def read(*args: P.args, **kwargs: P.kwargs) -> R | E:
            try:
                return translate(*args, **kwargs)
            except passes:
                raise
            except UNREADABLE as exc:
                log.warning(
                    "skipped a %s payload %s cannot read: %s", platform, translate.__name__, _describe(exc)
                )
                return empty

        return read

    return wrap
