"""One reminder before the due moment, to the members who have not submitted: never to those
who have, never twice (a planner that runs again, a restart), once for a member in two cohorts."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.messages import timestamp
from cohortbot.storage.memory import MemoryStore
from tests.harness import Harness
from tests.unit.steps.assignments.support import PLAYBOOK, at, enrol, reminders_to, started, text

ESSAY_ONLY = PLAYBOOK.replace("remind_before: 2h}", "remind_before: 0s}")


def essay_reminders(bot: Harness, name: str) -> list[str]:
    return [dm.message.text for dm in reminders_to(bot, name) if ":essay-" in dm.key]


async def test_the_members_who_have_not_submitted_get_one_reminder_a_day_before(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    for name in ("alice", "bob", "carol"):
        await enrol(bot, name, "spring")
    await bot.command("alice", "submit essay https://x.example/a")
    await bot.advance("3d14h")  # Thursday 5 March, 23:00 Berlin: not yet
    assert essay_reminders(bot, "bob") == []
    await bot.advance("1h")  # Friday 00:00 Berlin, a day before Friday 23:59 is past
    assert essay_reminders(bot, "bob") == [
        rf"⏰ **Essay \<@everyone\>** (Spring 2026) is due {timestamp(at('06T23:59'))}, and I have no "
        "submission from you yet.\nSubmit it with `/cohort submit essay LINK [note]`."
    ]
    assert len(essay_reminders(bot, "carol")) == 1
    assert essay_reminders(bot, "alice") == []  # she submitted
    await bot.command("carol", "submit essay https://x.example/c")
    await bot.advance("3d")  # past the due moment and beyond: nothing more
    assert len(essay_reminders(bot, "bob")) == 1 and len(essay_reminders(bot, "carol")) == 1
    await bot.close()


async def test_a_member_in_two_cohorts_with_one_assignment_moment_is_reminded_once(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    await enrol(bot, "dave", "spring", "summer")  # both have "essay", due Friday 23:59
    await enrol(bot, "erin", "summer")
    await bot.advance("5d")
    assert len(essay_reminders(bot, "dave")) == 1
    assert len(essay_reminders(bot, "erin")) == 1
    await bot.close()


async def test_a_restart_after_the_reminder_sends_it_no_second_time(tmp_path: Path) -> None:
    store = MemoryStore()
    first = await started(tmp_path, database=store)
    await enrol(first, "bob", "spring")
    await first.advance("3d16h")  # Friday 01:00 Berlin: reminded
    assert len(essay_reminders(first, "bob")) == 1
    again = await Harness.start(tmp_path, PLAYBOOK, database=store, start=first.clock.now())
    await again.advance("20h")  # the planner runs every hour until the due moment
    assert essay_reminders(again, "bob") == []
    await first.close()
    await again.close()


async def test_a_bot_first_there_after_the_reminder_time_reminds_at_once_before_the_due_moment(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path, start=at("06T12:00"))  # Friday noon: the reminder time has passed
    await enrol(bot, "bob", "spring")
    await bot.advance("1h")
    assert len(essay_reminders(bot, "bob")) == 1
    late = await started(tmp_path / "late", start=at("07T12:00"))  # after the due moment: none
    await enrol(late, "bob", "spring")
    await late.advance("1h")
    assert essay_reminders(late, "bob") == []
    await bot.close()
    await late.close()


async def test_members_who_left_and_assignments_without_reminder_get_none(tmp_path: Path) -> None:
    bot = await started(tmp_path, ESSAY_ONLY)
    await enrol(bot, "bob", "spring")
    await enrol(bot, "gone", "spring")
    await bot.leave("gone")
    await bot.advance("5d")
    assert essay_reminders(bot, "gone") == []
    assert [dm for dm in reminders_to(bot, "bob") if ":quiz-" in dm.key] == []  # remind_before: 0s
    assert len(essay_reminders(bot, "bob")) == 1
    await bot.close()


OPEN_COHORT = """
name: Open cohort
default: true
timezone: Europe/Berlin
channels: {announcements: news}
moderators: {users: [mod], platform_admins: false}
steps:
  cohorts:
    cohorts:
      - name: spring
        start: 2026-03-02
        weeks: 2
        members: {enrol: false}        # no role, no roster, no enrolment: everyone is in it
        week:
          1:
            assignments:
              - {name: essay, title: Essay, due: "fri 23:59"}
  assignments: {}
"""


async def test_a_cohort_that_takes_no_one_in_holds_everyone_present(tmp_path: Path) -> None:
    bot = await started(tmp_path, OPEN_COHORT)
    for name in ("alice", "bob"):
        await bot.join(name)
    submitted = text(await bot.command("alice", "submit essay https://x.example/a"))
    assert "not in a cohort" not in submitted
    await bot.advance("5d")
    assert essay_reminders(bot, "bob") != [] and essay_reminders(bot, "alice") == []
    progress = text(await bot.command("mod", "assignment progress essay"))
    assert "alice" in progress and "bob" in progress
    await bot.close()
