"""The sessions step's playbook section: recurring sessions, deadlines, texts, feedback."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig, repeated
from cohortbot.playbook.steps.sessions.when import LOCAL_FORMAT
from cohortbot.playbook.templates import Placeholders

__all__ = [
    "Attendance",
    "DeadlineConfig",
    "Feedback",
    "RecurringSession",
    "SessionDeadline",
    "SessionsConfig",
]

SLUG_MAX = 20  # session names (and title slugs) in session ids

# The course calendar's placeholders (steps.cohorts), filled with the values of the week the
# session starts (the deadline closes) in.
WEEK = ("cohort", "week", "weeks", "week_theme", "weeks_left")
SESSION_TEXT = Annotated[str, Placeholders("title", "when", "link", "community", *WEEK)]
MEMBER_TEXT = Annotated[str, Placeholders("title", "when", "link", "community", "member", "mention", *WEEK)]
DEADLINE_TEXT = Annotated[str, Placeholders("title", "when", "community", *WEEK)]


def _local_text(value: str) -> str:
    try:
        datetime.strptime(value.strip(), LOCAL_FORMAT)
    except ValueError:
        raise ValueError(f"expected a local date and time like 2026-03-10 23:59, not {value!r}") from None
    return value.strip()


LocalDateTime = Annotated[str, AfterValidator(_local_text)]


def _positive(values: list[timedelta]) -> list[timedelta]:
    if any(v <= timedelta(0) for v in values):
        raise ValueError("each offset must be longer than 0, e.g. 24h or 15m")
    return sorted(set(values), reverse=True)


Offsets = Annotated[list[Duration], AfterValidator(_positive)]


class Feedback(BaseModel):
    """A feedback request sent to a session's attendees afterwards: the members who checked in
    when it takes attendance, else those who RSVPed yes.

    Either a ``link`` (a DM with it) or a ``survey`` of the surveys step (sent to them in DM).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    link: str = ""
    survey: str | None = None
    message: MEMBER_TEXT = (
        "Thanks for joining **{title}**, {member}! How was it? "
        "Two minutes of feedback help us make the next one better: {link}"
    )

    @model_validator(mode="after")
    def _one_way(self) -> Feedback:
        if not self.link and not self.survey:
            raise ValueError("feedback needs a link or a survey (the name of one in steps.surveys)")
        return self


class Attendance(BaseModel):
    """Taking attendance at a session: a button (online), a code read out in the room (in
    person), or both. Check-in opens ``opens_before`` the start and closes ``closes_after`` it
    (at the session's end at the latest, so the follow-up knows who came)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check_in: Literal["button", "code", "both"] = "button"
    opens_before: Duration = timedelta(minutes=10)
    closes_after: Duration = timedelta(minutes=30)  # counted from the start

    @field_validator("opens_before")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("opens_before must be 0 or longer, e.g. 10m")
        return value

    @field_validator("closes_after")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("closes_after must be longer than 0, e.g. 30m (counted from the start)")
        return value

    @property
    def button(self) -> bool:
        return self.check_in in ("button", "both")

    @property
    def code(self) -> bool:
        return self.check_in in ("code", "both")


class SessionDeadline(BaseModel):
    """An exercise that closes a while after each occurrence of a recurring session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    after: Duration  # counted from the end of the session
    remind_before: Offsets | None = None  # default: the step's deadline_reminders


class RecurringSession(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=rf"^[a-z0-9][a-z0-9-]{{0,{SLUG_MAX - 1}}}$")  # in session ids
    title: str = Field(min_length=1)
    cron: str  # in the community's time zone, e.g. "0 17 * * tue"
    duration: Duration = timedelta(hours=1)
    description: str = ""
    location: str = ""  # a video-call link or a place
    channel: str | None = None  # default: the step's channel
    announce_before: Duration = timedelta(days=2)
    feedback: Feedback | None = None  # default: the step's feedback
    deadline: SessionDeadline | None = None
    attendance: Attendance | Literal[False] | None = None  # default: the step's; false: none


class DeadlineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    due: LocalDateTime  # "YYYY-MM-DD HH:MM" in the community's time zone
    channel: str | None = None
    remind_before: Offsets | None = None


class SessionsConfig(StepConfig):
    channel: str | None = None  # announcements go here; default: channels.announcements
    location: str = ""  # link for sessions created with /cohort session create
    sessions: list[RecurringSession] = Field(default_factory=list)
    reminders: Offsets = Field(default_factory=lambda: [timedelta(hours=24), timedelta(minutes=15)])
    announcement: SESSION_TEXT = "Join us for **{title}** on {when}."
    native_announcement: SESSION_TEXT = (
        "**{title}** is on {when}. Mark yourself *Interested* on the event to get a reminder."
    )
    reminder: SESSION_TEXT = "Reminder: **{title}** starts {when}. {link}"
    follow_up_after: Duration = timedelta(minutes=15)
    follow_up: SESSION_TEXT = "Thanks to everyone who joined **{title}**!"  # when someone RSVPed
    follow_up_nobody: SESSION_TEXT | None = None  # instead, when nobody had; null: no post
    notes: SESSION_TEXT = "Notes and recording for **{title}**: {link}"
    feedback: Feedback | None = None  # for created sessions, and recurring ones without their own
    attendance: Attendance | None = None  # for created sessions, and recurring ones without their own
    check_in: SESSION_TEXT = "**{title}** starts {when}. Here? Press **Check in**."
    deadlines: list[DeadlineConfig] = Field(default_factory=list)
    deadline_reminders: Offsets = Field(default_factory=lambda: [timedelta(days=1), timedelta(hours=1)])
    deadline_reminder: DEADLINE_TEXT = "⏰ **{title}** closes {when}."
    list_ahead: Duration = timedelta(days=14)  # /cohort session list also shows planned occurrences

    @field_validator("sessions")
    @classmethod
    def _unique_names(cls, sessions: list[RecurringSession]) -> list[RecurringSession]:
        twice = repeated(s.name for s in sessions)
        if twice:
            raise ValueError(f"session names must be unique; given twice: {', '.join(twice)}")
        return sessions

    def recurring(self, name: str) -> RecurringSession | None:
        return next((s for s in self.sessions if s.name == name), None)

    def attendance_of(self, name: str | None) -> Attendance | None:
        """How the recurring session ``name`` (None: a created one) takes attendance, if it does."""
        own = self.recurring(name) if name is not None else None
        if own is not None and own.attendance is not None:
            return own.attendance or None
        return self.attendance
