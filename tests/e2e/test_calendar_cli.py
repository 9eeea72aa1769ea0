"""`cohortbot calendar export` and `calendar url` as a subprocess, after a scripted console
session: the `.ics` parses back (icalendar) to the sessions, deadlines, cohort weeks and
assignments of the playbook and of the session, and `/cohort calendar` told the member the very
URL `calendar url` prints. The commands' errors are in tests/unit/bot/test_calendar_cli.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.e2e.test_console_cli import CONSOLE_START, cohortbot

BERLIN = ZoneInfo("Europe/Berlin")
FEED = {
    "COHORTBOT_CALENDAR_SECRET": "e2e-calendar-secret-0123456789",
    "COHORTBOT_PUBLIC_URL": "https://cal.example.org/",
}

PLAYBOOK = """
name: Calendar e2e
default: true
timezone: Europe/Berlin
channels: {announcements: announcements, general: general}
moderators: {users: [facilitator]}
steps:
  sessions:
    sessions:
      - name: office-hours
        title: Office hours
        cron: "0 17 * * tue"
        duration: 1h
        location: https://meet.example.org/oh
    deadlines:
      - {title: Final project proposal, due: "2026-06-12 23:59"}
  cohorts:
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02
        weeks: 4
        week:
          3:
            theme: Regression
            assignments:
              - {name: regression-1, title: Regression exercise, due: "fri 23:59"}
"""

SCRIPT = "\n".join(
    [
        "/join alice",
        'facilitator: /cohort session create "Guest talk" 2026-03-05 18:00 1h30m',
        'facilitator: /cohort deadline add "Reading notes" 2026-03-10 12:00',
        "alice: /cohort calendar",
        "/advance 1h",
        "/quit",
    ]
)


def tuesdays_at_five(after: datetime, until: datetime) -> list[datetime]:
    found, day = [], after.astimezone(BERLIN).date() - timedelta(days=1)
    while day <= until.astimezone(BERLIN).date():
        start = datetime.combine(day, time(17), tzinfo=BERLIN)
        if day.weekday() == 1 and start + timedelta(hours=1) > after and start <= until:
            found.append(start)
        day += timedelta(days=1)
    return found


def test_a_console_session_exports_to_an_ics_with_the_same_events(tmp_path: Path) -> None:
    playbook = tmp_path / "course.yaml"
    playbook.write_text(PLAYBOOK)
    ran = cohortbot("run", "--playbook", str(playbook), cwd=tmp_path, stdin=SCRIPT, env=FEED, timeout=120)
    assert ran.returncode == 0, ran.stderr
    url = cohortbot("calendar", "url", cwd=tmp_path, env=FEED)
    assert url.returncode == 0, url.stderr
    address = url.stdout.strip()
    assert address.startswith("https://cal.example.org/calendar/") and address.endswith(".ics")
    assert f"`{address}`" in ran.stdout   # what /cohort calendar told alice

    written = cohortbot("calendar", "export", "--playbook", str(playbook), "-o", "cal.ics", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "cal.ics:" in written.stdout and "console:local" in written.stdout
    data = (tmp_path / "cal.ics").read_bytes()
    calendar = Calendar.from_ical(data)
    events: dict[str, list] = {}
    for event in calendar.events:
        events.setdefault(str(event["SUMMARY"]), []).append(event)

    # As of the console's simulated time (one hour after it started), not the wall clock.
    now = CONSOLE_START + timedelta(hours=1)
    expected = tuesdays_at_five(now - timedelta(weeks=2), now + timedelta(weeks=26))
    assert sorted(e.start for e in events["Office hours"]) == expected
    assert all(e.end - e.start == timedelta(hours=1) for e in events["Office hours"])
    (guest,) = events["Guest talk"]
    assert (guest.start, guest.end) == (
        datetime(2026, 3, 5, 18, tzinfo=BERLIN),
        datetime(2026, 3, 5, 19, 30, tzinfo=BERLIN),
    )
    assert [e.start for e in events["Due: Reading notes"]] == [datetime(2026, 3, 10, 12, tzinfo=BERLIN)]
    assert [e.start for e in events["Due: Final project proposal"]] == [
        datetime(2026, 6, 12, 23, 59, tzinfo=BERLIN)
    ]
    (week3,) = events["Week 3: Regression"]
    assert (week3.start, week3.end) == (date(2026, 3, 16), date(2026, 3, 23))
    (exercise,) = events["Due: Regression exercise"]
    assert exercise.start == datetime(2026, 3, 20, 23, 59, tzinfo=BERLIN)
    assert len(calendar.events) == len(expected) + 1 + 1 + 1 + 4 + 1
    assert len({str(e["UID"]) for e in calendar.events}) == len(calendar.events)
    assert b"alice" not in data
