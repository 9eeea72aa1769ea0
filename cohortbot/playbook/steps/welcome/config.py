"""The ``welcome`` step's playbook section (re-exported by ``playbook.steps.welcome``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["Acceptance", "Burst", "FollowUp", "Replies", "WelcomeConfig"]

MEMBER_TEXT = Annotated[
    str,
    Placeholders(
        "member", "mention", "community", "intro_channel", "welcome_channel", "guidelines", "facilitators"
    ),
]
# The welcome's own title and message may also speak of the course calendar (steps.cohorts):
# the member's cohort, else the cohort running now.
WELCOME_TEXT = Annotated[
    str,
    Placeholders(
        "member",
        "mention",
        "community",
        "intro_channel",
        "welcome_channel",
        "guidelines",
        "facilitators",
        "cohort",
        "week",
        "weeks",
        "week_theme",
        "weeks_left",
    ),
]
GROUP_TEXT = Annotated[
    str, Placeholders("members", "count", "community", "intro_channel", "welcome_channel", "guidelines")
]
REPORT_TEXT = Annotated[str, Placeholders("members", "count", "days", "community")]

DEFAULT_MESSAGE = (
    "Hi {member}, welcome to **{community}**! We're glad you're here.\n\n"
    "Here is how to get started:\n"
    "- Read the community guidelines: {guidelines}\n"
    "- Introduce yourself in {intro_channel}: who you are, what you're learning and why\n"
    "- Ask questions anywhere: there are no silly ones, and someone will answer\n\n"
    "Your facilitators: {facilitators}"
)


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    required: bool = False  # members count as onboarded once they accept
    button: str = "I accept the guidelines"
    role: str | None = None  # granted on acceptance (platforms with roles)
    thanks: MEMBER_TEXT = "Thanks {member}! You're all set. Say hello in {intro_channel}."


class FollowUp(BaseModel):
    """A DM ``after`` the welcome, unless the member did what it nudges.

    A member welcomed in a grouped channel post never got a welcome DM: they get
    ``grouped_message`` if given, else ``message`` after ``burst.follow_up_note``. With
    ``unless: onboarded`` and required guidelines the DM carries the accept button itself.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    after: Duration
    unless: Literal["introduced", "onboarded", "posted"] = "introduced"
    message: MEMBER_TEXT
    grouped_message: MEMBER_TEXT | None = None
    persona: str | None = None  # only for members who chose this persona (steps.profiles)


class Burst(BaseModel):
    """Beyond ``max_joins`` joins inside ``window``, newcomers get one grouped channel welcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_joins: int = Field(10, ge=1)
    window: Duration = timedelta(minutes=10)  # counted in whole seconds (model.BurstQueue)
    message: GROUP_TEXT = (
        "Welcome to all {count} of you who just joined {community}: {members}! "
        "Start with the guidelines ({guidelines}), then introduce yourselves in {intro_channel}."
    )
    # More members than one message holds on the platform: the post is split in parts (each
    # the whole message, for its share of {members}); past max_posts, the last part ends with
    # "… and N more".
    max_posts: int = Field(5, ge=1, le=50)
    follow_up_note: MEMBER_TEXT = (
        "You were welcomed in {welcome_channel} together with everyone who joined at the same time.\n\n"
    )


class Replies(BaseModel):
    """Direct messages members send the bot that are neither a survey answer nor a command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    forward: bool = True  # to the moderators' channel; the text is delivered, never stored
    max_length: int = Field(1500, ge=20, le=10_000)  # characters of it forwarded, then "…"
    header: MEMBER_TEXT = "{member} ({mention}) wrote to the bot:"
    acknowledge: MEMBER_TEXT | None = (
        "Thanks {member}, I passed your message on to the moderators; someone will get back to you."
    )
    acknowledge_every: Duration = timedelta(minutes=30)  # at most one answer per member per this


def _clock_time(value: object) -> object:
    if isinstance(value, str):
        hour, sep, minute = value.partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ValueError(f"expected a time of day like 09:00, not {value!r}")
        return (int(hour), int(minute))
    return value


class WelcomeConfig(StepConfig):
    title: WELCOME_TEXT = "Welcome to {community}!"
    message: WELCOME_TEXT = DEFAULT_MESSAGE
    guidelines: Acceptance = Acceptance()
    wait_for_onboarding: bool = True  # Discord: welcome once the member passes screening
    skip_bots: bool = True
    rejoin: Literal["never", "welcome_back", "again"] = "never"
    welcome_back: MEMBER_TEXT = "Welcome back to {community}, {member}!"
    fallback_prefix: MEMBER_TEXT = "{mention} I couldn't send you a direct message, so here it is:\n"
    follow_ups: list[FollowUp] = Field(default_factory=list)
    report_unonboarded_after: Duration | None = timedelta(days=7)
    report_time: Annotated[tuple[int, int], BeforeValidator(_clock_time)] = (
        9,
        0,
    )  # "09:00" in the community's time zone
    report_message: REPORT_TEXT = (
        "{count} member(s) joined {days}+ days ago and have not finished onboarding: {members}"
    )
    burst: Burst = Burst()
    replies: Replies = Replies()
    catch_up: Duration = timedelta(days=2)  # older joins seen on reconnect are recorded, not welcomed
