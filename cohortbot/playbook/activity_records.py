"""Activity as the storage ports hand it out: one record per message, reply or reaction
(never its text), and the aggregates of counted records the reports are computed from.

Re-exported by :mod:`cohortbot.playbook.ports`, which is where the rest of the code imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cohortbot.playbook.refs import ChannelRef, CommunityRef, UserRef

__all__ = [
    "ActivityRecord",
    "ActivitySummary",
    "ChannelActivity",
    "DayActivity",
    "NewcomerActivity",
    "QuestionCounts",
    "QuestionOutcome",
    "UserActivity",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class ActivityRecord:
    """One message, reply or reaction. Never the message text (privacy by default)."""

    community: CommunityRef
    user: UserRef
    channel: ChannelRef | None
    at: datetime
    kind: str  # "message" | "reply" | "reaction"
    message_id: str = ""
    thread_id: str = ""
    reply_to: UserRef | None = None
    length: int = 0
    is_question: bool = False
    sentiment: float | None = None


# Aggregates of activity (``ActivityRepository``'s summaries). They count only *counted*
# records: none from a member whose row says bot or opted out of analytics.


@dataclass(frozen=True, kw_only=True, slots=True)
class DayActivity:
    """One day of counted activity: ``[starts[i], starts[i + 1])`` of the days asked for."""

    active: int  # distinct members with any record that day
    messages: int
    replies: int
    reactions: int
    sentiment_sum: float  # over messages and replies with a score
    sentiment_count: int
    within: tuple[int, ...] = ()  # per window w asked for: members active in the w days ending this one


@dataclass(frozen=True, kw_only=True, slots=True)
class UserActivity:
    """One member's counted activity: their last record, and what they did in each period asked for."""

    user: str  # the member's id
    last: datetime
    active: tuple[bool, ...]  # any record in the period
    posted: tuple[bool, ...]  # a message or a reply
    reacted: tuple[bool, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class NewcomerActivity:
    """A member who joined in the range asked for: their first counted records from joining on."""

    user: str
    joined_at: datetime
    first_post: datetime | None  # the first message or reply at or after joining
    first_active: datetime | None  # the first record of any kind at or after joining
    first_active_later: datetime | None  # the first record at or after joining + ``later``


@dataclass(frozen=True, slots=True)
class ChannelActivity:
    """Counted activity in one channel (by name, else id; ``(unknown)`` without one)."""

    channel: str
    messages: int
    replies: int
    reactions: int
    participants: int  # distinct members

    @property
    def total(self) -> int:
        return self.messages + self.replies + self.reactions


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    """A question (a top-level message with ``is_question``) and when someone else first replied.

    A first reply is the earliest counted ``reply`` by another member, after the question and
    before the end of the range read, either in its thread (``thread_id`` is the question's
    ``message_id``) or answering the asker (``reply_to``) in the question's channel (same
    channel id, else name).
    """

    question: ActivityRecord
    first_reply_at: datetime | None

    @property
    def delay(self) -> timedelta | None:
        return self.first_reply_at - self.question.at if self.first_reply_at else None


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    """How many questions were asked in a range, and how many of them got a first reply (as
    :class:`QuestionOutcome` defines it): the goals' answered rate, without the questions."""

    asked: int
    answered: int


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    """``ActivityRepository.days`` and ``users`` of the same records, read together."""

    days: list[DayActivity]
    users: list[UserActivity]
