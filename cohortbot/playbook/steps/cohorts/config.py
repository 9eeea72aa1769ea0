"""The cohorts step's playbook section: the course calendar.

A cohort has a start date (week 1 begins that day, in the community's time zone), a length
in weeks, who its members are, and content keyed by week number::

    cohorts:
      post_at: "09:00"
      cohorts:
        - name: spring
          title: Spring 2026
          start: 2026-03-02
          weeks: 8
          members: {role: "Spring 2026", roster: true, enrol: true}
          week:
            3:
              theme: Regression
              prompt: "Which relationship in your own data would you model first?"
              survey: {name: mid-point, on: fri, at: "17:00"}
              assignments:
                - {name: regression-1, title: Regression exercise, due: "fri 23:59"}
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig, repeated
from cohortbot.playbook.templates import Placeholders

__all__ = [
    "DAYS",
    "Cohort",
    "CohortsConfig",
    "Membership",
    "Week",
    "WeekAssignment",
    "WeekSurvey",
    "parse_day_time",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WEEKS = 104
SLUG = r"^[a-z0-9][a-z0-9-]{0,29}$"

WEEK_TEXT = Annotated[
    str, Placeholders("cohort", "week", "weeks", "week_theme", "weeks_left", "community", "when", "title")
]


def parse_clock(value: str) -> time:
    """``17:00`` -> a time; ValueError with a readable message otherwise."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"expected a time like 17:00 (24-hour HH:MM), not {value!r}") from None


def parse_day_time(value: str) -> tuple[int, time]:
    """``fri 23:59`` -> (4, 23:59): a weekday of the cohort's week and a local time."""
    parts = value.strip().lower().split()
    if len(parts) != 2 or parts[0][:3] not in DAYS:
        raise ValueError(f"expected a weekday and a time like 'fri 23:59', not {value!r}")
    return DAYS.index(parts[0][:3]), parse_clock(parts[1])


def _clock(value: str) -> str:
    parse_clock(value)
    return value.strip()


def _day_time(value: str) -> str:
    parse_day_time(value)
    return value.strip().lower()


Clock = Annotated[str, AfterValidator(_clock)]
DayTime = Annotated[str, AfterValidator(_day_time)]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WeekSurvey(BaseModel):
    """A survey of ``steps.surveys`` sent to the cohort's members on a day of the week."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    on: Day = "fri"
    at: Clock = "17:00"

    @model_validator(mode="before")
    @classmethod
    def _bare_on(cls, data: Any) -> Any:
        """YAML 1.1 reads a bare ``on`` key as the boolean true: ``{on: fri}`` means the day."""
        if isinstance(data, dict) and True in data and "on" not in data:
            return {("on" if key is True else key): value for key, value in data.items()}
        return data


class WeekAssignment(BaseModel):
    """An assignment due in this week: members submit with ``/cohort submit NAME LINK``.

    ``due`` is a weekday and local time: the first such moment on or after the week's first
    day (a cohort starting on a Monday has "fri 23:59" on its Friday). ``time_limit`` makes
    it a timed exercise: it opens when a member starts it and closes that long after.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    due: DayTime
    description: str = Field(default="", max_length=1500)
    link: str = ""
    remind_before: Duration = timedelta(days=1)   # one reminder, to members who have not submitted
    time_limit: Duration | None = None
    late: Literal["accept", "refuse"] = "accept"   # accepted late submissions are marked late


class Week(BaseModel):
    """What one week of the cohort holds; every part is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str = Field(default="", max_length=200)
    message: WEEK_TEXT | None = None   # the week's opening post; default: the step's week_message
    prompt: str = Field(default="", max_length=1500)   # a question posted with the opening post
    survey: WeekSurvey | None = None
    assignments: list[WeekAssignment] = Field(default_factory=list)


class Membership(BaseModel):
    """Who is in the cohort: members with a role (Slack: a user group), roster rows naming the
    cohort, and members who enrol themselves with ``/cohort course enrol NAME``. Any combination."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str | None = None
    roster: bool = False
    enrol: bool = True


class Cohort(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SLUG)
    title: str = Field(default="", max_length=100)   # default: the name
    start: date
    weeks: int = Field(ge=1, le=MAX_WEEKS)
    members: Membership = Field(default_factory=Membership)
    channel: str | None = None   # its week posts; default: the step's channel
    week: dict[int, Week] = Field(default_factory=dict)

    @property
    def shown(self) -> str:
        return self.title or self.name

    @field_validator("week")
    @classmethod
    def _weeks_are_numbers(cls, weeks: dict[int, Week]) -> dict[int, Week]:
        bad = [n for n in weeks if n < 1]
        if bad:
            raise ValueError(f"week numbers start at 1, not {bad[0]}")
        return weeks

    @model_validator(mode="after")
    def _within_length(self) -> Cohort:
        beyond = sorted(n for n in self.week if n > self.weeks)
        if beyond:
            raise ValueError(f"week {beyond[0]} is after the cohort's last week ({self.weeks})")
        names = repeated(a.name for w in self.week.values() for a in w.assignments)
        if names:
            raise ValueError(f"assignment names must be unique in a cohort: {', '.join(names)}")
        return self


class CohortsConfig(StepConfig):
    channel: str | None = None   # week posts; default: channels.announcements
    post_at: Clock = "09:00"     # the opening post of each week, on its first day (community time)
    week_message: WEEK_TEXT = "**{cohort}: week {week} of {weeks}**"
    enrol_closes_after: Duration | None = None   # self-enrolment closes this long after the start
    cohorts: list[Cohort] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> CohortsConfig:
        names = repeated(c.name for c in self.cohorts)
        if names:
            raise ValueError(f"cohort names must be unique: {', '.join(names)}")
        return self

    def cohort(self, name: str) -> Cohort | None:
        return next((c for c in self.cohorts if c.name == name), None)
