"""The champions scenario shared by the step's tests: a playbook, and a moderator's vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.messages import Button
from cohortbot.playbook.refs import MessageRef
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness

__all__ = [
    "PLAYBOOK",
    "TO_ROUND",
    "answer",
    "answers",
    "ask",
    "button",
    "evidence",
    "helpful_days",
    "kinds",
    "listing",
    "nominations",
    "quiet_flags",
    "started",
]

PLAYBOOK = """
name: Champions test
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels:
  welcome: welcome
  intros: introductions
  moderators: mods
  announcements: announcements
  general: general
moderators: {users: [mod], roles: [Moderators], platform_admins: false}
steps:
  champions:
    role: Champion
    min_score: 8
    count: 2
    decline_pause: 21d
    celebrate: {channel: announcements}
"""

# START is Monday 2 March 2026, 08:00 UTC; the default cadence is Fridays 10:00 Berlin (09:00 UTC).
# Two helpful days take the clock to Wednesday 08:00; this takes it just past Friday's round.
TO_ROUND = "2d2h"


async def started(tmp_path: Path, yaml: str = PLAYBOOK, **kw: Any) -> Harness:
    return await Harness.start(tmp_path, yaml, steps=list(STEPS), **kw)


async def ask(
    bot: Harness, who: str, text: str = "How do I read a CSV file?", channel: str = "general"
) -> MessageRef:
    return await bot.post(who, channel, text)


async def answer(
    bot: Harness, who: str, question: MessageRef, asker: str, text: str = "Try read_csv."
) -> MessageRef:
    return await bot.post(
        who, question.channel.name, text, reply_to=bot.user(asker), reply_to_message=question
    )


async def evidence(bot: Harness, name: str) -> list[list[Any]]:
    member = await bot.member(name)
    assert member is not None
    return list(member.data.get("champions", {}).get("ev", []))


async def kinds(bot: Harness, name: str) -> list[tuple[str, str]]:
    return [(kind, giver) for kind, giver, _at, _points in await evidence(bot, name)]


async def listing(bot: Harness) -> str:
    answer_ = await bot.command("mod", "champions list")
    assert answer_ is not None
    return answer_.message.text


async def answers(bot: Harness, helper: str, count: int = 3, *, tag: str = "") -> None:
    """``helper`` answers one question from each of ``count`` different members (3 points each)."""
    for n in range(count):
        asker = f"asker{tag}{n}"
        await answer(bot, helper, await ask(bot, asker, f"Question {tag}{n}: how do I merge frames?"), asker)


async def helpful_days(bot: Harness, *helpers: str, days: int = 2) -> None:
    """Each helper answers three members a day (9 points a day), for ``days`` days."""
    for day in range(days):
        for helper in helpers:
            await answers(bot, helper, 3, tag=f"d{day}")
        await bot.advance("1d")


def nominations(bot: Harness) -> list[PostMessage]:
    return [p for p in bot.posts_in("mods") if p.message.title.startswith("Champion nomination")]


def button(post: PostMessage, label: str) -> Button:
    return next(b for b in post.message.buttons if b.label == label)


def quiet_flags(bot: Harness) -> list[PostMessage]:
    return [p for p in bot.posts_in("mods") if p.message.title.startswith("Quiet champion")]
