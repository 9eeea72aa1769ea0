"""Weeks and ranges as the health report shows them: where a week starts, when the cohort
started, and how a range of local days reads ("1-7 Mar", with an en dash).

The digest, ``/cohort health`` and ``cohortbot report`` all cut weeks with :func:`week_start`
(the playbook's time zone gives the local day, ``health.week_start`` the first weekday), so a
"week of 2 Mar" is the same seven days wherever it is shown.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from cohortbot.playbook.steps.health.config import WEEKDAYS, HealthConfig

__all__ = ["DASH", "cohort_start", "first_weekday", "reported_from", "span", "week_start"]

DASH = "\u2013"  # an en dash, between the first and the last day of a range
# crontab's day-of-week numbers: 0 and 7 are Sunday, 1 Monday.
_CRON_DAYS = {str(n): WEEKDAYS[(n - 1) % 7] for n in range(8)}


def first_weekday(cfg: HealthConfig) -> int:
    """The weekday weeks start on (0 = Monday): ``week_start``, else the weekly digest's day
    (so that a digest covers exactly the week before it), else Monday."""
    if cfg.week_start is not None:
        return WEEKDAYS.index(cfg.week_start)
    fields = (cfg.digest or "").split()
    day = fields[4].lower()[:3] if len(fields) == 5 else ""
    day = _CRON_DAYS.get(day, day)
    return WEEKDAYS.index(day) if day in WEEKDAYS else 0


def week_start(day: date, weekday: int) -> date:
    """The first day of the week ``day`` is in, weeks starting on ``weekday`` (0 = Monday)."""
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def cohort_start(cfg: HealthConfig, first_seen: datetime | None, zone: tzinfo) -> date | None:
    """The cohort's first day: the playbook's ``start``, else the day the bot first saw the
    community (local), else unknown."""
    if cfg.start is not None:
        return cfg.start
    return first_seen.astimezone(zone).date() if first_seen is not None else None


def reported_from(cfg: HealthConfig, first_seen: datetime | None, zone: tzinfo) -> date | None:
    """The first day a digest may cover: the later of the playbook's ``start`` (before it the
    cohort had not begun) and the day the bot first saw the community (before it the bot saw
    nothing: a bot started on a Monday morning has no past week to tell about)."""
    days = [cfg.start, first_seen.astimezone(zone).date() if first_seen is not None else None]
    return max((d for d in days if d is not None), default=None)


def span(first: date, last: date) -> str:
    """The local days ``first..last`` (both included) as people write them: "7 Mar",
    "1-7 Mar", "25 Feb-3 Mar", "28 Dec 2025-3 Jan 2026" (with an en dash)."""
    if first >= last:
        return f"{last.day} {last:%b}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y}{DASH}{last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b}{DASH}{last.day} {last:%b}"
    return f"{first.day}{DASH}{last.day} {last:%b}"
