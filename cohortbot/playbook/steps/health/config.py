"""The health step's playbook section: the weekly digest, goals, the newcomer first-reply watch."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.analytics.goals import COMMUNITY_ONLY
from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["WEEKDAYS", "Goal", "HealthConfig", "Metric", "NewcomerWatch", "Weekday"]

# Keep in step with playbook.analytics.goals.GOAL_METRICS (a test checks they agree).
Metric = Literal[
    "members_joined",
    "introductions",
    "active_members",
    "posters",
    "messages",
    "activation_rate",
    "retention_rate",
    "answered_rate",
    "connections",
    "roster_joined",
    "submissions_rate",
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WATCH_TEXT = Annotated[str, Placeholders("member", "mention", "days", "when", "community")]


class Goal(BaseModel):
    """A key result: ``target`` of ``metric`` by the end of cohort week ``by_week``.

    With ``cohort`` (a cohort of ``steps.cohorts``, checked when the playbook loads), weeks
    count from that cohort's start and the member metrics count only its members.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    metric: Metric
    target: float = Field(gt=0)  # percentages (…_rate) are 0-100
    by_week: int = Field(ge=1, le=104)
    cohort: str | None = Field(default=None, min_length=1, max_length=30)

    @field_validator("cohort")
    @classmethod
    def _cohort_name(cls, name: str | None) -> str | None:
        return None if name is None else name.strip().lower()  # cohort names are lower case

    @model_validator(mode="after")
    def _countable_per_cohort(self) -> Goal:
        if self.cohort is not None and self.metric in COMMUNITY_ONLY:
            others = ", ".join(sorted(COMMUNITY_ONLY))
            raise ValueError(
                f"{self.metric} is counted for the whole community only ({others} are), not per "
                "cohort: leave out cohort, or use a member metric (posters, active_members, ...)"
            )
        return self


class NewcomerWatch(BaseModel):
    """A newcomer's question with no reply after ``unanswered_after`` pings the moderators once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    newcomer_for: Duration = timedelta(days=14)  # joined at most this long ago
    unanswered_after: Duration = timedelta(hours=4)
    channel: str = "moderators"  # a channel role of the playbook, or a channel name
    message: WATCH_TEXT = (
        "{mention} joined {days} day(s) ago and asked a question {when} that has no reply yet. "
        "Could a champion or a moderator answer it?"
    )


class HealthConfig(StepConfig):
    digest: str | None = "0 9 * * mon"  # cron in the community's zone; None: no weekly digest
    channel: str = "moderators"  # where the digest goes: a channel role or a channel name
    weeks: int = Field(8, ge=2, le=52)  # weeks of history in the charts
    charts: bool = True  # PNG charts with the digest (text only when False or unavailable)
    # The cohort's first day: no digest about the weeks before it; goals count weeks from it.
    # Default: the day the bot first saw the community (for goals: the first cohort's start of
    # steps.cohorts, when there are cohorts; a goal naming a cohort counts from its own start).
    start: date | None = None
    # The weekday weeks start on in the digest, /cohort health and reports. Default: the
    # digest's weekday (Monday for the default digest), Monday without one.
    week_start: Weekday | None = None
    goals: list[Goal] = Field(default_factory=list)
    inactive_listed: int = Field(10, ge=0, le=50)  # recently inactive members named in the digest
    newcomer_watch: NewcomerWatch = NewcomerWatch()
    sentiment: Literal["show", "hide"] = "show"
