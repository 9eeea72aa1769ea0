"""Attendance as data: the playbook's section, the published API's counts, privacy export and
forget, and the course calendar's placeholders in the sessions step's texts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbooks
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.steps.sessions import STEP
from cohortbot.playbook.steps.sessions.api import SessionAttendance, attendance
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.sessions.test_attendance import (
    OFFICE,
    OFFICE_ID,
    PLAYBOOK,
    WORKSHOP,
    WORKSHOP_ID,
    check_in_cards,
    code_posted,
    rsvp,
    started,
    until,
)
from tests.unit.steps.sessions.test_sessions import SESSION_STEPS

# ---------------------------------------------------------------------------- the playbook


@pytest.mark.parametrize(
    ("attendance", "expected"),
    [
        ("{check_in: qr}", "steps.sessions.attendance.check_in: Input should be 'button', 'code' or 'both'"),
        ("{closes_after: 0m}", "closes_after must be longer than 0, e.g. 30m (counted from the start)"),
        ("{opens_before: -5m}", "expected a duration like 15m"),
        ("{opens_before: -300}", "opens_before must be 0 or longer, e.g. 10m"),
        (
            "{check_in: code, typo: 1}",
            "attendance.typo: unknown key. Expected one of: check_in, closes_after, opens_before",
        ),
    ],
)
def test_a_broken_attendance_section_is_refused_when_the_playbook_loads(
    tmp_path: Path, attendance: str, expected: str
) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(f"name: A\ndefault: true\nsteps:\n  sessions:\n    attendance: {attendance}\n")
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([file], SESSION_STEPS)
    assert expected in str(caught.value)


# ---------------------------------------------------------------------------- the published API


async def test_the_api_counts_rsvps_and_check_ins_per_session(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await rsvp(bot, "alice", "Office hours")
        await rsvp(bot, "bob", "Office hours")
        await until(bot, OFFICE)
        await bot.click("carol", Harness.button(check_in_cards(bot), "Check in"))
        await bot.command("mod", 'session create "Guest talk" 2026-03-03 18:00 1h')
        await until(bot, WORKSHOP)
        await bot.command("dave", f"session checkin {code_posted(bot)}")
        async with bot.database.unit_of_work() as uow:
            since_monday = await attendance(uow, bot.community, datetime(2026, 3, 2, tzinfo=UTC))
            from_wednesday = await attendance(uow, bot.community, WORKSHOP)
        assert since_monday[:3] == [
            SessionAttendance(id=OFFICE_ID, title="Office hours", starts_at=OFFICE, rsvps=2, attended=1),
            SessionAttendance(
                id="guest-talk-20260303-1800",
                title="Guest talk",
                starts_at=OFFICE + timedelta(hours=1),
                rsvps=0,
                attended=None,  # took no attendance
            ),
            SessionAttendance(
                id=WORKSHOP_ID, title="Workshop in room 4", starts_at=WORKSHOP, rsvps=0, attended=1
            ),
        ]
        assert [s.id for s in from_wednesday][:1] == [WORKSHOP_ID]
        assert all(s.starts_at >= WORKSHOP for s in from_wednesday)
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- privacy


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def test_check_ins_are_exported_then_forgotten_with_the_member(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await until(bot, OFFICE)
        button = Harness.button(check_in_cards(bot), "Check in")
        await bot.click("alice", button)
        await bot.click("bob", button)
        await bot.command("alice", "session checkin AAA-AAA")  # a wrong code, kept in her record
        member = await bot.member("alice")
        assert member is not None and member.data["sessions"]["wrong_codes"] == ["2026-03-03T16:00:00Z"]

        exported = await run(bot, STEP.export, "alice")
        assert exported == {
            "checked_in": [{"session": OFFICE_ID, "title": "Office hours", "starts_at": OFFICE.isoformat()}]
        }
        await run(bot, STEP.forget, "alice")
        async with bot.database.unit_of_work() as uow:
            stored = await uow.state.get(bot.community, f"sessions.session.{OFFICE_ID}")
        assert stored is not None and stored["attended"] == ["bob"]
        assert '"alice"' not in json.dumps(stored)
        assert await run(bot, STEP.export, "alice") == {}
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- the course calendar


ANNOUNCEMENT = "{cohort}, week {week} of {weeks} ({week_theme}, {weeks_left} to go): **{title}** on {when}."
CALENDAR = PLAYBOOK.replace(
    "    reminders: [24h, 15m]",
    "    reminders: [24h, 15m]\n"
    f'    announcement: "{ANNOUNCEMENT}"\n'
    """    check_in: "Week {week}: **{title}** is on. Check in!"
  cohorts:
    cohorts:
      - name: spring
        title: Spring <2026>
        start: 2026-02-23
        weeks: 8
        week:
          2: {theme: Data *cleaning*}
""",
)


async def test_session_texts_speak_of_the_cohort_week_the_session_is_in(tmp_path: Path) -> None:
    bot = await started(tmp_path, CALENDAR)
    try:
        [card] = [p for p in bot.posts_in("announcements") if p.message.fields]
        # 3 March is in week 2 of a cohort that started on Monday 23 February; cohort titles and
        # themes are text, escaped like any other.
        assert card.message.text == (
            "Spring \\<2026\\>, week 2 of 8 (Data \\*cleaning\\*, 6 to go): "
            f"**Office hours** on {timestamp(OFFICE)}."
        )
        await until(bot, OFFICE)
        [check_in] = check_in_cards(bot)
        assert check_in.message.text == "Week 2: **Office hours** is on. Check in!"
        # Announced on Sunday 8 March (week 2): the session is on Tuesday of week 3.
        await until(bot, datetime(2026, 3, 8, 18, 0, tzinfo=UTC))
        cards = [p for p in bot.posts_in("announcements") if p.message.fields]
        later = [p for p in cards if p.message.title == "Office hours"]
        assert [p.message.buttons[0].value for p in later] == [OFFICE_ID, "office-hours-20260310-1700"]
        assert later[1].message.text.startswith("Spring \\<2026\\>, week 3 of 8 (, 5 to go)")
    finally:
        await bot.close()
