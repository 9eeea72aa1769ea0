"""What the health tests share: the synthetic community under a digest playbook, a watched
community of two newcomers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness
from tests.unit import synthetic

__all__ = [
    "HEALTH_STEPS",
    "PLAYBOOK",
    "PNG",
    "WATCH",
    "lines",
    "pings",
    "watched",
    "with_synthetic_community",
]

HEALTH_STEPS = list(STEPS)  # health is registered
PNG = b"\x89PNG\r\n\x1a\n"

PLAYBOOK = """
name: Health cohort
default: true
timezone: UTC
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    weeks: 6
    start: 2026-03-02
    goals:
      - {name: Members invited, metric: members_joined, target: 20, by_week: 3}
      - {name: Introductions, metric: introductions, target: 30, by_week: 6}
"""


async def with_synthetic_community(tmp_path: Path, yaml: str = PLAYBOOK) -> Harness:
    """The synthetic community's five weeks, loaded; the clock on Sunday of week 5, 23:00."""
    bot = await Harness.start(tmp_path, yaml, steps=HEALTH_STEPS, start=synthetic.day(34, 23))
    community = synthetic.build()
    async with bot.database.unit_of_work() as uow:
        for member in community.members:
            await uow.members.save(dataclasses.replace(member, community=bot.community))
        for record in community.records:
            await uow.activity.add(dataclasses.replace(record, community=bot.community))
        await uow.commit()
    await bot.command("mod", "help")  # the community becomes known to the scheduler
    return bot


def lines(post: PostMessage) -> list[str]:
    return post.message.text.splitlines()


WATCH = """
name: Watch cohort
default: true
timezone: UTC
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    digest: null
    newcomer_watch: {newcomer_for: 14d, unanswered_after: 4h}
"""


async def watched(tmp_path: Path, yaml: str = WATCH) -> Harness:
    bot = await Harness.start(tmp_path, yaml, steps=HEALTH_STEPS)
    await bot.join("alice")
    await bot.join("bob")
    return bot


def pings(bot: Harness) -> list[PostMessage]:
    return bot.posts_in("mod-team")
