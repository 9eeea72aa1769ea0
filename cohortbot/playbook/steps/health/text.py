"""How the health report writes its figures: delays, days, percentages, the weekly table."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

from cohortbot.playbook.analytics.metrics import WeekStats
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.steps.health.weeks import span

__all__ = ["WEEKS", "ci", "csv_value", "day_label", "format_delay", "pct", "signed", "weeks_section", "where"]

WEEKS = "Volume and sentiment by week"


def format_delay(delta: timedelta | None) -> str:
    if delta is None:
        return "n/a"
    minutes = round(delta.total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def weeks_section(weeks: Sequence[WeekStats], weekday: int) -> tuple[str, list[str]]:
    def days(w: WeekStats) -> str:
        if not w.partial:
            return span(w.start, w.end)
        n = (w.end - w.start).days + 1
        return f"{span(w.start, w.end)} (its first {'day' if n == 1 else f'{n} days'})"

    return (
        f"{WEEKS} (weeks from {calendar.day_name[weekday]})",
        [
            f"- {days(w)}: {w.posts} posts, {w.reactions} reactions, "
            f"{'n/a' if w.active is None else w.active} active, sentiment {signed(w.sentiment)}"
            for w in weeks
        ],
    )


def pct(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "n/a"


def signed(value: float | None) -> str:
    return f"{value:+.2f}" if value is not None else "n/a"


def ci(interval: object) -> str:
    low, high = getattr(interval, "low", None), getattr(interval, "high", None)
    if low is None or high is None:
        return "n/a, fewer than 2 prompts"
    return f"{max(0.0, low):.1f} to {high:.1f}"  # counts: a negative bound means 0


def csv_value(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def where(channel: ChannelRef | None) -> str:
    return f"<#{channel.name or channel.id}>" if channel else "a channel"  # names read well in files too
