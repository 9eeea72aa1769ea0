"""The sessions step's records, ids and times (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cohortbot.playbook.steps.sessions.model import (
    EventLink,
    Session,
    SessionsMember,
    deadline_id,
    session_id,
)
from cohortbot.playbook.steps.sessions.when import WhenError, parse_local

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


def session() -> Session:
    return Session(id="oh", name="oh", title="Office hours", starts_at=START, ends_at=START)


def test_rsvps_move_a_member_between_the_lists_and_say_whether_anything_changed() -> None:
    s = session()
    assert s.rsvp("alice", True) and not s.rsvp("alice", True)
    assert s.rsvp("alice", False) and (s.going, s.declined) == ([], ["alice"])
    s.rsvp("bob", True)
    s.withdraw("bob")  # "not interested" on a native event: not a declared no
    assert (s.going, s.declined) == ([], ["alice"])
    assert s.forget("alice") and not s.forget("alice") and s.declined == []


def test_an_event_link_stored_as_a_bare_session_id_still_loads() -> None:
    assert EventLink.model_validate("office-hours-20260303-1700").session == "office-hours-20260303-1700"
    assert EventLink.model_validate({"session": "x"}).session == "x"


def test_the_reminder_setting_reads_the_format_stored_before() -> None:
    assert SessionsMember.model_validate({"reminders": False}).reminders is False
    assert SessionsMember.model_validate({}).reminders is True


def test_ids_are_readable_and_local() -> None:
    assert session_id("Office hours!", START, BERLIN) == "office-hours-20260303-1700"
    assert (
        session_id("A very long title for a session", START, BERLIN) == "a-very-long-title-fo-20260303-1700"
    )
    assert deadline_id("Essay", START, BERLIN) == "dl-essay-20260303-1700"


def test_local_times_are_read_in_the_community_zone() -> None:
    assert parse_local("2026-03-03 17:00", BERLIN) == START
    with pytest.raises(WhenError, match="does not exist in Europe/Berlin"):
        parse_local("2026-03-29 02:30", BERLIN)
    with pytest.raises(WhenError, match="WHEN must look like"):
        parse_local("tomorrow", BERLIN)
