"""What the welcome step keeps, typed: the member's part, the join-burst queue, the timers.

- Per member (``Member.data["welcome"]``, :class:`WelcomeMember`): which membership was
  already handled, whether they wait for the platform's onboarding, whether moderators were
  told they have not onboarded, whether they predate the bot.
- Per community: :class:`BurstQueue` (``welcome.burst``): recent joins counted per second
  (no one's id) and how many members wait for the grouped welcome of a join burst; the
  members waiting are marked on their own record (``WelcomeMember.burst``).
- Timers: :class:`FollowUpDue` (one per member and follow-up), :class:`ReportDue` (the
  daily list of members not onboarded), :class:`BurstEnds` (the join-burst window closes).
"""

from __future__ import annotations

import bisect
import math
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
    # Queued for the grouped welcome of the join burst opened at ``burst`` (its id, the
    # community's ``BurstQueue.opened``), ``burst_place``-th in the queue. A flag from a burst
    # that has closed since (they had left when it closed) means nothing.
    burst: datetime | None = None
    burst_place: int = 0

    def queued_in(self, queue: BurstQueue) -> bool:
        """Whether they wait in the queue's open burst."""
        return queue.opened is not None and self.burst == queue.opened


class BurstQueue(Document):
    """Recent joins counted per second, and how many members wait for a burst's grouped welcome.

    Small whatever the burst: each join rewrites it, so it holds no list that grows with the
    joins. The members waiting are marked on their own record (:attr:`WelcomeMember.burst`)
    and found with one members query when the window closes.

    - ``seconds``: ``[unix second, joins in it]``, oldest first. Only ``min(count, max_joins
      + 1)`` is ever compared with ``max_joins``, so the oldest seconds are dropped as soon as
      the newer ones alone reach ``max_joins + 1`` (they leave the window last, so the answer
      is the same): at most ``max_joins + 1`` entries, and at most one per second of the
      window (600 for the default 10 minutes, however many join). The window is counted in
      whole seconds: a second counts while it starts inside the window. Exactly as before
      for joins on whole seconds; otherwise a join less than a second inside the window's
      start may no longer count (never one older than the window).
      Counts per second rather than the last ``max_joins + 1`` moments because a playbook
      that never groups (a very large ``max_joins``) would otherwise keep every join again.
    - ``opened``: when the open burst's queue got its first member (the burst's id, stamped
      on the members it queues); ``None`` while nobody waits. ``waiting``: how many wait now
      (those forgotten on request are taken out); ``places``: the places given in this burst.
    - ``joins`` and ``pending``: what the code before kept (every join moment, every waiting
      member id). Read, never grown: ``joins`` is folded into ``seconds`` at the next join,
      and the members ``pending`` names are welcomed when that burst's window closes.
    """

    key = "burst"

    seconds: list[tuple[int, int]] = Field(default_factory=list)
    opened: datetime | None = None
    waiting: int = 0
    places: int = 0
    joins: list[datetime] = Field(default_factory=list)  # stored by the code before: folded away
    pending: list[str] = Field(default_factory=list)  # stored by the code before: never grown

    def count_join(self, at: datetime, window: timedelta, *, cap: int) -> int:
        """Record a join at ``at``; the joins within ``window`` before it, this one included:
        exact up to ``cap``, at least ``cap`` beyond it."""
        for moment in self.joins:  # a document stored by the code before
            self._add(moment)
        self.joins = []
        self._add(at)
        start = at.timestamp() - window.total_seconds()
        kept = [(second, n) for second, n in self.seconds if second > start]
        total = sum(n for _second, n in kept)
        while len(kept) > 1 and total - kept[0][1] >= cap:
            total -= kept.pop(0)[1]
        self.seconds = kept
        return total

    def _add(self, moment: datetime) -> None:
        second = math.floor(moment.timestamp())
        if self.seconds and self.seconds[-1][0] == second:
            self.seconds[-1] = (second, self.seconds[-1][1] + 1)
            return
        at = bisect.bisect_left(self.seconds, (second, 0))
        if at < len(self.seconds) and self.seconds[at][0] == second:  # a clock that went back
            self.seconds[at] = (second, self.seconds[at][1] + 1)
        else:
            self.seconds.insert(at, (second, 1))

    @property
    def anyone_waiting(self) -> bool:
        return self.waiting > 0 or bool(self.pending)

    def enqueue(self, at: datetime, mine: WelcomeMember) -> None:
        """Queue the member (their section, marked here) for the grouped welcome; the first
        member queued opens the burst."""
        if self.opened is None:
            self.opened = at
        mine.burst, mine.burst_place = self.opened, self.places
        self.places += 1
        self.waiting += 1

    def forget(self, member_id: str, mine: WelcomeMember) -> bool:
        """Take the member out of the queue (their section, unmarked here); True if they were in it."""
        found = False
        if member_id in self.pending:
            self.pending = [m for m in self.pending if m != member_id]
            found = True
        if mine.queued_in(self):
            self.waiting -= 1
            found = True
        mine.burst, mine.burst_place = None, 0
        return found

    def close(self) -> None:
        """The window closed: nobody waits any more (the joins stay counted)."""
        self.opened, self.waiting, self.places, self.pending = None, 0, 0, []


class FollowUpDue(TimerPayload):
    """Send follow-up ``index`` of the playbook to a member (``name="followup<index>"``)."""

    member: str  # the member's id
    index: int
    join: int  # their join count when it was set: a timer from an earlier membership is void


class ReportDue(TimerPayload):
    """The daily list of members not onboarded in time (``name="report-<local date>"``)."""


class BurstEnds(TimerPayload):
    """The join-burst window closes: welcome the queued members in one post."""
