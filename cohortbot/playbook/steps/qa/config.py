"""The qa step's playbook section: where Q&As run, their bounds, and Q&As planned on dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig, repeated

__all__ = ["LOCAL_FORMAT", "PlannedQa", "QaConfig"]

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
TITLE_MAX = 100
QUESTION_CAP = 1000  # the most a playbook may allow per question
ANSWER_CAP = 3000


def _local_text(value: str) -> str:
    try:
        datetime.strptime(value.strip(), LOCAL_FORMAT)
    except ValueError:
        raise ValueError(f"expected a local date and time like 2026-03-10 18:00, not {value!r}") from None
    return value.strip()


LocalDateTime = Annotated[str, AfterValidator(_local_text)]


class PlannedQa(BaseModel):
    """A Q&A the playbook opens on a date: a live session (``until`` an hour or two later) or an
    asynchronous AMA over days. It opens at the planner's first round (on the hour) at or after
    ``opens``, unless another Q&A is still open then (it waits for it to close)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")  # its id, so it opens once
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    expert: str | None = None  # the expert's member id (they may answer); null: moderators answer
    opens: LocalDateTime  # "YYYY-MM-DD HH:MM" in the community's time zone
    until: LocalDateTime  # closes then: the unanswered questions are posted, moderators told
    description: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> PlannedQa:
        if datetime.strptime(self.until, LOCAL_FORMAT) <= datetime.strptime(self.opens, LOCAL_FORMAT):
            raise ValueError(f"until ({self.until}) must be after opens ({self.opens})")
        return self


class QaConfig(StepConfig):
    channel: str | None = None  # announcements, questions and answers; default: channels.announcements
    max_question_length: int = Field(default=300, ge=20, le=QUESTION_CAP)
    max_answer_length: int = Field(default=1500, ge=100, le=ANSWER_CAP)
    questions_per_member: int = Field(default=3, ge=1, le=20)  # per Q&A
    max_questions: int = Field(default=100, ge=1, le=200)  # per Q&A
    anonymous: bool = False  # question cards and the list don't name the asker
    keep_closed_for: Duration = timedelta(days=30)  # then a closed Q&A (its questions) is deleted
    planned: list[PlannedQa] = Field(default_factory=list)

    @field_validator("planned")
    @classmethod
    def _unique_names(cls, planned: list[PlannedQa]) -> list[PlannedQa]:
        twice = repeated(p.name for p in planned)
        if twice:
            raise ValueError(f"planned Q&A names must be unique; given twice: {', '.join(twice)}")
        return planned

    @field_validator("keep_closed_for")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("keep_closed_for must be longer than 0, e.g. 30d")
        return value
