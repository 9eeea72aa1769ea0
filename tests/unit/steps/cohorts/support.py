"""What the cohorts step's tests share: a playbook with two cohorts, a started bot, lookups."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.playbook.actions import PostMessage, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.events import MemberUpdated
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.cohorts.model import STEP_NAME, CohortsMember, Roll
from tests.harness import Harness

__all__ = [
    "PLAYBOOK",
    "SUNDAY",
    "answer_text",
    "cohorts_of",
    "invites",
    "roll",
    "set_roles",
    "started",
    "week_posts",
]

SUNDAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the day before spring's first week (Berlin)

PLAYBOOK = """
name: Cohorts
default: true
community_name: Data Cohort
timezone: Europe/Berlin
channels: {announcements: news, general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  cohorts:
    post_at: "09:00"
    enrol_closes_after: 14d
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02            # a Monday
        weeks: 4
        members: {role: Spring, enrol: true}
        week:
          1:
            theme: Getting started
          2:
            theme: Tidy data
            prompt: "Which messy dataset have you met?"
            assignments:
              - {name: tidy-1, title: "Tidy <@everyone> exercise", due: "fri 23:59"}
          3:
            theme: Regression
            message: "Week {week} of {cohort}: {week_theme}! {weeks_left} weeks to go."
            survey: {name: mid, on: fri, at: "17:00"}
            assignments:
              - {name: regression-1, title: Regression exercise, due: "thu 18:00"}
      - name: evening
        title: Evening group
        start: 2026-03-04            # a Wednesday: its weeks run Wednesday to Tuesday
        weeks: 3
        channel: evening
        members: {enrol: false}
        week:
          3:
            survey: {name: mid, on: fri, at: "12:00"}
  surveys:
    remind_after: 2d
    surveys:
      - name: mid
        title: Mid-point check-in
        anonymous: true
        questions:
          - {id: pace, type: scale, text: "How is the pace?"}
"""


async def started(
    tmp_path: Path, playbook: str = PLAYBOOK, *, start: datetime = SUNDAY, **kw: Any
) -> Harness:
    bot = await Harness.start(tmp_path, playbook, start=start, **kw)
    await bot.join("alice")  # the community becomes known to the scheduler
    return bot


async def set_roles(bot: Harness, name: str, *roles: str) -> None:
    """The platform tells the bot the member's roles now (all of them)."""
    bot.roles[name] = set(roles)
    await bot.send(MemberUpdated, member=bot.user(name), display_name=name, roles=frozenset(roles))


def week_posts(bot: Harness, channel: str = "news") -> list[PostMessage]:
    return [p for p in bot.posts_in(channel) if ":week:" in p.key]


def invites(bot: Harness, name: str) -> list[SendDirectMessage]:
    return [dm for dm in bot.dms_to(name) if ":invite:" in dm.key]


def answer_text(answer: RespondToInteraction | None) -> str:
    assert answer is not None
    return answer.message.text


async def roll(bot: Harness, cohort: str) -> list[str]:
    async with bot.database.unit_of_work() as uow:
        return (await DocumentStore(uow.state, bot.community, STEP_NAME).load(Roll, cohort)).members


async def cohorts_of(bot: Harness, name: str) -> dict[str, str]:
    async with bot.database.unit_of_work() as uow:
        member = await uow.members.get(bot.community, bot.user(name))
    assert member is not None
    return dict(CohortsMember.model_validate(member.data.get(STEP_NAME) or {}).cohorts)
