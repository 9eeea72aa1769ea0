"""The champions step's typed state: the recent-posts memory and each member's champions part.

The memory of recent posts is one small document per remembered post
(``champions.post.<message id>``: :class:`PostedMessage`), so a message costs a write of its
own record, never a rewrite of the whole memory. Each author's part lists their remembered
posts (:attr:`ChampionsSection.posts`: time, channel, kind), which answers "their latest post
in this channel" and "their introduction" and bounds the memory per member by age and count.
:class:`RecentPosts` is both the in-memory view the credit rules work on and the single
document (``champions.recent``) of earlier versions, still read until the weekly round moves
it over.

Everything keeps short stored spellings (``m``, ``ev``, ``by``, ``mod``...): data written
before still loads, and the short names keep a community's member records small. Nothing holds
message text or display names: only member ids, message ids, channel ids and times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer

from cohortbot.playbook.step import Document, MemberSection
from cohortbot.playbook.steps.champions.scoring import Credit, dump_evidence, load_evidence

__all__ = [
    "ANSWERED",
    "FLAG_NAMES",
    "FORMER_MEMBER",
    "INTRO",
    "NEWCOMER",
    "QUESTION",
    "REPLY",
    "ChampionsSection",
    "Evidence",
    "OwnPost",
    "PostedMessage",
    "RecentPosts",
    "Tracked",
]

# What a remembered post may still earn someone a credit for (bits of ``Tracked.flags``).
QUESTION, NEWCOMER, ANSWERED, INTRO, REPLY = 1, 2, 4, 8, 16
FLAG_NAMES = {
    QUESTION: "question",
    NEWCOMER: "newcomer",
    ANSWERED: "answered",
    INTRO: "intro",
    REPLY: "reply",
}

FORMER_MEMBER = ""
"""The giver of a credit whose giver had their data deleted: the points stay, the name goes."""

_STORED = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)


@dataclass(frozen=True, slots=True)
class Tracked:
    """One remembered post: who wrote it, when (unix seconds), what it is, where."""

    author: str
    at: int
    flags: int
    channel: str


def _load_posts(raw: Any) -> dict[str, Tracked]:
    """Stored as ``{message id: [author, unix, flags, channel]}``; malformed rows are skipped."""
    posts: dict[str, Tracked] = {}
    for key, row in raw.items() if isinstance(raw, dict) else ():
        if isinstance(row, Tracked):
            posts[str(key)] = row
        elif isinstance(row, list) and len(row) == 4:
            posts[str(key)] = Tracked(str(row[0]), int(row[1]), int(row[2]), str(row[3]))
    return posts


def _dump_posts(posts: dict[str, Tracked]) -> dict[str, list[Any]]:
    return {key: [t.author, t.at, t.flags, t.channel] for key, t in posts.items()}


Posts = Annotated[
    dict[str, Tracked],
    BeforeValidator(_load_posts),
    PlainSerializer(_dump_posts, return_type=dict[str, list[Any]]),
]
Evidence = Annotated[
    list[Credit],
    BeforeValidator(load_evidence),
    PlainSerializer(dump_evidence, return_type=list[list[Any]]),
]
"""A member's credits, stored as ``[[kind, giver, unix, points], ...]``."""


class RecentPosts(Document):
    """The bounded memory of recent posts that may still earn someone a credit (``champions.recent``)."""

    model_config = _STORED
    key: ClassVar[str] = "recent"

    posts: Posts = Field({}, alias="m")

    def get(self, message: str) -> Tracked | None:
        return self.posts.get(message)

    def latest_by(self, author: str, channel: str, *, before: int) -> tuple[str, Tracked] | None:
        found = [
            (key, t)
            for key, t in self.posts.items()
            if t.author == author and t.channel == channel and t.at <= before
        ]
        return max(found, key=lambda kt: kt[1].at) if found else None

    def intro_of(self, author: str) -> Tracked | None:
        intros = [t for t in self.posts.values() if t.author == author and t.flags & INTRO]
        return max(intros, key=lambda t: t.at) if intros else None

    def by_author(self, author: str) -> Iterator[tuple[str, Tracked]]:
        return ((key, t) for key, t in self.posts.items() if t.author == author)

    def add(self, message: str, tracked: Tracked) -> None:
        self.posts[message] = tracked

    def mark(self, message: str, flag: int) -> None:
        if message in self.posts:
            t = self.posts[message]
            self.posts[message] = replace(t, flags=t.flags | flag)

    def pruned(self, now: datetime, *, keep: timedelta, limit: int) -> RecentPosts:
        """Only posts younger than ``keep``, at most the newest ``limit``."""
        oldest = now.timestamp() - keep.total_seconds()
        fresh = sorted(((k, t) for k, t in self.posts.items() if t.at >= oldest), key=lambda kt: kt[1].at)
        return RecentPosts(posts=dict(fresh[-limit:]))

    def without(self, author: str) -> RecentPosts:
        """The memory without ``author``'s posts (their data was deleted)."""
        return RecentPosts(posts={k: t for k, t in self.posts.items() if t.author != author})


class PostedMessage(Document):
    """One remembered post (``champions.post.<message id>``): its author, time, kind, channel."""

    model_config = _STORED
    key: ClassVar[str] = "post"

    author: str = Field(alias="a")
    at: int = Field(alias="t")
    flags: int = Field(alias="f")
    channel: str = Field(alias="c")

    @classmethod
    def of(cls, tracked: Tracked) -> PostedMessage:
        return cls(author=tracked.author, at=tracked.at, flags=tracked.flags, channel=tracked.channel)

    @property
    def tracked(self) -> Tracked:
        return Tracked(self.author, self.at, self.flags, self.channel)


@dataclass(frozen=True, slots=True)
class OwnPost:
    """One of a member's remembered posts, as their part lists it (the author is the member)."""

    at: int
    flags: int  # the kind it was remembered as (``ANSWERED`` lives on its document only)
    channel: str


def _load_own(raw: Any) -> dict[str, OwnPost]:
    """Stored as ``{message id: [unix, flags, channel]}``; malformed rows are skipped."""
    posts: dict[str, OwnPost] = {}
    for key, row in raw.items() if isinstance(raw, dict) else ():
        if isinstance(row, OwnPost):
            posts[str(key)] = row
        elif isinstance(row, list) and len(row) == 3:
            posts[str(key)] = OwnPost(int(row[0]), int(row[1]), str(row[2]))
    return posts


OwnPosts = Annotated[
    dict[str, OwnPost],
    BeforeValidator(_load_own),
    PlainSerializer(lambda posts: {k: [p.at, p.flags, p.channel] for k, p in posts.items()}),
]


class ChampionsSection(MemberSection):
    """One member's part of the champions step (``Member.data["champions"]``)."""

    model_config = _STORED

    evidence: Evidence = Field([], alias="ev")  # credits earned, each naming whom it came from
    since: datetime | None = None  # a champion since (None: not a champion now)
    term: int = 0  # how many times they were made a champion (keys the role grant and the DM)
    approved_by: str | None = Field(None, alias="by")  # the moderator's id
    nominated: datetime | None = None  # a nomination awaits the moderators' decision
    declined_until: datetime | None = None  # not nominated again before
    quiet_since: datetime | None = Field(None, alias="quiet")  # the last activity a quiet flag was raised for
    seen_as_moderator: bool = Field(False, alias="mod")  # acted as a moderator (or has their role)
    posts: OwnPosts = Field({}, alias="p")  # their remembered posts (each has a PostedMessage)

    def latest_in(self, channel: str, *, before: int) -> str | None:
        """Their latest remembered post in a channel, not after ``before``."""
        found = [(p.at, key) for key, p in self.posts.items() if p.channel == channel and p.at <= before]
        return max(found)[1] if found else None

    def intro(self) -> tuple[str, OwnPost] | None:
        """Their latest remembered introduction."""
        intros = [(key, p) for key, p in self.posts.items() if p.flags & INTRO]
        return max(intros, key=lambda kp: kp[1].at) if intros else None

    def remember(self, message: str, post: OwnPost | None, *, oldest: int, limit: int) -> list[str]:
        """Add a post (if any); keep those from ``oldest`` on, at most the newest ``limit``.

        Returns the message ids let go (their documents are to be dropped).
        """
        posts = {**self.posts, message: post} if post is not None else dict(self.posts)
        fresh = sorted((kp for kp in posts.items() if kp[1].at >= oldest), key=lambda kp: kp[1].at)
        self.posts = dict(fresh[-limit:] if limit > 0 else [])
        return [key for key in posts if key not in self.posts]

    @property
    def champion(self) -> bool:
        return self.since is not None

    def credits_from(self, giver: str) -> list[Credit]:
        return [c for c in self.evidence if c.giver == giver]

    def forget_giver(self, giver: str) -> bool:
        """Remove ``giver``'s id from this member's part; True if anything changed.

        The credits they gave keep their points (the help was real, and the receiver's
        score should not move because someone else left) but no longer say who gave them.
        """
        changed = False
        if any(c.giver == giver for c in self.evidence):
            self.evidence = [
                replace(c, giver=FORMER_MEMBER) if c.giver == giver else c for c in self.evidence
            ]
            changed = True
        if self.approved_by == giver:
            self.approved_by = None
            changed = True
        return changed
