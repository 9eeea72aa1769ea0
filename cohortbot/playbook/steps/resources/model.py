"""The resources step's state: the library (seeded and added links, pending suggestions) and
where it last suggested (thread and channel ids, never a question's text)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from cohortbot.playbook.state import Document
from cohortbot.playbook.steps.resources.links import url_key

__all__ = ["MAX_PENDING", "MAX_RESOURCES", "Library", "Resource", "Suggested", "Suggestion"]

MAX_RESOURCES = 500  # links in a community's library, retired ones included
MAX_PENDING = 100  # suggestions waiting for a moderator
MAX_THREADS = 1000  # threads remembered as already answered with resources
THREADS_KEPT = timedelta(days=90)


class Resource(BaseModel):
    id: int
    topic: str
    title: str
    url: str
    note: str = ""
    keywords: list[str] = Field(default_factory=list)
    source: Literal["playbook", "moderator", "member"] = "moderator"
    edited: bool = False  # a moderator changed a seeded link: the playbook no longer updates it
    retired: bool = False
    suggested_by: str | None = None  # the member whose suggestion it was (export/forget)
    added_at: datetime | None = None


class Suggestion(BaseModel):
    id: int
    topic: str
    title: str
    url: str
    by: str  # the member's id
    at: datetime


class Library(Document):
    key: ClassVar[str] = "library"

    resources: list[Resource] = Field(default_factory=list)
    pending: list[Suggestion] = Field(default_factory=list)
    seeded: list[str] = Field(default_factory=list)  # url keys of playbook links already taken in
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def get(self, rid: int) -> Resource | None:
        return next((r for r in self.resources if r.id == rid), None)

    def suggestion(self, sid: int) -> Suggestion | None:
        return next((s for s in self.pending if s.id == sid), None)

    def holding(self, url: str) -> Resource | Suggestion | None:
        """The live resource or pending suggestion with this page, if any (retired ones don't count)."""
        key = url_key(url)
        live = (r for r in self.resources if not r.retired and url_key(r.url) == key)
        return next(live, None) or next((s for s in self.pending if url_key(s.url) == key), None)

    def live(self, topic: str | None = None) -> list[Resource]:
        return [r for r in self.resources if not r.retired and (topic is None or r.topic == topic)]


class Suggested(Document):
    """Threads already given resources, and each channel's last suggestion (the cooldown)."""

    key: ClassVar[str] = "suggested"

    threads: dict[str, datetime] = Field(default_factory=dict)  # thread (or question) id -> when
    channels: dict[str, datetime] = Field(default_factory=dict)

    def prune(self, now: datetime) -> None:
        kept = sorted(((at, t) for t, at in self.threads.items() if now - at < THREADS_KEPT), reverse=True)
        self.threads = {t: at for at, t in kept[:MAX_THREADS]}
