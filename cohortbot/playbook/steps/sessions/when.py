"""Reading the dates and times moderators type (``2026-03-05 18:00``, community time)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cohortbot.playbook.messages import literal

__all__ = ["LOCAL_FORMAT", "WhenError", "local_stamp", "parse_local"]

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


class WhenError(ValueError):
    """A date/time a moderator typed that we cannot use; the message is safe to show."""


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """``2026-03-05 18:00`` in ``zone`` -> aware UTC; WhenError with a clear message otherwise."""
    try:
        naive = datetime.strptime(text.strip(), LOCAL_FORMAT)
    except ValueError:
        raise WhenError(
            f"WHEN must look like 2026-03-05 18:00 (YYYY-MM-DD HH:MM, {zone.key} time),"
            f" not {literal(repr(text))}"
        ) from None
    if not 2000 <= naive.year <= 2100:  # a typo, and year 9999 plus a duration overflows
        raise WhenError(f"WHEN must be a date between 2000 and 2100, not {literal(repr(text))}")
    local = naive.replace(tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != naive:
        raise WhenError(f"{text} does not exist in {zone.key} (the clocks change then); pick another time")
    return moment


def local_stamp(when: datetime, zone: ZoneInfo) -> str:
    """``20260303-1700``: the local date and time, as ids carry it."""
    return when.astimezone(zone).strftime("%Y%m%d-%H%M")
