"""Standard crontab expressions -> APScheduler 3 triggers, weekdays as crontab means them; the
engine's Calendar port on them (:class:`CronCalendar`).

APScheduler 3 counts weekdays from Monday = 0 (a documented quirk, fixed only in 4.x), so a
playbook's ``0 9 * * 1`` given to ``CronTrigger.from_crontab`` fires on Tuesdays. Every trigger
built from a playbook cron goes through :func:`cron_trigger`, which rewrites the day-of-week
field with :func:`crontab_day_of_week` into explicit day names: those both read the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

__all__ = ["CronCalendar", "cron_trigger", "crontab_day_of_week", "occurrences"]

CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbers 0..6 (7 = sun)
LAST = 7  # crontab's second Sunday


def cron_trigger(cron: str, zone: str | tzinfo) -> BaseTrigger:
    """``minute hour day month weekday`` in ``zone`` as an APScheduler trigger.

    As in crontab, when both the day of month and the day of week are restricted, a day
    matching either fires (``0 9 1 * 1``: every Monday and every 1st); APScheduler alone
    would require both. Raises ``ValueError`` naming the problem.
    """
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields: got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    timezone = ZoneInfo(zone) if isinstance(zone, str) else zone

    def trigger(day: str, day_of_week: str) -> CronTrigger:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=timezone
        )

    days = crontab_day_of_week(weekday)
    if day.startswith("*") or weekday.startswith("*"):
        return trigger(day, days)
    return OrTrigger([trigger(day, "*"), trigger("*", days)])


def crontab_day_of_week(field: str) -> str:
    """A crontab day-of-week field as APScheduler's: ``*`` or a list of day names.

    Crontab: 0 or 7 = Sunday, 1 = Monday ... 6 = Saturday, or names ``sun``..``sat`` (any case);
    ranges ``1-5``, ``fri-sun``, ``sun-tue``; steps ``*/2``, ``1-5/2``; lists of all of these.
    ``1-5`` becomes ``mon,tue,wed,thu,fri``. Raises ``ValueError`` naming the problem, e.g.
    "day of week 8 is out of range 0-7".
    """
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        if not item:
            raise ValueError(f"empty item in day of week {field!r}")
        days |= _item_days(item)
    ordered = sorted(days, key=lambda d: (d + 6) % 7)  # Monday first, as APScheduler counts
    return ",".join(CRONTAB_DAYS[d] for d in ordered)


def _item_days(item: str) -> set[int]:
    """One list item (``5``, ``mon``, ``1-5``, ``*/2``, ``mon-fri/2``) -> crontab days 0..6."""
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not (step_text.isascii() and step_text.isdigit()) or int(step_text) < 1:
            raise ValueError(f"day of week step must be a whole number from 1, got {step_text!r}")
        step = int(step_text)
    if base == "*":
        first, last = 0, LAST
    elif "-" in base:
        start, _, end = base.partition("-")
        first = _day(start)
        last = _day(end, end_of_range=first != 0)
        if last < first:
            split = f"{start}-7,0-{end}" if base.replace("-", "").isdigit() else f"{start}-sun,sun-{end}"
            raise ValueError(
                f"day of week range {base!r} goes backwards (crontab counts 0 = Sunday to 7 = Sunday); "
                f"split it: {split!r}"
            )
    elif slash:
        raise ValueError(f"a step needs a range or *, e.g. '1-5/2' or '*/2', got {item!r}")
    else:
        first = last = _day(base)
    return {day % 7 for day in range(first, last + 1, step)}


def _day(text: str, *, end_of_range: bool = False) -> int:
    """A number 0..7 or a name; ``sun`` ending a range that starts later in the week is 7."""
    if text.isascii() and text.isdigit():
        number = int(text)
        if number > LAST:
            raise ValueError(f"day of week {number} is out of range 0-7 (0 and 7 are Sunday)")
        return number
    name = text.lower()
    if name not in CRONTAB_DAYS:
        raise ValueError(f"unknown day of week {text!r}: use 0-7 (0 and 7 are Sunday) or sun, mon ... sat")
    number = CRONTAB_DAYS.index(name)
    return LAST if end_of_range and number == 0 else number


def occurrences(trigger: BaseTrigger, after: datetime, until: datetime) -> Iterator[datetime]:
    """Nominal fire times in (after, until], in UTC."""
    current = trigger.get_next_fire_time(after, after)
    while current is not None and current <= until:
        yield current.astimezone(UTC)
        current = trigger.get_next_fire_time(current, current)


class _Remembering:
    """A trigger that remembers its latest answers: every community that runs the same
    expression in the same zone asks it the same questions (after the same claimed occurrence),
    so a round over thousands of schedules computes each fire time once."""

    REMEMBERED = 4096

    def __init__(self, trigger: BaseTrigger) -> None:
        self.trigger = trigger
        self._next: dict[tuple[datetime | None, datetime], datetime | None] = {}

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        key = (previous_fire_time, now)
        if key not in self._next:
            if len(self._next) >= self.REMEMBERED:
                self._next.clear()
            self._next[key] = self.trigger.get_next_fire_time(previous_fire_time, now)
        return self._next[key]

    def __str__(self) -> str:
        return str(self.trigger)


class CronCalendar:
    """The engine's Calendar port, on APScheduler's CronTrigger."""

    def __init__(self) -> None:
        self._triggers: dict[tuple[str, str], BaseTrigger] = {}

    def trigger(self, cron: str, zone: str) -> BaseTrigger:
        key = (cron, zone)
        if key not in self._triggers:
            self._triggers[key] = _Remembering(cron_trigger(cron, ZoneInfo(zone)))
        return self._triggers[key]

    def occurrences(self, cron: str, zone: str, after: datetime, until: datetime) -> list[datetime]:
        return list(occurrences(self.trigger(cron, zone), after, until))

    def next(self, cron: str, zone: str, after: datetime) -> datetime | None:
        found = self.trigger(cron, zone).get_next_fire_time(after, after)
        return found.astimezone(UTC) if found is not None else None
