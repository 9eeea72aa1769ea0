"""What the assignments step keeps, typed.

- :class:`Work` (``assignments.work.<moment id>``): the submissions to one *assignment moment*
  (an assignment name and its due moment, e.g. ``project-20260320-2359``): per member id, the
  link, an optional note, when it was first and last submitted and whether it is late; when
  each member started a timed exercise; whether the reminder went out. Cohorts that share an
  assignment name and due moment share it, so a member in both submits (and is reminded) once.
- Timers: :class:`RemindMissing` (one per moment) and :class:`WindowClosing` (one per member
  who started a timed exercise, with the member as its subject).

No names are kept: progress and exports read names from the member records when asked.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cohortbot.playbook.step import Document, TimerPayload

__all__ = ["STEP_NAME", "RemindMissing", "Submission", "WindowClosing", "Work"]

STEP_NAME = "assignments"


class Submission(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cohort: str  # the cohort it was submitted for
    link: str
    note: str = ""
    first_at: datetime
    last_at: datetime
    late: bool = False  # the link recorded now came after the member's deadline


class Work(Document):
    key = "work"

    name: str = ""
    due_at: datetime | None = None
    submissions: dict[str, Submission] = Field(default_factory=dict)  # member id ->
    started: dict[str, datetime] = Field(default_factory=dict)  # member id -> timed exercise start
    reminded: bool = False  # the one reminder before the due moment went out

    def forget(self, member_id: str) -> bool:
        """Take the member out; True if they were in."""
        found = member_id in self.submissions or member_id in self.started
        self.submissions.pop(member_id, None)
        self.started.pop(member_id, None)
        return found


class RemindMissing(TimerPayload):
    """The reminder of one assignment moment, to the members who have not submitted."""

    moment: str


class WindowClosing(TimerPayload):
    """A timed exercise's window is about to close for the timer's subject."""

    moment: str
