"""What the prompts step posted and how members answered: counts, never text.

The log is one JSON document per community (``uow.state`` key :data:`POSTED_STATE`): the most
recent prompts with their message and thread ids, reply counts and repliers' ids. It is pure
data handling, so the health report can read engagement with :func:`prompt_engagement`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "MAX_KEPT",
    "POSTED_STATE",
    "PromptEngagement",
    "count_reply",
    "entry_for",
    "last_post_in",
    "prompt_engagement",
    "record_post",
]

POSTED_STATE = "prompts.posted"
MAX_KEPT = 200  # prompts remembered per community (older ones stop counting replies)


@dataclass(frozen=True, kw_only=True, slots=True)
class PromptEngagement:
    """How one prompt did: replies and distinct repliers."""

    schedule: str
    key: str
    question_id: str | None  # None for announcements
    posted_at: datetime
    replies: int
    repliers: int
    manual: bool = False
    late: bool = False
    variant: str = ""  # the split-test variant posted ("" when the schedule has none)


def _entries(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return list((doc or {}).get("prompts", []))


def record_post(
    doc: Mapping[str, Any] | None,
    *,
    key: str,
    schedule: str,
    question_id: str | None,
    posted_at: datetime,
    channel: str,
    thread: bool,
    late: bool = False,
    manual: bool = False,
    variant: str = "",
) -> dict[str, Any]:
    """The log with one more prompt (the oldest dropped beyond :data:`MAX_KEPT`)."""
    entries = [e for e in _entries(doc) if e["key"] != key]
    entries.append(
        {
            "key": key,
            "schedule": schedule,
            "question": question_id,
            "posted_at": posted_at.isoformat(),
            "channel": channel,
            "want_thread": thread,
            "message": None,
            "thread": None,
            "replies": 0,
            "repliers": [],
            "late": late,
            "manual": manual,
            "variant": variant,
        }
    )
    return {"prompts": entries[-MAX_KEPT:]}


def entry_for(doc: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    """The logged prompt with this action key (a mutable part of ``doc``)."""
    for entry in (doc or {}).get("prompts", []):
        if entry["key"] == key:
            found: dict[str, Any] = entry
            return found
    return None


def count_reply(doc: Mapping[str, Any] | None, message_ids: Iterable[str], author: str) -> bool:
    """Count a reply to whichever prompt (message or thread) it answers; False if none."""
    wanted = {m for m in message_ids if m}
    for entry in reversed((doc or {}).get("prompts", [])):
        if {entry.get("message"), entry.get("thread")} & wanted:
            entry["replies"] = int(entry.get("replies", 0)) + 1
            if author not in entry["repliers"]:
                entry["repliers"].append(author)
            return True
    return False


def last_post_in(doc: Mapping[str, Any] | None, channel: str) -> datetime | None:
    """When this step last posted in a channel."""
    times = [datetime.fromisoformat(e["posted_at"]) for e in _entries(doc) if e["channel"] == channel]
    return max(times) if times else None


def prompt_engagement(
    doc: Mapping[str, Any] | None, *, schedule: str | None = None
) -> list[PromptEngagement]:
    """Every remembered prompt's engagement, newest first (optionally one schedule's)."""
    found = [
        PromptEngagement(
            schedule=e["schedule"],
            key=e["key"],
            question_id=e.get("question"),
            posted_at=datetime.fromisoformat(e["posted_at"]),
            replies=int(e.get("replies", 0)),
            repliers=len(e.get("repliers", [])),
            manual=bool(e.get("manual")),
            late=bool(e.get("late")),
            variant=str(e.get("variant") or ""),
        )
        for e in _entries(doc)
        if schedule is None or e["schedule"] == schedule
    ]
    found.sort(key=lambda p: p.posted_at, reverse=True)
    return found
