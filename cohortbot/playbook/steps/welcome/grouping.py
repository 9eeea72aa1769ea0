"""The grouped welcome of a join burst, in as many posts as the platform needs.

Every part is the playbook's whole ``burst.message`` for its share of ``{members}`` (each
member is named once, in one part), within ``Capabilities.max_message_length``. Past
``burst.max_posts`` parts, the last one ends with "… and N more" instead of flooding the
channel.
"""

from __future__ import annotations

from cohortbot.playbook.lengths import clip, more, split_names
from cohortbot.playbook.messages import RichMessage, mention
from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.welcome.card import card
from cohortbot.playbook.steps.welcome.config import WelcomeConfig

__all__ = ["grouped_posts"]

Ctx = StepContext[WelcomeConfig]


def grouped_posts(ctx: Ctx, members: list[Member]) -> list[RichMessage]:
    """The posts that welcome ``members`` (at least one member), in order."""
    burst = ctx.config.burst
    limit = ctx.capabilities.max_message_length
    count = str(len(members))
    names = [mention(m.user) for m in members]
    overhead = len(ctx.fill(burst.message, members="", count=count))
    # Room for the names in one part, keeping space for the "… and N more" of the last part.
    budget = max(1, limit - overhead - len(more(len(names))))
    parts = split_names(names, budget)
    shown = parts[: burst.max_posts]
    left = len(names) - sum(len(p) for p in shown)
    buttons = card(ctx, members[0]).buttons
    posts = []
    for index, part in enumerate(shown):
        listed = ", ".join(part) + (more(left) if left and index == len(shown) - 1 else "")
        text = ctx.fill(burst.message, members=listed, count=count)
        posts.append(RichMessage(text=clip(text, limit), buttons=buttons))
    return posts
