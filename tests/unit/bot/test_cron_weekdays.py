"""Cron weekdays mean what crontab means: 0 or 7 = Sunday, 1 = Monday ... 6 = Saturday.

APScheduler 3 counts from Monday = 0, so a playbook's ``0 9 * * 1`` used to fire on Tuesdays.
Every trigger built from a playbook cron (the Calendar port, the scheduler, ``cohortbot check``)
goes through one translation of the day-of-week field; these tests pin it down on each path.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cohortbot.bot.scheduler import CronCalendar
from cohortbot.config.playbook import PlaybookError, load_playbook
from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.events import ScheduleFired
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.model import CommunityPlaybook, StepConfig
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALL = " ".join(DAYS)

# One local week from a Thursday, with the spring DST change on the Sunday in the middle.
WEEKS = {
    "Europe/Berlin": date(2026, 3, 26),  # clocks go forward on Sunday 29 March 2026
    "America/New_York": date(2026, 3, 5),  # clocks go forward on Sunday 8 March 2026
}

# ------------------------------------------------------------------ the translation itself

TRANSLATED = [
    ("*", "*"),
    ("0", "sun"),
    ("7", "sun"),
    ("1", "mon"),
    ("6", "sat"),
    ("1-5", "mon,tue,wed,thu,fri"),
    ("0-2", "mon,tue,sun"),
    ("5-7", "fri,sat,sun"),
    ("0,6", "sat,sun"),
    ("7,0", "sun"),
    ("0-7", "mon,tue,wed,thu,fri,sat,sun"),
    ("*/2", "tue,thu,sat,sun"),
    ("*/3", "wed,sat,sun"),
    ("1-5/2", "mon,wed,fri"),
    ("mon-fri", "mon,tue,wed,thu,fri"),
    ("sun", "sun"),
    ("SUN", "sun"),
    ("Mon,Wed", "mon,wed"),
    ("fri-sun", "fri,sat,sun"),
    ("sun-tue", "mon,tue,sun"),
    ("sun-sun", "sun"),
    ("mon-fri/2", "mon,wed,fri"),
    ("sun,3,fri-sat", "wed,fri,sat,sun"),
    ("1,1,1-2", "mon,tue"),
]


@pytest.mark.parametrize(("crontab", "apscheduler"), TRANSLATED)
def test_the_day_of_week_field_translates_to_apscheduler_day_names(crontab: str, apscheduler: str) -> None:
    from cohortbot.bot.crontab import crontab_day_of_week

    assert crontab_day_of_week(crontab) == apscheduler


REJECTED = [
    ("8", "day of week 8 is out of range 0-7"),
    ("1-9", "day of week 9 is out of range 0-7"),
    ("0,8", "day of week 8 is out of range 0-7"),
    ("5-1", "day of week range '5-1' goes backwards"),
    ("sat-mon", "day of week range 'sat-mon' goes backwards"),
    ("funday", "unknown day of week 'funday'"),
    ("1#2", "unknown day of week '1#2'"),
    ("1-", "unknown day of week ''"),
    ("1/2", "a step needs a range or *"),
    ("*/0", "day of week step must be a whole number from 1, got '0'"),
    ("1-5/x", "day of week step must be a whole number from 1, got 'x'"),
    ("1,,2", "empty item in day of week '1,,2'"),
]


@pytest.mark.parametrize(("crontab", "message"), REJECTED)
def test_an_invalid_day_of_week_field_is_an_error_naming_the_problem(crontab: str, message: str) -> None:
    from cohortbot.bot.crontab import crontab_day_of_week

    with pytest.raises(ValueError) as caught:
        crontab_day_of_week(crontab)
    assert message in str(caught.value)


def test_a_whole_cron_expression_becomes_a_trigger_in_the_zone() -> None:
    from cohortbot.bot.crontab import cron_trigger

    trigger = cron_trigger("0 9 * * 1", "Europe/Berlin")
    after = datetime(2026, 3, 26, tzinfo=UTC)  # a Thursday
    monday = datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert trigger.get_next_fire_time(after, after) == monday
    with pytest.raises(ValueError, match="expected 5"):
        cron_trigger("0 9 * *", "UTC")


def test_a_day_of_month_and_a_day_of_week_fire_on_either_as_in_crontab() -> None:
    # "0 9 1 * 1": every Monday and every 1st (APScheduler alone would want a Monday the 1st).
    after = datetime(2026, 4, 25, tzinfo=UTC)
    until = datetime(2026, 5, 20, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    fires = CronCalendar().occurrences("0 9 1 * 1", "Europe/Berlin", after, until)
    found = [o.astimezone(berlin) for o in fires]
    assert [f"{o:%a %d %b %H:%M}" for o in found] == [
        "Mon 27 Apr 09:00",
        "Fri 01 May 09:00",
        "Mon 04 May 09:00",
        "Mon 11 May 09:00",
        "Mon 18 May 09:00",
    ]
    only_mondays = CronCalendar().occurrences("0 9 * * 1", "Europe/Berlin", after, until)
    assert len(only_mondays) == 4


# ------------------------------------------------------------------ through the Calendar port


def fired(cron: str, zone: str) -> list[str]:
    """Local "Day DD HH:MM" of every occurrence in the zone's test week."""
    tz = ZoneInfo(zone)
    start = WEEKS[zone]
    after = datetime.combine(start, time(), tz).astimezone(UTC)
    until = datetime.combine(start + timedelta(days=7), time(), tz).astimezone(UTC)
    found = CronCalendar().occurrences(cron, zone, after, until)
    assert all(o.tzinfo is UTC for o in found)
    return [f"{DAYS[o.astimezone(tz).weekday()]} {o.astimezone(tz):%d %H:%M}" for o in found]


def expected(days: str, zone: str, at: str = "09:00") -> list[str]:
    wanted = set(days.split())
    week = [WEEKS[zone] + timedelta(days=i) for i in range(7)]
    return [f"{DAYS[d.weekday()]} {d:%d} {at}" for d in week if DAYS[d.weekday()] in wanted]


NUMERIC = [
    ("1", "Mon"),
    ("1-5", "Mon Tue Wed Thu Fri"),
    ("0,6", "Sat Sun"),
    ("0", "Sun"),
    ("7", "Sun"),
    ("*/2", "Sun Tue Thu Sat"),
    ("1-5/2", "Mon Wed Fri"),
    ("5-7", "Fri Sat Sun"),
    ("0-2", "Sun Mon Tue"),
    ("0-7", ALL),
    ("mon-fri/2", "Mon Wed Fri"),
    ("sun-tue", "Sun Mon Tue"),
    ("sun,3", "Sun Wed"),
    ("mon-wed,5-7", "Mon Tue Wed Fri Sat Sun"),
]


@pytest.mark.parametrize("zone", sorted(WEEKS))
@pytest.mark.parametrize(("weekday", "days"), NUMERIC)
def test_numeric_weekdays_fire_on_the_crontab_days_at_09_00_local_across_dst(
    weekday: str, days: str, zone: str
) -> None:
    assert fired(f"0 9 * * {weekday}", zone) == expected(days, zone)


NAMES = [
    ("mon", "Mon"),
    ("mon-fri", "Mon Tue Wed Thu Fri"),
    ("sun", "Sun"),
    ("fri-sun", "Fri Sat Sun"),
    ("*", ALL),
]


@pytest.mark.parametrize("zone", sorted(WEEKS))
@pytest.mark.parametrize(("weekday", "days"), NAMES)
def test_day_names_keep_their_meaning(weekday: str, days: str, zone: str) -> None:
    assert fired(f"0 9 * * {weekday}", zone) == expected(days, zone)


def test_sunday_as_7_and_as_0_is_the_dst_day_in_summer_time() -> None:
    calendar = CronCalendar()
    after, until = datetime(2026, 3, 26, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
    sunday = [datetime(2026, 3, 29, 7, 0, tzinfo=UTC)]  # 09:00 CEST, the first day of summer time
    assert calendar.occurrences("0 9 * * 7", "Europe/Berlin", after, until) == sunday
    assert calendar.occurrences("0 9 * * 0", "Europe/Berlin", after, until) == sunday
    saturday = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 CET, still winter time
    assert calendar.next("0 9 * * 6", "Europe/Berlin", after) == saturday
    monday = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT, the day after the change
    assert calendar.next("0 9 * * 1", "America/New_York", datetime(2026, 3, 5, tzinfo=UTC)) == monday


# ------------------------------------------------------------------ the scheduler's own trigger


class TickConfig(StepConfig):
    cron: str = "0 9 * * *"


async def on_fired(event: ScheduleFired, ctx: StepContext[TickConfig]) -> None:
    ctx.emit(
        PostMessage(
            key=f"tick:{ctx.community}:{event.occurrence.isoformat()}",
            community=ctx.community,
            channel=ctx.channel("general"),  # type: ignore[arg-type]
            message=RichMessage(text=event.occurrence.isoformat()),
        )
    )


def tick_schedules(cfg: TickConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [ScheduleSpec(name="tick", cron=cfg.cron, grace=timedelta(hours=1), where=("cron",))]


TICK = Step(name="tick", config=TickConfig, handlers={ScheduleFired: on_fired}, schedules=tick_schedules)
STEPS_WITH_TICK: list[Step[Any]] = [*STEPS, TICK]


def tick_playbook(cron: str) -> str:
    return f"""
name: Ticks
default: true
timezone: Europe/Berlin
channels: {{general: general}}
moderators: {{users: [mod]}}
steps:
  tick: {{cron: "{cron}"}}
"""


async def test_the_scheduler_fires_schedule_events_on_the_crontab_weekdays(tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 26, tzinfo=berlin).astimezone(UTC)  # Thursday 00:00 Berlin
    bot = await Harness.start(tmp_path, tick_playbook("0 9 * * 1-5"), steps=STEPS_WITH_TICK, start=start)
    try:
        await bot.join("alice")  # the community becomes known to the scheduler
        await bot.advance("7d")
        local = [datetime.fromisoformat(a.message.text).astimezone(berlin) for a in bot.posts_in("general")]
        weekdays = expected("Mon Tue Wed Thu Fri", "Europe/Berlin")  # Thu 26 ... Wed 1, 09:00 local
        assert [f"{DAYS[o.weekday()]} {o:%d %H:%M}" for o in local] == weekdays
        thursday = datetime(2026, 4, 2, 7, 0, tzinfo=UTC)  # 09:00 CEST
        assert await bot.runtime.scheduler.next_due() == thursday
    finally:
        await bot.close()


# ------------------------------------------------------------------ cohortbot check


def health_playbook(digest: str) -> str:
    return f'name: X\ntimezone: Europe/Berlin\nsteps:\n  health:\n    weeks: 4\n    digest: "{digest}"\n'


ACCEPTED = ["1-5", "5-7", "7", "0", "0-2", "0,6", "*/2", "1-5/2", "sun-tue", "mon-fri/2", "1,sun"]


def test_check_accepts_every_crontab_weekday_form(tmp_path: Path) -> None:
    from cohortbot.config.playbook import check_files

    path = tmp_path / "p.yaml"
    items = [f'      - {{name: s{i}, cron: "0 9 * * {w}", bank: [q]}}\n' for i, w in enumerate(ACCEPTED)]
    path.write_text(
        "name: X\ndefault: true\nchannels: {general: general}\nsteps:\n  prompts:\n    schedules:\n"
        + "".join(items)
    )
    assert check_files([path]) == []
    loaded = load_playbook(path)
    assert [s.cron for s in loaded.steps["prompts"].schedules] == [f"0 9 * * {w}" for w in ACCEPTED]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("weekday", "problem"),
    [("8", "day of week 8 is out of range 0-7"), ("1-9", "day of week 9 is out of range 0-7")],
)
def test_check_rejects_a_weekday_out_of_range_naming_file_line_field_and_problem(
    tmp_path: Path, weekday: str, problem: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(health_playbook(f"0 9 * * {weekday}"))
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    [issue] = caught.value.issues
    assert str(issue).startswith(f"{path}:6: steps.health.digest: bad cron expression '0 9 * * {weekday}': ")
    assert problem in issue.message


def test_check_names_the_schedule_whose_weekday_is_wrong(tmp_path: Path) -> None:
    from cohortbot.config.playbook import check_files

    path = tmp_path / "p.yaml"
    path.write_text(
        "name: X\n"
        "default: true\n"
        "channels: {general: general}\n"
        "steps:\n"
        "  prompts:\n"
        "    schedules:\n"
        '      - {name: weekdays, cron: "0 9 * * 1-5", bank: [a]}\n'
        '      - {name: broken, cron: "0 9 * * 1-9", bank: [b]}\n'
    )
    [issue] = check_files([path])
    assert (issue.file, issue.line, issue.field) == (str(path), 8, "steps.prompts.schedules[1].cron")
    assert "day of week 9 is out of range 0-7" in issue.message
