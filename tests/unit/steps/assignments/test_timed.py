"""Timed exercises: the window opens when the member starts it, closes after the time limit
(never past the due moment), starting twice keeps the window, a reminder before it closes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.messages import timestamp
from tests.harness import Harness
from tests.unit.steps.assignments.support import PLAYBOOK, at, enrol, reminders_to, started, text

REFUSING = PLAYBOOK.replace("time_limit: 45m", "time_limit: 45m\n                late: refuse")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    await enrol(harness, "alice", "spring")
    yield harness
    await harness.close()


async def test_starting_opens_the_members_window_with_the_exercise(bot: Harness) -> None:
    answer = await bot.command("alice", "assignment start sprint")
    assert answer is not None and answer.private
    closes = bot.clock.now() + (at("02T10:45") - at("02T10:00"))
    assert text(answer).splitlines() == [
        f"**Sprint exercise** has started: you have until {timestamp(closes)}.",
        r"Clean the \*messy\* table",
        "[Open it](https://example.org/sprint)",
        "Submit it with `/cohort submit sprint LINK [note]`.",
    ]
    await bot.advance("30m")
    on_time = await bot.command("alice", "submit sprint https://x.example/s")
    assert "On time" in text(on_time)


async def test_a_submission_after_the_window_is_late_though_the_due_moment_is_days_away(bot: Harness) -> None:
    await bot.command("alice", "assignment start sprint")
    closes = bot.clock.now() + (at("02T10:45") - at("02T10:00"))
    await bot.advance("50m")
    answer = await bot.command("alice", "submit sprint https://x.example/s")
    assert f"Marked late: your time for it was up {timestamp(closes)}." in text(answer)


async def test_starting_twice_does_not_reset_the_window(bot: Harness) -> None:
    await bot.command("alice", "assignment start sprint")
    began = bot.clock.now()
    await bot.advance("40m")
    again = await bot.command("alice", "assignment start sprint")
    closes = began + (at("02T10:45") - at("02T10:00"))
    head = f"You started **Sprint exercise** {timestamp(began)}; it closes {timestamp(closes)}."
    assert text(again).startswith(head)
    await bot.advance("10m")
    assert "Marked late" in text(await bot.command("alice", "submit sprint https://x.example/s"))


async def test_it_must_be_started_before_it_can_be_submitted(bot: Harness) -> None:
    answer = await bot.command("alice", "submit sprint https://x.example/s")
    assert "is a timed exercise: start it first with `/cohort assignment start sprint`" in text(answer)
    assert "(you'll have 45 minutes)" in text(answer)


async def test_the_window_never_runs_past_the_due_moment(bot: Harness) -> None:
    await bot.advance("3d")  # Thursday 09:00 Berlin
    await bot.advance("10h30m")  # 19:30: due at 20:00
    answer = await bot.command("alice", "assignment start sprint")
    assert f"you have until {timestamp(at('05T20:00'))}." in text(answer)


async def test_a_reminder_a_few_minutes_before_the_window_closes_unless_submitted(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    await enrol(bot, "alice", "spring")
    await enrol(bot, "bob", "spring")
    await bot.command("alice", "assignment start sprint")
    await bot.command("bob", "assignment start sprint")
    closes = bot.clock.now() + (at("02T10:45") - at("02T10:00"))
    await bot.advance("20m")
    await bot.command("bob", "submit sprint https://x.example/b")
    await bot.advance("19m")  # 39 minutes in: not yet
    assert reminders_to(bot, "alice", "window") == []
    await bot.advance("2m")  # 41 minutes in: 5 minutes before
    [nudge] = reminders_to(bot, "alice", "window")
    assert nudge.message.text == (
        f"⏳ Your time for **Sprint exercise** is nearly up: it closes {timestamp(closes)}.\n"
        "Submit it with `/cohort submit sprint LINK [note]`."
    )
    assert reminders_to(bot, "bob", "window") == []
    # Started members are not also sent the day-before reminder of the exercise.
    await bot.advance("3d")
    assert [dm for dm in reminders_to(bot, "alice") if ":sprint-" in dm.key] == []
    await bot.close()


async def test_an_exercise_that_refuses_late_work_cannot_be_started_or_submitted_late(tmp_path: Path) -> None:
    bot = await started(tmp_path, REFUSING)
    await enrol(bot, "alice", "spring")
    await enrol(bot, "bob", "spring")
    await bot.command("alice", "assignment start sprint")
    await bot.advance("1h")
    assert "late submissions aren't accepted" in text(
        await bot.command("alice", "submit sprint https://x.example/a")
    )
    await bot.advance("4d")  # past Thursday 20:00
    assert "can't be started any more" in text(await bot.command("bob", "assignment start sprint"))
    await bot.close()


async def test_an_assignment_without_a_time_limit_has_nothing_to_start(bot: Harness) -> None:
    answer = await bot.command("alice", "assignment start essay")
    assert text(answer).startswith(r"**Essay \<@everyone\>** has no time limit, so there's nothing to start")
