"""What the kernel specs share: a fixed moment, one community and member, a still clock."""

from __future__ import annotations

from datetime import UTC, datetime

from cohortbot.bot.clock import ManualClock
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef

__all__ = ["ALICE", "COMMUNITY", "NOW", "Config", "clock"]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMMUNITY = CommunityRef(Platform.MEMORY, "c1", "Test")
ALICE = UserRef(Platform.MEMORY, "alice", "alice")


class Config(StepConfig):
    """A step section with nothing in it."""


def clock() -> ManualClock:
    return ManualClock(NOW)
