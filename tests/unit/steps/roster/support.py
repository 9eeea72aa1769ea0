"""What the roster step's tests share: a playbook with cohorts and the roster, seeding rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.actions import RespondToInteraction
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.steps.cohorts import api as cohorts
from cohortbot.playbook.steps.roster import api
from tests.harness import Harness

__all__ = ["CSV", "PLAYBOOK", "SUNDAY", "import_rows", "join", "members_of", "rows", "said", "started"]

SUNDAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

PLAYBOOK = """
name: Roster
default: true
community_name: Data Cohort
timezone: Europe/Berlin
channels: {general: general, moderators: mod-team, welcome: welcome}
moderators: {users: [mod], platform_admins: false}
steps:
  welcome:
    message: "Welcome, {member}!"
  cohorts:
    cohorts:
      - {name: spring, title: Spring 2026, start: 2026-03-02, weeks: 8, members: {roster: true}}
      - {name: evening, title: Evening cohort, start: 2026-03-02, weeks: 8, members: {roster: true}}
      - {name: selfpaced, start: 2026-03-02, weeks: 8, members: {roster: false}}
  roster:
    daily: "0 9 * * *"
"""

CSV = (
    "name,email,handle,cohort\n"
    "Ada Lovelace,ada@example.org,ada,spring\n"
    "Bob Byte,bob@example.org,,evening\n"
    "Cy Loner,cy@example.org,,\n"
    "Di Self,di@example.org,,selfpaced\n"
)


async def started(tmp_path: Path, playbook: str = PLAYBOOK, **kw: object) -> Harness:
    return await Harness.start(tmp_path, playbook, start=SUNDAY, **kw)  # type: ignore[arg-type]


async def import_rows(bot: Harness, text: str = CSV) -> dict[str, api.Row]:
    """Import ``text`` as the CLI does (without it): the rows by email."""
    loaded = bot.runtime.engine.playbooks.for_community(bot.community)
    assert loaded is not None
    names = [(c.name, c.title) for c in cohorts.calendars(loaded)]
    parsed = api.parse_roster(text.encode(), names)
    assert parsed.problems == []
    async with bot.database.unit_of_work() as uow:
        store = api.store(uow, bot.community)
        await api.merge(store, parsed.entries, now=bot.clock.now())
        await store.flush()
        await uow.commit()
    return await rows(bot)


async def rows(bot: Harness) -> dict[str, api.Row]:
    async with bot.database.unit_of_work() as uow:
        stored = await api.store(uow, bot.community).all_rows()
    return {row.email: row for row in stored.values()}


async def members_of(bot: Harness, cohort: str) -> list[str]:
    async with bot.database.unit_of_work() as uow:
        return await cohorts.members(uow, bot.community, cohort)


async def join(bot: Harness, name: str, *, email: str = "", handle: str = "") -> None:
    await bot.send(MemberJoined, member=bot.user(name), display_name=name.title(), email=email, handle=handle)


def said(answer: RespondToInteraction | None) -> str:
    assert answer is not None and answer.ephemeral
    return answer.message.text
