"""What the champions step keeps about a member outside their own record, exported and forgotten.

A member appears in the recent-posts memory (their own posts' documents, listed in their part,
and the old single document while it is still there) and in other members' champion
parts: as the giver of credits there (whom someone helped, who thanked or reacted) and as the
moderator who approved a champion. Their own part (``Member.data["champions"]``) is exported
with their member record; ``forget`` drops it too, so the hook is complete on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.steps.champions.model import (
    FLAG_NAMES,
    ChampionsSection,
    PostedMessage,
    RecentPosts,
    Tracked,
)

if TYPE_CHECKING:
    from cohortbot.playbook.step import StepContext
    from cohortbot.playbook.steps.champions.config import ChampionsConfig

    Ctx = StepContext[ChampionsConfig]

__all__ = ["export", "forget"]

# A credit someone else earned, as the member who gave it would read it.
GIVEN = {
    "answer": "they answered your question",
    "newcomer_reply": "they were the first to reply to you as a newcomer",
    "thanks": "you thanked them",
    "reaction": "you reacted to their reply",
    "intro_welcome": "they welcomed your introduction",
}


async def _others(ctx: Ctx, user: UserRef) -> list[tuple[Member, ChampionsSection]]:
    """Every other member (present or not), with their champions part (empty if they have none)."""
    return [
        (m, ctx.section(m, ChampionsSection))
        for m in await ctx.uow.members.list(ctx.community, present_only=False)
        if m.user != user
    ]


async def _own_posts(ctx: Ctx, user: UserRef) -> dict[str, Tracked]:
    """The member's remembered posts: those their part lists, and any in the old single document."""
    found: dict[str, Tracked] = {}
    own = await ctx.member(user)
    for message in ctx.section(own, ChampionsSection).posts if own is not None else ():
        doc = await ctx.find(PostedMessage, message)
        if doc is not None:
            found[message] = doc.tracked
    old = await ctx.find(RecentPosts)
    for message, tracked in old.by_author(user.id) if old is not None else ():
        found.setdefault(message, tracked)
    return found


async def export(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """The member's remembered posts, the credits they gave others, the champions they approved.

    Only what there is: an empty dict when the step keeps nothing about them.
    """
    posts = [
        {
            "message": message,
            "channel": t.channel,
            "at": t.at,
            "kinds": [name for bit, name in FLAG_NAMES.items() if t.flags & bit],
        }
        for message, t in (await _own_posts(ctx, user)).items()
    ]
    given: list[dict[str, Any]] = []
    approved: list[dict[str, Any]] = []
    for member, part in await _others(ctx, user):
        given += [
            {
                "to": member.user.id,
                "credit": c.kind,
                "meaning": GIVEN.get(c.kind, c.kind),
                "at": c.when.isoformat(),
                "points": c.points,
            }
            for c in part.credits_from(user.id)
        ]
        if part.approved_by == user.id and part.since is not None:
            approved.append({"champion": member.user.id, "since": part.since.isoformat()})
    found = {"recent_posts": posts, "credits_given": given, "champions_approved": approved}
    return {name: rows for name, rows in found.items() if rows}


async def forget(ctx: Ctx, user: UserRef) -> None:
    """Remove the member from the memory, their own part, and every other member's part.

    Credits they gave others keep their points but lose the giver (see
    :meth:`ChampionsSection.forget_giver`); approvals they made lose the approver.
    """
    for message in await _own_posts(ctx, user):
        await ctx.drop(PostedMessage, message)
    recent = await ctx.find(RecentPosts)
    if recent is not None:
        kept = recent.without(user.id)
        if kept.posts != recent.posts:
            await ctx.store(kept)
    own = await ctx.member(user)
    if own is not None:
        ctx.set_section(own, None)
        await ctx.uow.members.save(own)
    for member, part in await _others(ctx, user):
        if part.forget_giver(user.id):
            ctx.set_section(member, part)
            await ctx.uow.members.save(member)
