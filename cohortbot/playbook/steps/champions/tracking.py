"""Which helpfulness credits a message or reaction earns, from a small memory of recent posts.

The memory holds, per recent message that may earn someone a credit later (questions,
newcomers' posts, introductions, replies), only its author id, time, channel id and a few
flags — never its text — and is bounded by age and count. Thanks are detected in the text
while the event is in memory; only the resulting credit is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cohortbot.playbook.messages import TOKEN_PATTERN
from cohortbot.playbook.steps.champions.model import (
    ANSWERED,
    INTRO,
    NEWCOMER,
    QUESTION,
    REPLY,
    RecentPosts,
    Tracked,
)

__all__ = [
    "Award",
    "Post",
    "credits_for_post",
    "credits_for_reaction",
    "mentioned_ids",
    "thanks_pattern",
]

MAX_THANKED = 3  # "thanks @a @b @c @d..." credits at most this many


@dataclass(frozen=True, slots=True)
class Award:
    receiver: str  # who earns the credit
    kind: str
    giver: str  # whom they helped / who thanked or reacted


@dataclass(frozen=True, kw_only=True, slots=True)
class Post:
    """What the credit rules need to know about one message (no text)."""

    author: str
    message: str
    channel: str
    at: datetime
    parent: str | None  # the message it answers (reply or thread), if any
    reply_to: str | None  # the author it answers, if the platform said
    mentions: tuple[str, ...] = ()
    question: bool = False
    thanks: bool = False
    newcomer: bool = False  # the author joined recently
    in_intros: bool = False  # posted in the introductions channel
    track: bool = True  # False: the author opted out of analytics; nothing about them is kept


@lru_cache(maxsize=16)
def thanks_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A case-insensitive whole-word matcher for the configured thanks phrases."""
    alternatives = "|".join(re.escape(w.strip()).replace(r"\ ", r"\s+") for w in words if w.strip())
    return (
        re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        if alternatives
        else re.compile(r"(?!)")
    )


def mentioned_ids(text: str, mentions: Iterable[str]) -> tuple[str, ...]:
    """Mentioned member ids: the platform's list plus ``<@ID>`` tokens in the text."""
    found = [*mentions, *(m.group("value") for m in TOKEN_PATTERN.finditer(text) if m.group("kind") == "@")]
    return tuple(dict.fromkeys(i.split("|", 1)[0] for i in found if i))


def credits_for_post(post: Post, recent: RecentPosts) -> list[Award]:
    """The credits ``post`` earns (its author for helping, others for being thanked).

    Updates ``recent``: the post itself is remembered when it may earn credit later, and a
    newcomer's post is marked answered at its first reply.
    """
    at = int(post.at.timestamp())
    parent_id = post.parent
    parent = recent.get(parent_id) if parent_id else None
    if parent is None and post.reply_to:
        found = recent.latest_by(post.reply_to, post.channel, before=at)
        if found is not None:
            parent_id, parent = found
    parent_author = parent.author if parent else post.reply_to
    awards: list[Award] = []
    if parent is not None and parent_id is not None and parent.author != post.author:
        if parent.flags & QUESTION:
            awards.append(Award(post.author, "answer", parent.author))
        if parent.flags & NEWCOMER and not parent.flags & ANSWERED:
            awards.append(Award(post.author, "newcomer_reply", parent.author))
            recent.mark(parent_id, ANSWERED)
        if parent.flags & INTRO:
            awards.append(Award(post.author, "intro_welcome", parent.author))
    others = [m for m in post.mentions if m != post.author]
    if post.in_intros:  # "Welcome @ana!" in the intro channel, to someone who introduced themselves
        for mentioned in others:
            if recent.intro_of(mentioned) is not None:
                awards.append(Award(post.author, "intro_welcome", mentioned))
    if post.thanks:
        thanked = others or ([parent_author] if parent_author and parent_author != post.author else [])
        awards += [Award(who, "thanks", post.author) for who in thanked[:MAX_THANKED]]
    if post.track:
        flags = (QUESTION if post.question else 0) | (NEWCOMER if post.newcomer else 0)
        if parent_author is not None:
            flags |= REPLY
        elif post.in_intros and not others:  # "Welcome @ana!" is a welcome, not an introduction
            flags |= INTRO
        if flags:
            recent.add(post.message, Tracked(post.author, at, flags, post.channel))
    return list(dict.fromkeys(awards))


def credits_for_reaction(reactor: str, message: str, recent: RecentPosts) -> list[Award]:
    """A reaction on someone's reply credits the reply's author."""
    tracked = recent.get(message)
    if tracked is None or not tracked.flags & REPLY or tracked.author == reactor:
        return []
    return [Award(tracked.author, "reaction", reactor)]
