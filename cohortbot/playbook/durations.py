"""Human durations in playbooks: ``90s``, ``15m``, ``2h``, ``3d``, ``1w`` or ``1d12h``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

__all__ = ["MAX_DURATION", "Duration", "format_duration", "parse_duration"]

_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_DURATION = timedelta(days=3660)  # ten years: longer is a typo (and overflows a calendar)


def parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _bounded(timedelta(seconds=value), value)
    if not isinstance(value, str):
        raise ValueError("expected a duration like 15m, 2h, 3d or 1w")
    text = value.strip().lower().replace(" ", "")
    pos, seconds = 0, 0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        if len(match.group(1)) > 9:
            raise ValueError(f"a duration is at most ten years ({MAX_DURATION.days}d), not {value!r}")
        seconds += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f"expected a duration like 15m, 2h, 3d or 1w, not {value!r}")
    return _bounded(timedelta(seconds=seconds), value)


def _bounded(delta: timedelta, value: Any) -> timedelta:
    if abs(delta) > MAX_DURATION:
        raise ValueError(f"a duration is at most ten years ({MAX_DURATION.days}d), not {value!r}")
    return delta


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        if unit == "w":
            continue
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
