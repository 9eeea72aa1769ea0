"""What the health report is built from: the store's answers for the report's window, and what
the other steps' published APIs say (prompts, surveys, intros, sessions, the course: cohorts,
roster, assignments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cohortbot.playbook.analytics.metrics import Days, PromptEngagement, QuestionOutcome
from cohortbot.playbook.ports import ChannelActivity, Member, NewcomerActivity, QuestionCounts, UserActivity
from cohortbot.playbook.steps.assignments.api import AssignmentCount
from cohortbot.playbook.steps.cohorts.api import CohortCalendar
from cohortbot.playbook.steps.health.window import Window
from cohortbot.playbook.steps.roster.api import RosterCounts
from cohortbot.playbook.steps.sessions.api import SessionAttendance

__all__ = ["CohortRoll", "HealthInputs"]


@dataclass(frozen=True, kw_only=True)
class CohortRoll:
    """A cohort of ``steps.cohorts``: its calendar and who is on its roll now."""

    calendar: CohortCalendar
    members: frozenset[str]

    @property
    def name(self) -> str:
        return self.calendar.name


@dataclass(frozen=True, kw_only=True)
class HealthInputs:
    """What the store answered for the report's window (see ``window.Window`` for the ranges)."""

    window: Window
    members: Sequence[Member]  # including members who left
    days: Days  # from window.first_day to window.last_day
    users: Sequence[UserActivity]  # from window.users_from, for window.periods
    channels: Sequence[ChannelActivity]  # the period's
    questions: Sequence[QuestionOutcome]  # asked since window.questions_from
    answered: QuestionCounts | None  # asked since window.goal_from (None without goals)
    newcomers: Sequence[NewcomerActivity]  # joined since window.newcomers_from
    prompts: Sequence[PromptEngagement] = ()
    surveys: Sequence[str] = ()  # one headline per survey (surveys.api.survey_headlines)
    connections: int | None = None  # intros: matches confirmed met, when the intros step runs
    sessions: Sequence[SessionAttendance] | None = None  # since the period's start, with sessions on
    cohorts: Sequence[CohortRoll] = ()  # the playbook's cohorts, in its order (cohorts step on)
    roster: RosterCounts | None = None  # joined by the window's end; None without the roster step
    submissions: Sequence[AssignmentCount] | None = None  # None without the assignments step
    now: datetime | None = None  # when the report is read; None: as of the window's end

    @property
    def as_of(self) -> datetime:
        """Assignments due before this moment are due "so far": the window's end, or now if sooner."""
        end = self.window.end
        return end if self.now is None else min(self.now, end)

    def cohort(self, name: str) -> CohortRoll | None:
        return next((c for c in self.cohorts if c.name == name), None)
