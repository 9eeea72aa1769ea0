"""Where weeks start, when the cohort started, and how a range of days reads: one answer for
the digest, ``/cohort health`` and ``cohortbot report``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from cohortbot.playbook.analytics.metrics import Days, WeekStats
from cohortbot.playbook.steps.health.charts import participation_chart, sentiment_chart
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.weeks import (
    DASH,
    cohort_start,
    first_weekday,
    reported_from,
    span,
    week_start,
)

MONDAY, WEDNESDAY, SUNDAY = 0, 2, 6


@pytest.mark.parametrize(
    ("settings", "weekday"),
    [
        ({}, MONDAY),  # the default digest: Monday 09:00
        ({"digest": "0 9 * * wed"}, WEDNESDAY),  # a digest covers the week before it
        ({"digest": "0 9 * * 0"}, SUNDAY),  # crontab's 0 and 7 are Sunday
        ({"digest": "0 9 * * 7"}, SUNDAY),
        ({"digest": "0 9 * * 3"}, WEDNESDAY),
        ({"digest": "0 9 * * mon-fri"}, MONDAY),  # not one weekday: Monday
        ({"digest": None}, MONDAY),
        ({"digest": "0 9 * * wed", "week_start": "sun"}, SUNDAY),  # said outright: that
    ],
)
def test_weeks_start_on_the_week_start_else_the_digests_weekday(settings: dict, weekday: int) -> None:
    assert first_weekday(HealthConfig.model_validate(settings)) == weekday


def test_a_weeks_first_day() -> None:
    wednesday = date(2026, 3, 4)
    assert week_start(wednesday, MONDAY) == date(2026, 3, 2)
    assert week_start(wednesday, WEDNESDAY) == wednesday
    assert week_start(wednesday, SUNDAY) == date(2026, 3, 1)
    assert week_start(date(2026, 3, 1), MONDAY) == date(2026, 2, 23)  # a Sunday ends the week


def test_the_cohort_starts_on_its_start_date_else_when_the_bot_first_saw_the_community() -> None:
    paris = ZoneInfo("Europe/Paris")
    seen = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # already Monday 9 March in Paris
    assert cohort_start(HealthConfig(), seen, paris) == date(2026, 3, 9)
    assert cohort_start(HealthConfig(), None, paris) is None
    planned = HealthConfig(start=date(2026, 3, 2))
    assert cohort_start(planned, seen, paris) == date(2026, 3, 2)
    # A digest reports from the later of the two: before the bot came, it saw nothing.
    assert reported_from(planned, seen, paris) == date(2026, 3, 9)
    assert reported_from(HealthConfig(start=date(2026, 4, 6)), seen, paris) == date(2026, 4, 6)
    assert reported_from(HealthConfig(), None, paris) is None


def test_ranges_read_as_people_write_them() -> None:
    assert span(date(2026, 3, 1), date(2026, 3, 28)) == f"1{DASH}28 Mar"
    assert span(date(2026, 2, 25), date(2026, 3, 3)) == f"25 Feb{DASH}3 Mar"
    assert span(date(2025, 12, 28), date(2026, 1, 3)) == f"28 Dec 2025{DASH}3 Jan 2026"
    assert span(date(2026, 3, 7), date(2026, 3, 7)) == "7 Mar"


def test_the_charts_name_their_days_not_today() -> None:
    """A report on past days describes its last day by date (a file read weeks later)."""
    quiet = Days(date(2026, 3, 2), [])
    chart = participation_chart(quiet, date(2026, 3, 2), date(2026, 3, 12))
    assert chart.alt_text == f"2{DASH}11 Mar: 0 active on 11 Mar, 0 in the 7 days to it; at most 0 in 7 days."
    weeks = [
        WeekStats(date(2026, 3, 2), date(2026, 3, 8), 3, 4, 0, 0, 0.5),
        WeekStats(date(2026, 3, 9), date(2026, 3, 11), None, 1, 0, 0, None),
    ]
    assert sentiment_chart(weeks).labels == (f"2{DASH}8 Mar", f"9{DASH}11 Mar")
