"""What the assignments step's tests share: a playbook with two cohorts and their assignments,
a started bot, cohort membership, and lookups of what the bot sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.playbook.actions import RespondToInteraction, SendDirectMessage
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.cohorts.model import STEP_NAME as COHORTS
from cohortbot.playbook.steps.cohorts.model import CohortsMember, Roll
from tests.harness import Harness

__all__ = ["PLAYBOOK", "at", "enrol", "reminders_to", "started", "text"]

# Berlin is UTC+1 until 29 March. The harness starts on Monday 2 March, 08:00 UTC (09:00 local).
PLAYBOOK = """
name: Assignments
default: true
community_name: Data Cohort
timezone: Europe/Berlin
channels: {announcements: news, general: general}
moderators: {users: [mod], platform_admins: false}
steps:
  cohorts:
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02
        weeks: 4
        week:
          1:
            assignments:
              - {name: essay, title: "Essay <@everyone>", due: "fri 23:59", link: "https://example.org/essay"}
              - {name: quiz, title: Quiz, due: "wed 18:00", late: refuse, remind_before: 2h}
              - name: sprint
                title: Sprint exercise
                due: "thu 20:00"
                time_limit: 45m
                description: "Clean the *messy* table"
                link: https://example.org/sprint
          2:
            assignments:
              - {name: project, title: Spring project, due: "fri 23:59"}
      - name: summer
        title: Summer 2026
        start: 2026-03-02
        weeks: 2
        week:
          1:
            assignments:
              - {name: essay, title: "Essay <@everyone>", due: "fri 23:59"}
              - {name: project, title: Summer project, due: "tue 12:00"}
  assignments: {}
"""


def at(text: str) -> datetime:
    """A Berlin wall-clock time in March 2026 (UTC+1), e.g. ``at("06 23:59")``."""
    return datetime.fromisoformat(f"2026-03-{text}:00+01:00").astimezone(UTC)


async def started(tmp_path: Path, playbook: str = PLAYBOOK, **kw: Any) -> Harness:
    bot = await Harness.start(tmp_path, playbook, **kw)
    await bot.join("mod")  # the community becomes known to the scheduler
    return bot


async def enrol(bot: Harness, name: str, *cohorts: str) -> None:
    """``name`` joins the community and is in ``cohorts`` (as the cohorts step records it)."""
    await bot.join(name)
    async with bot.database.unit_of_work() as uow:
        member = await uow.members.get(bot.community, bot.user(name))
        assert member is not None
        section = CohortsMember.model_validate(member.data.get(COHORTS) or {})
        member.data[COHORTS] = {"cohorts": {**section.cohorts, **dict.fromkeys(cohorts, "enrol")}}
        await uow.members.save(member)
        docs = DocumentStore(uow.state, bot.community, COHORTS)
        for cohort in cohorts:
            roll = await docs.load(Roll, cohort)
            roll.members = sorted({*roll.members, name})
            await docs.store(roll, cohort)
        await uow.commit()


def text(answer: RespondToInteraction | None) -> str:
    assert answer is not None, "the bot did not answer"
    return answer.message.text


def reminders_to(bot: Harness, name: str, kind: str = "remind") -> list[SendDirectMessage]:
    return [dm for dm in bot.dms_to(name) if f"assignments:{bot.community}:{kind}:" in dm.key]
