"""What exporting and forgetting one member mean for the shared tables, on any backend.

The SQL and the in-memory privacy repositories both decide with these functions (the SQL one
after a coarse ``LIKE`` prefilter), so the two can never disagree on which rows are about a
member or on how a kept row is scrubbed.

Matching is precise: the member's id must appear as a whole token (no letter or digit right
before or after it, so Discord id ``12`` does not match ``123``), names as whole words,
case-insensitively. Every string is searched, JSON object keys included, recursively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "ERASED",
    "EXPORTED_TABLES",
    "FORGOTTEN_TABLES",
    "MIN_NAME_LENGTH",
    "Mentions",
    "activity_export",
    "outbox_export",
    "outbox_names",
    "outbox_scrubbed",
    "timer_about",
    "timer_export",
]

ERASED = "[erased]"
MIN_NAME_LENGTH = 3   # shorter names ("Al", "Jo") would erase ordinary words
EXPORTED_TABLES = ("activity", "timers", "outbox")
FORGOTTEN_TABLES = ("members", "activity", "timers", "outbox", "inbox")

_TOKEN = "0-9A-Za-z"


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value: the value itself, list items, object keys and values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


class Mentions:
    """Finds one member in stored text, and replaces them: the id by a pseudonym, names by [erased]."""

    def __init__(self, user_id: str, *, names: Iterable[str] = (), pseudonym: str = "") -> None:
        if not user_id:
            raise ValueError("a member's id is needed to find them")
        self.user_id = user_id
        self.pseudonym = pseudonym
        kept = {name.strip() for name in names if len(name.strip()) >= MIN_NAME_LENGTH}
        # Longest first, so "Ada Lovelace" is replaced whole before "Ada" could match.
        self.names = tuple(sorted(kept, key=lambda name: (-len(name), name)))
        parts = [rf"(?P<id>(?<![{_TOKEN}]){re.escape(user_id)}(?![{_TOKEN}]))"]
        if self.names:
            alternatives = "|".join(re.escape(name) for name in self.names)
            parts.append(rf"(?i:(?<!\w)(?:{alternatives})(?!\w))")
        # One pattern, one pass: a replacement is never searched again.
        self._pattern = re.compile("|".join(parts))

    def found_in(self, value: Any) -> bool:
        return any(self._pattern.search(text) for text in strings(value))

    def scrub(self, value: Any) -> Any:
        """A copy of a JSON-like value with every mention replaced (keys included)."""
        if isinstance(value, str):
            return self._pattern.sub(self._replacement, value)
        if isinstance(value, Mapping):
            return {self.scrub(key): self.scrub(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub(item) for item in value]
        return value

    def _replacement(self, match: re.Match[str]) -> str:
        return self.pseudonym if match.group("id") is not None else ERASED


# ------------------------------------------------------------------------ deciding rows


def timer_about(mentions: Mentions, row: Mapping[str, Any]) -> bool:
    """A timer about the member: they are its subject, or their id is in its key or data."""
    return row["subject_user_id"] == mentions.user_id or mentions.found_in([row["key"], row["data"]])


def outbox_names(mentions: Mentions, row: Mapping[str, Any]) -> bool:
    """An outbox row naming the member anywhere: key, action payload, last error, result."""
    return mentions.found_in([row["key"], row["payload"], row["last_error"], row["result"]])


def outbox_scrubbed(mentions: Mentions, row: Mapping[str, Any]) -> dict[str, Any]:
    """The new values of a kept (delivered or parked) outbox row."""
    return {name: mentions.scrub(row[name]) for name in ("key", "payload", "last_error", "result")}


# ------------------------------------------------------------------------------ exports


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def activity_export(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "at": _iso(row["at"]),
        "kind": row["kind"],
        "channel_id": row["channel_id"],
        "channel_name": row["channel_name"],
        "message_id": row["message_id"],
        "thread_id": row["thread_id"],
        "reply_to_user_id": row["reply_to_user_id"],
        "length": row["length"],
        "is_question": row["is_question"],
        "sentiment": row["sentiment"],
    }


def timer_export(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": row["key"],
        "kind": row["kind"],
        "due_at": _iso(row["due_at"]),
        "fired_at": _iso(row["fired_at"]),
        "subject_user_id": row["subject_user_id"],
        "data": row["data"],
    }


def outbox_export(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": row["key"],
        "kind": row["kind"],
        "status": row["status"],
        "created_at": _iso(row["created_at"]),
        "delivered_at": _iso(row["delivered_at"]),
        "payload": row["payload"],
    }
