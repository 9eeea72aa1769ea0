"""The recent-posts memory as stored: one small document per post, an index in each author's part.

For one event, :class:`Memory` loads only the records the credit rules will look at (the post
replied to, the latest post of the member replied to, the introductions of those welcomed)
into a :class:`RecentPosts` view, lets ``tracking`` work on it, and writes back only what
changed: a new post's document and its author's part, a post marked answered. The single
document of earlier versions (``champions.recent``) is still read when a record is not found,
until the weekly round (:func:`sweep`) moves it over and drops it; the round also lets go of
the posts of members who stopped posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.steps.champions.model import (
    ChampionsSection,
    OwnPost,
    PostedMessage,
    RecentPosts,
    Tracked,
)

if TYPE_CHECKING:
    from cohortbot.playbook.step import StepContext
    from cohortbot.playbook.steps.champions.config import ChampionsConfig

    Ctx = StepContext[ChampionsConfig]

__all__ = ["MAX_PER_MEMBER", "Memory", "sweep"]

MAX_PER_MEMBER = 100  # remembered posts per author (questions, intros, replies...)


class Memory:
    """The records of the memory one event looks at, and what it changed."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.view = RecentPosts()
        self._read: dict[str, Tracked] = {}
        self._legacy: RecentPosts | None = None
        self._legacy_read = False

    async def _old(self) -> RecentPosts | None:
        if not self._legacy_read:
            self._legacy, self._legacy_read = await self.ctx.find(RecentPosts), True
        return self._legacy

    def _keep(self, message: str, tracked: Tracked) -> None:
        self._read.setdefault(message, tracked)
        self.view.add(message, tracked)

    async def post(self, message: str) -> Tracked | None:
        """Load one post by its message id (None: not remembered)."""
        if message in self.view.posts:
            return self.view.posts[message]
        found = await self.ctx.find(PostedMessage, message)
        tracked = found.tracked if found is not None else None
        if tracked is None and (old := await self._old()) is not None:
            tracked = old.get(message)
        if tracked is not None:
            self._keep(message, tracked)
        return tracked

    async def _part(self, author: str) -> ChampionsSection | None:
        member = await self.ctx.member(UserRef(self.ctx.community.platform, author))
        return None if member is None else self.ctx.section(member, ChampionsSection)

    async def latest(self, author: str, channel: str, *, before: int) -> None:
        """Load the author's latest post in the channel."""
        part = await self._part(author)
        message = part.latest_in(channel, before=before) if part is not None else None
        if message is not None and await self.post(message) is not None:
            return
        old = await self._old()
        found = old.latest_by(author, channel, before=before) if old is not None else None
        if found is not None:
            await self.post(found[0])

    async def intro(self, author: str) -> None:
        """Load the author's latest introduction."""
        part = await self._part(author)
        found = part.intro() if part is not None else None
        if found is not None:
            message, own = found
            if message not in self.view.posts:
                self._keep(message, Tracked(author, own.at, own.flags, own.channel))
            return
        old = await self._old()
        if old is not None and (tracked := old.intro_of(author)) is not None:
            message = next(k for k, t in old.by_author(author) if t == tracked)
            await self.post(message)

    async def save(self, author: Member | None, new: str) -> None:
        """Write back the posts the event changed; a new post also goes in its author's part."""
        ctx = self.ctx
        for message, changed in self.view.posts.items():
            if message == new and message not in self._read:
                continue
            if self._read.get(message) != changed:
                await ctx.store(PostedMessage.of(changed), message)
        tracked = self.view.posts.get(new)
        if tracked is None or new in self._read or author is None:
            return
        part = ctx.section(author, ChampionsSection)
        oldest = int((ctx.now - ctx.config.remember_posts).timestamp())
        own = OwnPost(tracked.at, tracked.flags, tracked.channel)
        dropped = part.remember(new, own, oldest=oldest, limit=MAX_PER_MEMBER)
        for message in dropped:
            await ctx.drop(PostedMessage, message)
        if new not in dropped:
            await ctx.store(PostedMessage.of(tracked), new)
        ctx.set_section(author, part)
        await ctx.uow.members.save(author)


async def sweep(ctx: Ctx, members: Sequence[Member]) -> None:
    """Let go of posts older than ``remember_posts``; move the old single document over."""
    now = ctx.now
    oldest = int((now - ctx.config.remember_posts).timestamp())
    by_id = {m.user.id: m for m in members}
    old = await ctx.find(RecentPosts)
    moved: dict[str, list[tuple[str, Tracked]]] = {}
    if old is not None:
        fresh = old.pruned(now, keep=ctx.config.remember_posts, limit=len(old.posts))
        for message, tracked in fresh.posts.items():
            if tracked.author in by_id and await ctx.find(PostedMessage, message) is None:
                await ctx.store(PostedMessage.of(tracked), message)
                moved.setdefault(tracked.author, []).append((message, tracked))
    for member in members:
        part = ctx.section(member, ChampionsSection)
        before = dict(part.posts)
        for message, tracked in moved.get(member.user.id, []):
            part.posts[message] = OwnPost(tracked.at, tracked.flags, tracked.channel)
        for message in part.remember("", None, oldest=oldest, limit=MAX_PER_MEMBER):
            await ctx.drop(PostedMessage, message)
        if part.posts != before:
            ctx.set_section(member, part)
            await ctx.uow.members.save(member)
    if old is not None:
        await ctx.drop(RecentPosts)

