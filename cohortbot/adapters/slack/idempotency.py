"""Posting once on Slack, where ``chat.postMessage`` takes no idempotency key.

Every message the bot posts carries **message metadata** naming the action that made it:
``{"event_type": "cohortbot_action", "event_payload": {"key": <digest of the action key>}}``
(a digest: keys name members, metadata is readable by every app in the conversation).

When a post may already have reached Slack (the deliverer resumes an action whose process
died mid-delivery, or Slack answered a 5xx, a timeout or a dropped connection), the performer
first reads the conversation's recent messages (``conversations.history``, or
``conversations.replies`` for a thread, with ``include_all_metadata``) and, if one carries the
digest, answers with its ``ts`` instead of posting again.

What remains (at-least-once, never at-most-once):

- If the conversation can't be read for good (``missing_scope``, ``not_in_channel`` in a
  public channel the bot posts to through ``chat:write.public``, ``channel_not_found``), the
  message is posted: a rare second copy is better than a lost welcome. If Slack can't answer
  now (5xx, 429, timeout), the delivery is retried later instead.
- A post found this way whose attachments follow it is done when the bot shared files with
  those names after it in the same conversation; otherwise they are shared (again).
- Only the last ``LookBack.window`` (a day) and ``LookBack.pages`` pages of
  ``LookBack.page_size`` messages are read: in a channel busier than that since the first
  attempt, an older copy is not found.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cohortbot.adapters.base import PermanentDeliveryError
from cohortbot.adapters.slack.api import SlackApi

__all__ = ["EVENT_TYPE", "LookBack", "PostedMessages", "key_digest", "metadata_for"]

log = logging.getLogger(__name__)

EVENT_TYPE = "cohortbot_action"


def key_digest(key: str) -> str:
    """The action key as posted in metadata: stable, and naming no member."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def metadata_for(key: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key_digest(key)}}


@dataclass(frozen=True, kw_only=True, slots=True)
class LookBack:
    """How far back a possible earlier copy is looked for."""

    window: timedelta = timedelta(days=1)
    pages: int = 3
    # Commercially distributed apps outside the Slack Marketplace get 15 messages a page (and
    # one history call a minute) since 2025; internal apps get what they ask for.
    page_size: int = 100


class PostedMessages:
    """Finds the message an action posted, by its metadata."""

    def __init__(self, api: SlackApi, *, now: Callable[[], datetime], look_back: LookBack) -> None:
        self.api = api
        self._now = now
        self.look_back = look_back

    async def find(self, key: str, channel_id: str, *, thread_ts: str = "") -> str | None:
        """The ``ts`` of the message posted for ``key`` in the conversation (thread), or None.

        A conversation the bot may not read counts as "not there" (logged); a Slack that
        does not answer now raises ``RetryableDeliveryError`` (try again later).
        """
        digest = key_digest(key)
        oldest = f"{(self._now() - self.look_back.window).timestamp():.6f}"
        try:
            async for message in self._scan(channel_id, thread_ts=thread_ts, oldest=oldest):
                if _carries(message, digest):
                    return str(message.get("ts", "")) or None
        except PermanentDeliveryError as exc:
            log.warning("Slack: cannot check whether %s was already posted (%s); posting it", key, exc)
        return None

    async def files_shared_after(
        self, channel_id: str, ts: str, names: set[str], *, by_user: str, thread_ts: str = ""
    ) -> bool:
        """Whether ``by_user`` shared files with all these ``names`` after message ``ts``.

        A post found by :meth:`find` may have had its files shared before the crash too.
        A conversation the bot may not read: False (the files are shared again).
        """
        shared: set[str] = set()
        try:
            async for message in self._scan(channel_id, thread_ts=thread_ts, oldest=ts):
                if by_user and message.get("user") == by_user:
                    files = [f for f in message.get("files") or () if isinstance(f, dict)]
                    shared.update(str(f.get("name", "")) for f in files)
        except PermanentDeliveryError as exc:
            log.warning("Slack: cannot check whether the files after %s were shared (%s)", ts, exc)
            return False
        return bool(by_user) and names <= shared

    async def _scan(self, channel_id: str, *, thread_ts: str, oldest: str) -> AsyncIterator[dict[str, Any]]:
        """The conversation's (thread's) messages since ``oldest``, up to the look-back's pages."""
        method = "conversations.replies" if thread_ts else "conversations.history"
        params: dict[str, Any] = {
            "channel": channel_id,
            "oldest": oldest,
            "limit": self.look_back.page_size,
            "include_all_metadata": True,
        }
        if thread_ts:
            params["ts"] = thread_ts
        for _ in range(self.look_back.pages):
            data = await self.api.call(method, **params)
            for message in data.get("messages") or ():
                if isinstance(message, dict):
                    yield message
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return
            params["cursor"] = cursor


def _carries(message: Any, digest: str) -> bool:
    if not isinstance(message, dict):
        return False
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == digest
