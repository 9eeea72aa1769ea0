"""Prompts configuration: named schedules of questions or announcements, quiet hours, gaps."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig, repeated
from cohortbot.playbook.templates import Placeholders

__all__ = ["PromptSchedule", "PromptVariant", "PromptsConfig", "QuietHours"]

COMMUNITY = ("community", "intro_channel", "welcome_channel", "guidelines", "facilitators")
CALENDAR = ("cohort", "week", "weeks", "week_theme", "weeks_left")  # steps.cohorts: the cohort running now
PROMPT_TEXT = Annotated[str, Placeholders("question", *COMMUNITY, *CALENDAR)]
ANNOUNCEMENT_TEXT = Annotated[str, Placeholders(*COMMUNITY, *CALENDAR)]


def _quiet_hours(value: object) -> object:
    if isinstance(value, str):
        start, sep, end = value.partition("-")
        if not sep:
            raise ValueError(f"expected quiet hours like 22:00-08:00, not {value!r}")
        return {"start": start.strip(), "end": end.strip()}
    return value


class QuietHours(BaseModel):
    """Local times between which nothing is posted (``22:00-08:00`` spans midnight)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time


class PromptVariant(BaseModel):
    """A split-test arm: what differs from the schedule (wording, channel, time offset).

    Each occurrence posts one variant, picked at random with a seed made of the community,
    the schedule and the occurrence (so a replay or a restart picks the same one).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    title: PROMPT_TEXT | None = None
    message: PROMPT_TEXT | None = None
    thread_name: PROMPT_TEXT | None = None
    channel: str | None = None
    offset: Duration = timedelta(0)  # posted this long after the schedule's time

    @model_validator(mode="after")
    def _offset_ahead(self) -> PromptVariant:
        if self.offset < timedelta(0) or self.offset > timedelta(days=6):
            raise ValueError("a variant's offset is between 0 and 6d after the schedule's time")
        return self


class PromptSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    cron: str  # "0 9 * * mon": minute hour day month weekday, in the playbook's time zone
    channel: str = "general"  # a channel role of the playbook (general, announcements...) or a name
    kind: Literal["question", "announcement"] = "question"
    bank: list[str] = Field(default_factory=list)  # questions (kind: question)
    text: ANNOUNCEMENT_TEXT | None = None  # the fixed text (kind: announcement)
    title: PROMPT_TEXT = ""
    message: PROMPT_TEXT = "{question}"
    thread: bool = True  # open a thread for replies where the platform has threads
    thread_name: PROMPT_TEXT = "{question}"
    grace: Duration = timedelta(hours=1)  # after downtime: still posted this late, else missed
    within: Duration | None = None  # a surprise: a random moment inside this window after the cron time
    when_exhausted: Literal["reshuffle", "stop"] = "reshuffle"
    variants: list[PromptVariant] = Field(default_factory=list)  # a split test; empty: none

    @model_validator(mode="after")
    def _kind_fits(self) -> PromptSchedule:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique within a schedule")
        if len(names) == 1:
            raise ValueError("a split test needs at least two variants (or none)")
        if self.kind == "announcement" and not self.text:
            raise ValueError("an announcement needs its text: `text: ...`")
        if self.kind == "announcement" and self.bank:
            raise ValueError("an announcement has a fixed `text`, not a question `bank`")
        if self.kind == "question" and self.text:
            raise ValueError("a question schedule takes a `bank` of questions, not a `text`")
        return self


class PromptsConfig(StepConfig):
    schedules: list[PromptSchedule] = Field(default_factory=list)
    quiet_hours: Annotated[QuietHours | None, BeforeValidator(_quiet_hours)] = None
    min_gap: Duration | None = None  # between this step's posts in one channel

    @model_validator(mode="after")
    def _unique_names(self) -> PromptsConfig:
        doubled = repeated(s.name for s in self.schedules)
        if doubled:
            raise ValueError(f"schedule names must be unique; used twice: {', '.join(doubled)}")
        return self
