"""The ``welcome`` step's playbook section (re-exported by ``playbook.steps.welcome``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["Acceptance", "Burst", "FollowUp", "WelcomeConfig"]

MEMBER_TEXT = Annotated[
    str,
    Placeholders(
        "member", "mention", "community", "intro_channel", "welcome_channel", "guidelines", "facilitators"
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
    model_config = ConfigDict(extra="forbid", frozen=True)

    after: Duration
    unless: Literal["introduced", "onboarded", "posted"] = "introduced"
    message: MEMBER_TEXT


class Burst(BaseModel):
    """Beyond ``max_joins`` joins inside ``window``, newcomers get one grouped channel welcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_joins: int = Field(10, ge=1)
    window: Duration = timedelta(minutes=10)
    message: GROUP_TEXT = (
        "Welcome to all {count} of you who just joined {community}: {members}! "
        "Start with the guidelines ({guidelines}), then introduce yourselves in {intro_channel}."
    )


def _clock_time(value: object) -> object:
    if isinstance(value, str):
        hour, sep, minute = value.partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ValueError(f"expected a time of day like 09:00, not {value!r}")
        return (int(hour), int(minute))
    return value


class WelcomeConfig(StepConfig):
    title: MEMBER_TEXT = "Welcome to {community}!"
    message: MEMBER_TEXT = DEFAULT_MESSAGE
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
    catch_up: Duration = timedelta(days=2)  # older joins seen on reconnect are recorded, not welcomed
