"""Live sessions: the playbook section, the stored records, and reading dates moderators type.

Pure: the ``sessions`` step (``playbook/steps/sessions.py``) decides; this module only says
what a session and a deadline are and how their ids and local times are written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig, repeated
from cohortbot.playbook.templates import Placeholders

__all__ = [
    "LOCAL_FORMAT",
    "Deadline",
    "DeadlineConfig",
    "Feedback",
    "RecurringSession",
    "Session",
    "SessionDeadline",
    "SessionsConfig",
    "WhenError",
    "deadline_id",
    "parse_local",
    "session_id",
    "slug",
]

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
SLUG_MAX = 20  # ids end up in timer kinds (64 characters at most)

SESSION_TEXT = Annotated[str, Placeholders("title", "when", "link", "community")]
MEMBER_TEXT = Annotated[str, Placeholders("title", "when", "link", "community", "member", "mention")]
DEADLINE_TEXT = Annotated[str, Placeholders("title", "when", "community")]


class WhenError(ValueError):
    """A date/time a moderator typed that we cannot use; the message is safe to show."""


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
    """A feedback request sent to a session's attendees (members who RSVPed yes) afterwards.

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
    follow_up: SESSION_TEXT = "Thanks to everyone who joined **{title}**!"
    notes: SESSION_TEXT = "Notes and recording for **{title}**: {link}"
    feedback: Feedback | None = None  # for created sessions, and recurring ones without their own
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


# ---------------------------------------------------------------------------- stored records


class Session(BaseModel):
    """One occurrence of a live session, stored in ``uow.state`` (no member text in it)."""

    id: str
    name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    location: str = ""
    channel: str | None = None
    recurring: bool = False
    platform_id: str = ""  # the native scheduled event, once created
    going: list[str] = Field(default_factory=list)  # user ids who RSVPed yes: the attendees
    declined: list[str] = Field(default_factory=list)
    notes: str = ""  # recording/notes link
    followed_up: bool = False


class Deadline(BaseModel):
    id: str
    title: str
    due: datetime
    channel: str | None = None
    remind_before: list[int] = Field(default_factory=list)  # seconds


# ---------------------------------------------------------------------------- ids and times


def slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:SLUG_MAX].rstrip("-") or "session"


def _local_stamp(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y%m%d-%H%M")


def session_id(name: str, starts_at: datetime, zone: ZoneInfo) -> str:
    """``office-hours-20260303-1700``: readable, and the same on every replay."""
    return f"{slug(name)}-{_local_stamp(starts_at, zone)}"


def deadline_id(title: str, due: datetime, zone: ZoneInfo) -> str:
    return f"dl-{slug(title)}-{_local_stamp(due, zone)}"


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """``2026-03-05 18:00`` in ``zone`` -> aware UTC; WhenError with a clear message otherwise."""
    try:
        naive = datetime.strptime(text.strip(), LOCAL_FORMAT)
    except ValueError:
        raise WhenError(
            f"WHEN must look like 2026-03-05 18:00 (YYYY-MM-DD HH:MM, {zone.key} time), not {text!r}"
        ) from None
    local = naive.replace(tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != naive:
        raise WhenError(f"{text} does not exist in {zone.key} (the clocks change then); pick another time")
    return moment
