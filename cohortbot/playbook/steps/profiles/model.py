"""What the profiles step keeps, typed.

- Per member (``Member.data["profiles"]``, :class:`ProfilesMember`): what they wrote in their
  profile (bounded), whom they share each field with, whether they take help invitations and
  when they were last invited (the weekly budget and the rotation).
- Per community (:class:`Routed`, ``profiles.routed``): the help questions routed to members
  (message and channel ids, the asker's id, the skills matched, who was invited, who replied;
  never the question's text), the last :data:`ROUTED_KEPT`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import Document, MemberSection
from cohortbot.playbook.steps.profiles.config import Share

__all__ = ["ROUTED_KEPT", "STEP_NAME", "ProfilesMember", "Routed", "RoutedQuestion", "profile_of"]

STEP_NAME = "profiles"
ROUTED_KEPT = 500
WEEK = timedelta(days=7)


class ProfilesMember(MemberSection):
    """The profiles step's part of a member's record."""

    interests: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    goals: str = ""
    timezone: str = ""
    pronouns: str = ""
    persona: str | None = None
    share: dict[str, Share] = Field(default_factory=dict)  # field (or "all") -> who sees it
    routing_off: bool = False  # no help invitations
    invited_at: list[datetime] = Field(default_factory=list)  # invitations of the last 7 days

    def shared_with(self, field: str, default: Share) -> Share:
        return self.share.get(field) or self.share.get("all") or default

    def invitations_since(self, moment: datetime) -> int:
        return sum(1 for at in self.invited_at if at > moment)

    def invited(self, at: datetime) -> None:
        self.invited_at = [t for t in self.invited_at if t > at - WEEK] + [at]

    def last_invited(self) -> datetime | None:
        return max(self.invited_at) if self.invited_at else None


def profile_of(member: Member) -> ProfilesMember:
    """The member's profile as stored (empty when unreadable: a read API never fails a caller)."""
    raw = member.data.get(STEP_NAME)
    if raw is None:
        return ProfilesMember()
    try:
        return ProfilesMember.model_validate(raw)
    except ValidationError:
        return ProfilesMember()


class RoutedQuestion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: str  # the question's message id (where replies go: its thread)
    channel: str
    asker: str | None  # None once the asker had their data deleted
    at: datetime
    skills: list[str] = Field(default_factory=list)
    invited: list[str] = Field(default_factory=list)
    answered_by: list[str] = Field(default_factory=list)
    erased: int = 0  # invited or answering members who since had their data deleted


class Routed(Document):
    """The help questions routed to members, oldest first."""

    key = "routed"

    questions: list[RoutedQuestion] = Field(default_factory=list)

    def add(self, question: RoutedQuestion) -> None:
        self.questions = [*self.questions, question][-ROUTED_KEPT:]

    def find(self, message_id: str) -> RoutedQuestion | None:
        return next((q for q in reversed(self.questions) if q.message == message_id), None)

    def about(self, member_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for q in self.questions:
            roles = [
                role
                for role, hit in (
                    ("asked", q.asker == member_id),
                    ("invited", member_id in q.invited),
                    ("answered", member_id in q.answered_by),
                )
                if hit
            ]
            if roles:
                found.append({"message": q.message, "at": q.at.isoformat(), "skills": q.skills, "as": roles})
        return found

    def forget(self, member_id: str) -> bool:
        changed = False
        for q in self.questions:
            if q.asker == member_id:
                q.asker = None
                changed = True
            if member_id in q.invited or member_id in q.answered_by:
                q.invited = [m for m in q.invited if m != member_id]
                q.answered_by = [m for m in q.answered_by if m != member_id]
                q.erased += 1
                changed = True
        return changed

    def answer_counts(self) -> dict[str, int]:
        """Member id -> routed questions they replied to (for the champions step)."""
        counts: dict[str, int] = {}
        for q in self.questions:
            for member_id in q.answered_by:
                counts[member_id] = counts.get(member_id, 0) + 1
        return counts
