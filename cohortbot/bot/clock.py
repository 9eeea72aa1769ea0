"""Clocks: the system clock, and the simulated clocks tests and the console use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["ManualClock", "OffsetClock", "SystemClock"]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Time stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class OffsetClock:
    """Real time plus an offset: the console's ``/advance 2d`` moves it forward."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        self._offset = when - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
