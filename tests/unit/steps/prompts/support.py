"""What the prompts tests share: a playbook around a prompts section, a started bot, the log."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cohortbot.playbook.actions import PostMessage, StartThread
from cohortbot.playbook.analytics.split import PromptEngagement
from cohortbot.playbook.refs import MessageRef
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.prompts.model import STEP_NAME, PostedLog
from tests.harness import Harness

__all__ = [
    "ALL_STEPS",
    "BERLIN",
    "DAILY",
    "delivered",
    "local",
    "playbook",
    "posted",
    "posted_log",
    "prompts_in",
    "started",
]

BERLIN = ZoneInfo("Europe/Berlin")
ALL_STEPS = list(STEPS)  # prompts is registered

DAILY = """
schedules:
  - name: daily
    cron: "0 9 * * *"
    bank: ["What did you learn today?", "What are you stuck on?", "What will you try next?"]
"""


def playbook(prompts: str) -> str:
    return (
        """
name: Prompts cohort
default: true
timezone: Europe/Berlin
channels: {general: general, moderators: mod-team, announcements: news}
moderators: {users: [mod], platform_admins: false}
steps:
  prompts:
"""
        + "\n".join("    " + line for line in prompts.strip().splitlines())
        + "\n"
    )


async def started(tmp_path: Path, prompts: str, start: datetime, **kw: Any) -> Harness:
    bot = await Harness.start(tmp_path, playbook(prompts), steps=ALL_STEPS, start=start, **kw)
    await bot.join("alice")  # the community becomes known to the scheduler
    return bot


def local(when: datetime) -> str:
    return when.astimezone(BERLIN).strftime("%a %d %b %H:%M")


def prompts_in(bot: Harness, channel: str = "general") -> list[str]:
    return [p.message.text for p in bot.posts_in(channel)]


async def posted_log(bot: Harness) -> PostedLog:
    """The step's stored log of what it posted."""
    async with bot.database.unit_of_work() as uow:
        return await DocumentStore(uow.state, bot.community, STEP_NAME).load(PostedLog)


async def posted(bot: Harness) -> list[PromptEngagement]:
    """The step's own log of what it posted, oldest first."""
    return list(reversed((await posted_log(bot)).engagement()))


def delivered(bot: Harness, action: PostMessage | StartThread) -> MessageRef:
    """The reference the (memory) platform gave the action when it performed it."""
    return bot.delivered(action)
