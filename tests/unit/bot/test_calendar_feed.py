"""The calendar feed, parsed back with the icalendar library: the same events as the playbook
and the sessions step hold (titles, starts, ends, UIDs, time zones, count), and nothing of the
members. Expected moments are computed here from the playbook's words ("every Tuesday 17:00
Berlin", "two days after it ends"), by plain date arithmetic."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from cohortbot.bot.calendar_feed import build_feed
from cohortbot.playbook.refs import CommunityRef
from tests.harness import Harness

BERLIN = ZoneInfo("Europe/Berlin")

PLAYBOOK = """
name: Calendar test
default: true
timezone: Europe/Berlin
channels: {announcements: announcements, general: general}
moderators: {users: [mod]}
steps:
  sessions:
    sessions:
      - name: office-hours
        title: "Office hours; Q&A, live"
        cron: "0 17 * * tue"
        duration: 1h
        description: "Bring your questions: pandas, plots, regression."
        location: https://meet.example.org/office-hours
        announce_before: 2d
        attendance: {check_in: code}
        deadline: {title: Weekly exercise, after: 2d}
    deadlines:
      - {title: Final project proposal, due: "2026-06-12 23:59"}
  assignments: {}
  cohorts:
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02
        weeks: 8
        week:
          3:
            theme: Regression
            assignments:
              - name: regression-1
                title: Regression exercise
                due: "fri 23:59"
                description: Fit a line, explain the slope.
                link: https://example.org/exercises/regression
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)  # Monday 2026-03-02 08:00 UTC
    yield harness
    await harness.close()


async def feed(bot: Harness, community: CommunityRef | None = None) -> tuple[bytes, Calendar]:
    playbook = bot.runtime.engine.playbooks.for_community(bot.community)
    assert playbook is not None
    async with bot.database.unit_of_work() as uow:
        data = await build_feed(uow, community or bot.community, playbook, now=bot.clock.now())
    return data, Calendar.from_ical(data)


def by_summary(calendar: Calendar) -> dict[str, list[Event]]:
    found: dict[str, list[Event]] = {}
    for event in calendar.events:
        found.setdefault(str(event["SUMMARY"]), []).append(event)
    return found


def tuesdays_at_five(after: datetime, until: datetime) -> list[datetime]:
    """Every Tuesday 17:00 Berlin whose hour-long session ends after ``after``, starting by ``until``."""
    found, day = [], (after - timedelta(days=1)).astimezone(BERLIN).date()
    while day <= until.astimezone(BERLIN).date():
        start = datetime.combine(day, time(17), tzinfo=BERLIN)
        if day.weekday() == 1 and start + timedelta(hours=1) > after and start <= until:
            found.append(start)
        day += timedelta(days=1)
    return found


async def test_the_feed_holds_every_session_deadline_week_and_assignment_once(bot: Harness) -> None:
    await bot.join("zzmember", display_name="Zelda Zimmermann")
    answer = await bot.command("mod", 'session create "Guest talk" 2026-03-05 18:00 1h30m')
    assert answer is not None and "Created" in answer.message.text
    answer = await bot.command("mod", 'deadline add "Reading notes" 2026-03-10 12:00')
    assert answer is not None and "Added" in answer.message.text
    await bot.advance("1h")   # the planner opens Tuesday's office hours (within its 2 days)
    await bot.click("zzmember", "sessions:yes", value="office-hours-20260303-1700")
    now = bot.clock.now()

    data, calendar = await feed(bot)
    events = by_summary(calendar)

    # Office hours: from two weeks ago through 26 weeks ahead (the cohort ends before that).
    expected = tuesdays_at_five(now - timedelta(weeks=2), now + timedelta(weeks=26))
    sessions = sorted(events["Office hours; Q&A, live"], key=lambda e: e.start)
    assert [e.start for e in sessions] == expected
    assert all(e.end - e.start == timedelta(hours=1) for e in sessions)
    assert all(e.start.tzinfo == BERLIN for e in sessions)   # TZID=Europe/Berlin, DST and all
    assert sessions[0].start == datetime(2026, 2, 17, 17, tzinfo=BERLIN)
    assert datetime(2026, 3, 31, 17, tzinfo=BERLIN) in [e.start for e in sessions]   # after the DST change
    assert str(sessions[0]["LOCATION"]) == "https://meet.example.org/office-hours"
    assert str(sessions[0]["DESCRIPTION"]) == "Bring your questions: pandas, plots, regression."

    # Each occurrence's exercise, due two days after it ends (Thursday 18:00).
    exercises = sorted(e.start for e in events["Due: Weekly exercise"])
    assert exercises == [s + timedelta(hours=1, days=2) for s in expected]

    (guest,) = events["Guest talk"]
    assert (guest.start, guest.end) == (
        datetime(2026, 3, 5, 18, tzinfo=BERLIN),
        datetime(2026, 3, 5, 19, 30, tzinfo=BERLIN),
    )
    (notes,) = events["Due: Reading notes"]
    assert notes.start == datetime(2026, 3, 10, 12, tzinfo=BERLIN)
    (proposal,) = events["Due: Final project proposal"]
    assert proposal.start == datetime(2026, 6, 12, 23, 59, tzinfo=BERLIN)

    weeks = [e for e in calendar.events if str(e["SUMMARY"]).startswith("Week ")]
    weeks.sort(key=lambda e: e.start)
    assert [str(e["SUMMARY"]) for e in weeks] == [
        "Week 1", "Week 2", "Week 3: Regression", "Week 4", "Week 5", "Week 6", "Week 7", "Week 8"
    ]
    assert [(e.start, e.end) for e in weeks][2] == (date(2026, 3, 16), date(2026, 3, 23))   # all-day
    assert all(e.end - e.start == timedelta(days=7) for e in weeks)

    (exercise,) = events["Due: Regression exercise"]
    assert exercise.start == datetime(2026, 3, 20, 23, 59, tzinfo=BERLIN)   # Friday of week 3
    assert str(exercise["URL"]) == "https://example.org/exercises/regression"
    assert "Fit a line, explain the slope." in str(exercise["DESCRIPTION"])
    assert "Submit it with /cohort submit regression-1 LINK [note]" in str(exercise["DESCRIPTION"])

    assert len(calendar.events) == 2 * len(expected) + 1 + 1 + 1 + 8 + 1
    uids = [str(e["UID"]) for e in calendar.events]
    assert len(set(uids)) == len(uids)
    assert all(e["DTSTAMP"].dt == now for e in calendar.events)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]

    # Nothing of the members: not who RSVPed, nor the room's check-in code.
    assert b"zzmember" not in data and b"Zelda" not in data
    async with bot.database.unit_of_work() as uow:
        stored = await uow.state.get(bot.community, "sessions.session.office-hours-20260303-1700")
    assert stored is not None and stored["going"] == ["zzmember"]
    code = stored["check_in"]["code"]
    assert code and code.encode() not in data


async def test_uids_stay_the_same_from_one_export_to_the_next(bot: Harness) -> None:
    await bot.command("mod", 'session create "Guest talk" 2026-03-05 18:00 1h30m')
    _, before = await feed(bot)
    await bot.advance("1d")   # the planner has announced (and stored) more sessions meanwhile
    _, after = await feed(bot)

    def uids(calendar: Calendar) -> dict[tuple[str, object], str]:
        return {(str(e["SUMMARY"]), e.start): str(e["UID"]) for e in calendar.events}

    first, second = uids(before), uids(after)
    shared = first.keys() & second.keys()
    assert first.keys() <= second.keys() and len(shared) >= 60
    assert all(first[key] == second[key] for key in shared)
    # Another community has its own UIDs (calendar apps keep the two apart).
    _, other = await feed(bot, CommunityRef(bot.community.platform, "c2", "Other"))
    assert not set(uids(other).values()) & set(second.values())


async def test_titles_with_commas_semicolons_and_newlines_come_back_as_typed(bot: Harness) -> None:
    await bot.command("mod", 'session create "Q&A; stats, plots \\ more" 2026-03-05 18:00 1h')
    data, calendar = await feed(bot)
    assert "Q&A; stats, plots \\ more" in by_summary(calendar)
    assert b"SUMMARY:Q&A\\; stats\\, plots \\\\ more" in data   # RFC 5545 TEXT escapes


async def test_a_session_recurring_every_hour_is_cut_to_a_bounded_number(tmp_path: Path, caplog) -> None:
    hourly = PLAYBOOK.replace('cron: "0 17 * * tue"', 'cron: "0 * * * *"')
    harness = await Harness.start(tmp_path, hourly)
    try:
        with caplog.at_level(logging.WARNING, logger="cohortbot.calendar"):
            _, calendar = await feed(harness)
    finally:
        await harness.close()
    assert len(by_summary(calendar)["Office hours; Q&A, live"]) == 400
    assert "recurs more than 400 times" in caplog.text


async def test_times_are_utc_in_a_utc_community(tmp_path: Path) -> None:
    # (and without the assignments step, the feed names no command to submit with)
    utc = PLAYBOOK.replace("timezone: Europe/Berlin", "timezone: UTC").replace("  assignments: {}\n", "")
    harness = await Harness.start(tmp_path, utc)
    try:
        data, calendar = await feed(harness)
    finally:
        await harness.close()
    (exercise,) = by_summary(calendar)["Due: Regression exercise"]
    assert exercise.start == datetime(2026, 3, 20, 23, 59, tzinfo=UTC)
    assert b"DTSTART:20260320T235900Z" in data and b"VTIMEZONE" not in data
    assert "/cohort submit" not in str(exercise["DESCRIPTION"])
