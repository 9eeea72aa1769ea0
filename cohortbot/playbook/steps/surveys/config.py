"""The surveys step's playbook section: named surveys, their questions, their schedule.

``min_respondents`` protects anonymous surveys: a round's answers are shown (results, charts,
CSV, the health digest) only once that many members answered it, so that nobody's answers
can be read off a round with one or two responses.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig, repeated
from cohortbot.playbook.templates import Placeholders

__all__ = [
    "MIN_RESPONDENTS",
    "ChoiceQuestion",
    "NpsQuestion",
    "Question",
    "ScaleQuestion",
    "Survey",
    "SurveysConfig",
    "TextQuestion",
]

SURVEY_TEXT = Annotated[str, Placeholders("member", "community", "title", "count")]
FALLBACK_TEXT = Annotated[str, Placeholders("member", "mention", "community", "title")]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
ID_PATTERN = r"^([a-z0-9][a-z0-9_]{0,23})?$"
MIN_RESPONDENTS = 3  # the default; 2 at the least


def _at_least_two(value: int) -> int:
    if value < 2:
        raise ValueError(
            f"min_respondents must be at least 2, not {value}: with fewer, the results of an "
            "anonymous survey would show one member's answers"
        )
    return value


MinRespondents = Annotated[int, AfterValidator(_at_least_two)]


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field("", pattern=ID_PATTERN)  # filled as q1, q2... from the position when empty
    text: str = Field(min_length=1, max_length=300)
    label: str = Field("", max_length=45)  # a short form label (Discord labels hold 45 characters)
    required: bool = True

    @property
    def short(self) -> str:
        return self.label or (self.text if len(self.text) <= 45 else self.text[:44].rstrip() + "…")


class ScaleQuestion(_Question):
    """1 to 5, with words for the two ends."""

    type: Literal["scale"]
    low: str = Field("Not at all", max_length=40)
    high: str = Field("Very much", max_length=40)

    @property
    def values(self) -> tuple[str, ...]:
        return ("1", "2", "3", "4", "5")


class NpsQuestion(_Question):
    """Net promoter: 0 (not at all likely) to 10 (extremely likely)."""

    type: Literal["nps"]
    text: str = Field("How likely are you to recommend this community to a friend?", max_length=300)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(str(v) for v in range(11))


class ChoiceQuestion(_Question):
    """One option out of a few (buttons hold 80 characters each)."""

    type: Literal["choice"]
    options: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(min_length=2, max_length=10)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.options)

    @model_validator(mode="after")
    def _distinct(self) -> ChoiceQuestion:
        if len({o.lower() for o in self.options}) != len(self.options):
            raise ValueError("choice options must be distinct")
        return self


class TextQuestion(_Question):
    """Free text; optional unless ``required: true``."""

    type: Literal["text"]
    required: bool = False
    max_length: int = Field(1000, ge=1, le=4000)

    @property
    def values(self) -> tuple[str, ...]:
        return ()


Question = Annotated[ScaleQuestion | NpsQuestion | ChoiceQuestion | TextQuestion, Field(discriminator="type")]


class Survey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)  # used in commands: /cohort survey send NAME
    title: str = Field(min_length=1, max_length=80)
    intro: SURVEY_TEXT = (
        "Hi {member}! We'd love your feedback on {community}: {count} short question(s), "
        "about a minute. Press **Start** whenever you're ready."
    )
    anonymous: bool = True
    schedule: str | None = None  # cron in the community's zone, e.g. "0 17 20 3 *" (end of week 3)
    grace: Duration = timedelta(hours=12)  # after downtime, still send this late; later: recorded missed
    remind: bool = True  # remind non-responders once, after the step's remind_after
    min_respondents: MinRespondents | None = None  # anonymous: default the step's min_respondents
    questions: list[Question] = Field(min_length=1, max_length=25)

    @model_validator(mode="before")
    @classmethod
    def _number_questions(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("questions"), list):
            numbered = []
            for index, question in enumerate(data["questions"], start=1):
                if isinstance(question, dict) and not question.get("id"):
                    question = {**question, "id": f"q{index}"}
                numbered.append(question)
            data = {**data, "questions": numbered}
        return data

    @model_validator(mode="after")
    def _unique_ids(self) -> Survey:
        doubled = repeated(q.id for q in self.questions)
        if doubled:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(doubled)}")
        return self

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


class SurveysConfig(StepConfig):
    remind_after: Duration | None = timedelta(days=2)  # None: never remind
    reminder: SURVEY_TEXT = (
        "A gentle reminder, {member}: we'd still love your answers to **{title}**. It takes about a minute."
    )
    thanks: SURVEY_TEXT = "Thank you, {member}! Your answers to **{title}** are in."
    # Members who don't accept DMs get their invitation here instead (a playbook channel role or
    # a channel name); default: the playbook's general channel. Without one, they don't get it.
    fallback_channel: str | None = None
    fallback_prefix: FALLBACK_TEXT = "{mention} I couldn't send you a direct message, so here it is:\n"
    min_respondents: MinRespondents = MIN_RESPONDENTS  # anonymous results show from this many answers
    surveys: list[Survey] = Field(default_factory=list)

    @field_validator("surveys")
    @classmethod
    def _unique_names(cls, surveys: list[Survey]) -> list[Survey]:
        doubled = repeated(s.name for s in surveys)
        if doubled:
            raise ValueError(f"survey names must be unique; repeated: {', '.join(doubled)}")
        return surveys

    def survey(self, name: str) -> Survey | None:
        return next((s for s in self.surveys if s.name == name.strip().lower()), None)

    def minimum(self, survey: Survey) -> int | None:
        """The responses a round of ``survey`` needs before its answers are shown (None: named)."""
        if not survey.anonymous:
            return None
        return survey.min_respondents or self.min_respondents
