"""What the welcome step keeps, typed: the member's part, the join-burst queue, the timers.

- Per member (``Member.data["welcome"]``, :class:`WelcomeMember`): which membership was
  already handled, whether they wait for the platform's onboarding, whether moderators were
  told they have not onboarded, whether they predate the bot.
- Per community: :class:`BurstQueue` (``welcome.burst``): the moments of recent joins (no
  one's id) and the ids of members waiting for the grouped welcome of a join burst.
- Timers: :class:`FollowUpDue` (one per member and follow-up), :class:`ReportDue` (the
  daily list of members not onboarded), :class:`BurstEnds` (the join-burst window closes).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from cohortbot.playbook.step import Document, MemberSection, TimerPayload

__all__ = ["STEP_NAME", "BurstEnds", "BurstQueue", "FollowUpDue", "ReportDue", "WelcomeMember"]

STEP_NAME = "welcome"


class WelcomeMember(MemberSection):
    """The welcome step's part of a member's record."""

    predates: bool = False  # joined long before the bot saw the join: not a newcomer
    welcomed_join: int | None = None  # the membership (join count) already handled
    waiting: bool = False  # still in the platform's onboarding: welcomed once it is done
    reported: bool = False  # listed to moderators as not onboarded
    grouped: bool = False  # this membership was welcomed in a grouped channel post, not a DM
    answered_at: datetime | None = None  # the last automatic answer to a DM they sent the bot


class BurstQueue(Document):
    """Recent joins, and the members waiting for the grouped welcome of a join burst."""

    key = "burst"

    joins: list[datetime] = Field(default_factory=list)  # moments of the joins inside the window
    pending: list[str] = Field(default_factory=list)  # member ids, in the order they joined

    def count_join(self, at: datetime, window: timedelta) -> int:
        """Record a join at ``at``; the joins within ``window`` before it, this one included."""
        self.joins = [t for t in self.joins if t > at - window] + [at]
        return len(self.joins)

    def enqueue(self, member_id: str) -> bool:
        """Queue the member for the grouped welcome; False if they already wait (a rejoin)."""
        if member_id in self.pending:
            return False
        self.pending.append(member_id)
        return True

    def forget(self, member_id: str) -> bool:
        """Take the member out of the queue; True if they were in it."""
        if member_id not in self.pending:
            return False
        self.pending = [m for m in self.pending if m != member_id]
        return True


class FollowUpDue(TimerPayload):
    """Send follow-up ``index`` of the playbook to a member (``name="followup<index>"``)."""

    member: str  # the member's id
    index: int
    join: int  # their join count when it was set: a timer from an earlier membership is void


class ReportDue(TimerPayload):
    """The daily list of members not onboarded in time (``name="report-<local date>"``)."""


class BurstEnds(TimerPayload):
    """The join-burst window closes: welcome the queued members in one post."""
