"""When a prompt may go out: outside quiet hours (local time) and a gap after the last post."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["earliest_post", "quiet_until"]


def _at(day: datetime, clock: time, zone: ZoneInfo) -> datetime:
    """``clock`` on ``day``'s local date, as aware UTC (a time skipped by DST moves forward)."""
    return datetime.combine(day.date(), clock, tzinfo=zone).astimezone(UTC)


def quiet_until(when: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """The end of the quiet hours ``when`` falls in (aware UTC), or None outside them.

    ``start`` after ``end`` (22:00-08:00) spans midnight; equal times mean no quiet hours.
    """
    if start == end:
        return None
    local = when.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        return _at(local, end, zone) if start <= clock < end else None
    if clock >= start:
        return _at(local + timedelta(days=1), end, zone)
    if clock < end:
        return _at(local, end, zone)
    return None


def earliest_post(
    now: datetime,
    *,
    zone: ZoneInfo,
    quiet: tuple[time, time] | None = None,
    last_post: datetime | None = None,
    min_gap: timedelta | None = None,
) -> datetime:
    """The first moment at or after ``now`` that respects the gap, then the quiet hours."""
    when = now
    if last_post is not None and min_gap:
        when = max(when, last_post + min_gap)
    if quiet is not None:
        when = quiet_until(when, zone, *quiet) or when
    return when
