"""What the sessions step keeps, typed, and how its records are named.

- :class:`Session` (``sessions.session.<id>``): one occurrence of a live session, with the
  ids of the members who RSVPed yes or no and, when it takes attendance (its
  :class:`CheckIn`), of those who checked in. No names, no message text.
- :class:`Deadline` (``sessions.deadline.<id>``): an exercise that closes at a moment.
- :class:`EventLink` (``sessions.event.<platform id>``): a native scheduled event's platform
  id back to our session, so its RSVPs (``RsvpChanged``) find the session.
- :class:`SessionsMember` (``Member.data["sessions"]``): the member's reminder setting, and
  when they last typed a wrong check-in code (to bound guessing).
- Timers: :class:`Remind`, :class:`OpenCheckIn`, :class:`FollowUp`, :class:`RemindDeadline`.

Ids are deterministic (name + local start), so a planner that runs again, a replayed timer
or a restart never opens, announces or reminds twice.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cohortbot.playbook.step import Document, MemberSection, TimerPayload
from cohortbot.playbook.steps.sessions.config import SLUG_MAX
from cohortbot.playbook.steps.sessions.when import local_stamp

__all__ = [
    "CheckIn",
    "Deadline",
    "EventLink",
    "FollowUp",
    "OpenCheckIn",
    "Remind",
    "RemindDeadline",
    "Session",
    "SessionsMember",
    "deadline_id",
    "session_id",
    "slug",
]


class CheckIn(BaseModel):
    """How one occurrence takes attendance, fixed when it is opened (a playbook edited later
    changes the next occurrences, not this one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["button", "code", "both"]
    opens_at: datetime
    closes_at: datetime
    code: str = ""  # in person ("code", "both"): what members type, random per occurrence

    @property
    def button(self) -> bool:
        return self.mode in ("button", "both")

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class Session(Document):
    """One occurrence of a live session."""

    key = "session"

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
    going: list[str] = Field(default_factory=list)  # member ids who RSVPed yes
    declined: list[str] = Field(default_factory=list)
    notes: str = ""  # recording/notes link
    followed_up: bool = False
    check_in: CheckIn | None = None  # None: no attendance taken
    attended: list[str] = Field(default_factory=list)  # member ids who checked in

    def check(self, user_id: str) -> bool:
        """Record a check-in; False if they had already checked in."""
        if user_id in self.attended:
            return False
        self.attended.append(user_id)
        return True

    def rsvp(self, user_id: str, attending: bool) -> bool:
        """Record a yes or a no; False if it changes nothing."""
        before = (user_id in self.going, user_id in self.declined)
        self.going = [u for u in self.going if u != user_id]
        self.declined = [u for u in self.declined if u != user_id]
        (self.going if attending else self.declined).append(user_id)
        return before != (attending, not attending)

    def withdraw(self, user_id: str) -> None:
        """No longer an attendee ("not interested" any more), which is not a declared no."""
        self.going = [u for u in self.going if u != user_id]

    def forget(self, user_id: str) -> bool:
        """Take the member off every list (RSVPs, check-ins); True if they were on one."""
        found = user_id in self.going or user_id in self.declined or user_id in self.attended
        self.going = [u for u in self.going if u != user_id]
        self.declined = [u for u in self.declined if u != user_id]
        self.attended = [u for u in self.attended if u != user_id]
        return found


class Deadline(Document):
    key = "deadline"

    id: str
    title: str
    due: datetime
    channel: str | None = None
    remind_before: list[int] = Field(default_factory=list)  # seconds


class EventLink(Document):
    """The session a native scheduled event stands for (stored under the event's platform id)."""

    key = "event"

    session: str

    @model_validator(mode="before")
    @classmethod
    def _from_a_bare_id(cls, value: Any) -> Any:
        # Stored as a bare session id before documents were typed.
        return {"session": value} if isinstance(value, str) else value


class SessionsMember(MemberSection):
    """The sessions step's part of a member's record."""

    reminders: bool = True  # DMs before the sessions they said they'd attend
    wrong_codes: list[datetime] = Field(default_factory=list)  # recent wrong check-in codes


class Remind(TimerPayload):
    """Remind the members who RSVPed yes, ``offset`` seconds before it starts."""

    session: str
    offset: int


class OpenCheckIn(TimerPayload):
    """Check-in opens: the check-in card in the session's channel, the code to the moderators."""

    session: str


class FollowUp(TimerPayload):
    """After a session: the follow-up post and the feedback request."""

    session: str


class RemindDeadline(TimerPayload):
    deadline: str
    offset: int


# ---------------------------------------------------------------------------- ids


def slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:SLUG_MAX].rstrip("-") or "session"


def session_id(name: str, starts_at: datetime, zone: ZoneInfo) -> str:
    """``office-hours-20260303-1700``: readable, and the same on every replay."""
    return f"{slug(name)}-{local_stamp(starts_at, zone)}"


def deadline_id(title: str, due: datetime, zone: ZoneInfo) -> str:
    return f"dl-{slug(title)}-{local_stamp(due, zone)}"
