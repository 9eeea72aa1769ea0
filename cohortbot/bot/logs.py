"""Log records: plain text or one JSON object per line, with the event being decided, no secret.

``deciding(event)`` marks the community and platform event id of the event in hand (a
contextvar, set by the decider around each event), so every line logged meanwhile — by the
runtime, the engine, a failing step — carries them without each call passing them. A call may
also pass them itself: ``log.info(..., extra={"community": ..., "event_id": ...})``.

Redaction is the last thing before a line is written: each configured secret is replaced by
``***`` in the message, the traceback and every field, in both formats.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from cohortbot.playbook.events import Event

__all__ = ["ContextFilter", "JsonFormatter", "Redact", "TextFormatter", "deciding"]

# (community, event id) of the event being decided in this task, if any.
_DECIDING: ContextVar[tuple[str, str] | None] = ContextVar("cohortbot_deciding", default=None)
FIELDS = ("community", "event_id")
MAX_FIELD = 300   # ids come from platforms: bound what one field may add to a line


@contextmanager
def deciding(event: Event) -> Iterator[None]:
    """Lines logged inside carry ``event``'s community and event id."""
    token = _DECIDING.set((str(event.community), event.event_id))
    try:
        yield
    finally:
        _DECIDING.reset(token)


class ContextFilter(logging.Filter):
    """Adds ``community`` and ``event_id`` to a record from the event being decided, unless the
    call passed its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _DECIDING.get()
        if current is not None:
            for name, value in zip(FIELDS, current, strict=True):
                if getattr(record, name, None) is None:
                    setattr(record, name, value)
        return True


class Redact:
    """Replaces every configured secret (6 characters or more) in a string with ``***``."""

    def __init__(self, secrets: Sequence[str]) -> None:
        # Longest first: a secret containing another is hidden whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``, redacted (message and traceback alike)."""

    def __init__(self, redact: Redact) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and ``community``
    and ``event_id`` when known, ``exception`` when there is one. Every value is redacted
    before it is encoded, so an escaped secret cannot slip through."""

    def __init__(self, redact: Redact) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = self.redact(str(value)[:MAX_FIELD])
        if record.exc_info:
            line["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = self.redact(record.exc_text)
        if record.stack_info:
            line["stack"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)
