"""The scheduler's calendar answers as the cron trigger does, computing a shared answer once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cohortbot.bot import crontab
from cohortbot.bot.crontab import CronCalendar, cron_trigger, occurrences

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("remembered", [4096, 3])   # a full memory is emptied, never wrong
def test_the_calendar_gives_the_occurrences_of_the_cron_expression(
    monkeypatch: pytest.MonkeyPatch, remembered: int
) -> None:
    monkeypatch.setattr(crontab._Remembering, "REMEMBERED", remembered)
    calendar = CronCalendar()
    direct = cron_trigger("30 9 * * 1,3", ZoneInfo("Europe/Berlin"))   # across both DST changes
    year = START + timedelta(days=366)
    expected = list(occurrences(direct, START, year))
    assert len(expected) == 104
    for _ in range(2):   # asked again: the same answers
        assert calendar.occurrences("30 9 * * 1,3", "Europe/Berlin", START, year) == expected
    assert calendar.next("30 9 * * 1,3", "Europe/Berlin", START) == expected[0]


def test_the_same_question_for_many_communities_is_computed_once() -> None:
    calendar = CronCalendar()
    trigger = calendar.trigger("0 9 * * mon", "UTC")
    asked: list[Any] = []
    inner = trigger.trigger

    class Counting:
        def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
            asked.append(now)
            found: datetime | None = inner.get_next_fire_time(previous, now)
            return found

    trigger.trigger = Counting()
    for _ in range(1000):   # a thousand communities, each after the same claimed occurrence
        assert trigger.get_next_fire_time(START, START) == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert asked == [START]
