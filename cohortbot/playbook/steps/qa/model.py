"""What the qa step keeps, typed.

- :class:`Qa` (``qa.qa.<id>``): one Q&A with its questions. A question keeps its text (it is
  what the feature shows), the asker's id and the voters' ids; an answer is posted and sent,
  never stored (only who answered and when). A closed Q&A is deleted ``keep_closed_for`` later.
- :class:`Current` (``qa.current``): the id of the open Q&A. One Q&A is open at a time in a
  community, so ``/cohort qa ask`` needs no name.
- Timer: :class:`CloseQa` at a Q&A's ``until``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cohortbot.playbook.step import Document, TimerPayload

__all__ = ["CloseQa", "Current", "Qa", "Question", "ranked"]


class Question(BaseModel):
    number: int
    text: str
    asker: str | None  # member id; None once they had their data deleted
    asker_name: str = ""  # shown on the card and the list (unless anonymous)
    asked_at: datetime
    votes: list[str] = Field(default_factory=list)  # member ids, one vote each
    erased_votes: int = 0  # votes of members who had their data deleted: the rank stays
    answered_at: datetime | None = None
    answered_by: str | None = None

    @property
    def score(self) -> int:
        return len(self.votes) + self.erased_votes

    def toggle(self, user_id: str) -> bool:
        """Add or take back ``user_id``'s vote; True if it is now counted."""
        if user_id in self.votes:
            self.votes.remove(user_id)
            return False
        self.votes.append(user_id)
        return True


class Qa(Document):
    key = "qa"

    id: str
    title: str
    description: str = ""
    expert: str | None = None  # member id; may answer besides the moderators
    expert_name: str = ""
    opened_by: str | None = None  # member id (None: the playbook opened it)
    opened_at: datetime
    until: datetime | None = None  # closes by itself then
    closed_at: datetime | None = None
    channel: str | None = None  # the channel spec it was opened in (config at the time)
    questions: list[Question] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def question(self, number: int) -> Question | None:
        return next((q for q in self.questions if q.number == number), None)

    def asked_by(self, user_id: str) -> list[Question]:
        return [q for q in self.questions if q.asker == user_id]

    def forget(self, user_id: str) -> bool:
        """Unlink the member everywhere (their questions stay, unnamed); True if anything changed."""
        changed = False
        for q in self.questions:
            if q.asker == user_id:
                q.asker, q.asker_name, changed = None, "", True
            if user_id in q.votes:
                q.votes.remove(user_id)
                q.erased_votes += 1
                changed = True
            if q.answered_by == user_id:
                q.answered_by, changed = None, True
        if self.expert == user_id:
            self.expert, self.expert_name, changed = None, "", True
        if self.opened_by == user_id:
            self.opened_by, changed = None, True
        return changed


class Current(Document):
    key = "current"

    qa: str | None = None


class CloseQa(TimerPayload):
    qa: str


def ranked(questions: list[Question]) -> list[Question]:
    """Most votes first; ties: the oldest first (then the lower number)."""
    return sorted(questions, key=lambda q: (-q.score, q.asked_at, q.number))
