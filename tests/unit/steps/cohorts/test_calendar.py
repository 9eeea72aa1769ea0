"""The course calendar: a cohort's weeks as moments, in the community's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbook
from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.cohorts import api

PLAYBOOK = """
name: Calendar
timezone: Europe/Berlin
steps:
  cohorts:
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02          # a Monday; Berlin moves to summer time on Sunday 29 March
        weeks: 6
        week:
          3:
            theme: Regression
            assignments:
              - {name: regression-1, title: Regression exercise, due: "fri 23:59"}
          5:
            assignments:
              - {name: project, title: Project proposal, due: "mon 09:00"}
      - name: summer
        start: 2026-04-15          # a Wednesday: its weeks run Wednesday to Tuesday
        weeks: 2
        week:
          1:
            assignments:
              - {name: project, title: Project proposal, due: "mon 09:00"}
"""


def loaded(tmp_path: Path, text: str = PLAYBOOK) -> LoadedPlaybook:
    path = tmp_path / "playbook.yaml"
    path.write_text(text)
    return load_playbook(path)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_weeks_begin_at_local_midnight_across_a_clock_change(tmp_path: Path) -> None:
    spring = api.calendar(loaded(tmp_path), "spring")
    assert spring is not None
    assert spring.starts_at == at("2026-03-01T23:00:00+00:00")          # midnight CET
    assert spring.week_start(5) == at("2026-03-29T22:00:00+00:00")      # midnight CEST
    assert spring.week_of(at("2026-03-01T22:59:59+00:00")) == 0
    assert spring.week_of(spring.starts_at) == 1
    assert spring.week_of(at("2026-03-20T12:00:00+01:00")) == 3
    assert spring.week_of(spring.ends_at) == 7 and not spring.running(spring.ends_at)


def test_week_values_fill_the_calendar_placeholders(tmp_path: Path) -> None:
    playbook = loaded(tmp_path)
    assert api.week_values(playbook, at("2026-03-17T10:00:00+01:00")) == {
        "cohort": "Spring 2026", "week": "3", "weeks": "6", "week_theme": "Regression", "weeks_left": "3",
    }
    before = api.week_values(playbook, at("2026-02-01T10:00:00+01:00"))
    assert before["week"] == "0" and before["weeks_left"] == "6"
    # Two cohorts running: the one that started last is the one a community-wide text speaks of.
    assert api.week_values(playbook, at("2026-04-16T10:00:00+02:00"))["cohort"] == "summer"
    assert api.week_values(playbook, at("2026-04-16T10:00:00+02:00"), among=["spring"])["week"] == "6"


def test_assignments_are_due_on_the_weekday_of_their_week(tmp_path: Path) -> None:
    found = api.assignments(loaded(tmp_path))
    assert [(a.cohort, a.name, a.due_at) for a in found] == [
        ("spring", "regression-1", at("2026-03-20T23:59:00+01:00")),
        ("spring", "project", at("2026-03-30T09:00:00+02:00")),
        ("summer", "project", at("2026-04-20T09:00:00+02:00")),   # the Monday of its first week
    ]
    assert [a.cohort for a in api.assignment(loaded(tmp_path), "project")] == ["spring", "summer"]


def test_a_playbook_without_cohorts_fills_the_placeholders_with_nothing(tmp_path: Path) -> None:
    playbook = loaded(tmp_path, "name: None\n")
    assert api.calendars(playbook) == [] and api.assignments(playbook) == []
    assert set(api.week_values(playbook, at("2026-03-17T10:00:00+01:00")).values()) == {""}


@pytest.mark.parametrize(
    ("week", "error"),
    [
        ("7: {theme: Late}", "week 7 is after the cohort's last week (6)"),
        ("0: {theme: Early}", "week numbers start at 1"),
        ("2: {assignments: [{name: a, title: A, due: 'someday 10:00'}]}", "expected a weekday and a time"),
        ("2: {assignments: [{name: a, title: A, due: 'fri 25:00'}]}", "expected a time like 17:00"),
    ],
)
def test_a_broken_calendar_is_refused_when_the_playbook_loads(tmp_path: Path, week: str, error: str) -> None:
    text = f"name: Broken\nsteps:\n  cohorts:\n    cohorts:\n      - name: a\n        start: 2026-03-02\n" \
           f"        weeks: 6\n        week:\n          {week}\n"
    with pytest.raises(PlaybookError) as failed:
        loaded(tmp_path, text)
    assert error in str(failed.value)
