"""What the surveys step keeps, typed.

Kept apart on purpose, so that an anonymous survey's answers are linked to no one:

- a **round** (:class:`Round`, ``surveys.round.<survey>:<round>``): one sending of a survey;
  who was invited and who has answered (member ids, sorted), so the single reminder reaches
  only non-responders and nobody answers twice. It holds no answers.
- the **answers** (:class:`Answers`, ``surveys.answers.<survey>``): finished answer sets. An
  anonymous set is ``{"round", "answers"}`` only — no member id, no date — and the list is
  kept sorted by a hash of each set's content, so its order says nothing about who answered
  when. A named set adds ``member`` and ``date``.
- a **draft** (:class:`Draft`, ``surveys.draft.<token>``): the unfinished answers of an
  anonymous survey (page 1 of a multi-page form...). Its id is a random token that only the
  conversation carries (the "Continue" button, the next form's id); nothing the bot keeps
  about the member points to it, and it goes the moment the survey is finished (or after
  :data:`DRAFT_DAYS` days, a :class:`DropDraft` timer, due on a day boundary).
- the member's part (:class:`SurveysMember`, ``Member.data["surveys"]``): unfinished answers
  of **named** surveys only (their answers carry the member id anyway), and, where there are
  no forms, which question their next DM answers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from cohortbot.playbook.step import Document, MemberSection, TimerPayload

__all__ = [
    "DRAFT_DAYS",
    "STEP_NAME",
    "AnswerSet",
    "Answers",
    "Draft",
    "DropDraft",
    "RemindRound",
    "Round",
    "SurveysMember",
    "progress_ref",
]

STEP_NAME = "surveys"
DRAFT_DAYS = 14  # an anonymous draft nobody finished is dropped after this many days


def progress_ref(survey: str, round_id: str, question: str = "") -> str:
    """``survey|round`` (``|question``): how the member's part refers to a round (a question)."""
    return f"{survey}|{round_id}" + (f"|{question}" if question else "")


class Round(Document):
    """One sending of a survey (a schedule occurrence, a moderator's send, a live session)."""

    key = "round"  # id: "<survey>:<round>"

    survey: str
    round: str
    sent_on: str  # local date, ISO
    reason: str = ""
    invited: list[str] = Field(default_factory=list)  # member ids
    answered: list[str] = Field(default_factory=list)  # member ids, sorted (never in answer order)
    reminded: bool = False
    erased: int = 0  # invited members who since had their data deleted (still count as invited)
    # Whether deliveries are counted (rounds sent before this was kept have no count).
    tracked: bool = False
    reached: int = 0  # invitations delivered, by DM or in the fallback channel
    in_channel: list[str] = Field(default_factory=list)  # member ids invited in the fallback channel

    @property
    def id(self) -> str:
        return f"{self.survey}:{self.round}"

    @property
    def invited_count(self) -> int:
        return len(self.invited) + self.erased

    @property
    def audience(self) -> int:
        """Whom the round reached (what response rates divide by): a DM that never arrived
        invited nobody. Rounds kept before deliveries were counted: everyone invited."""
        return self.reached if self.tracked else self.invited_count

    def waiting(self) -> list[str]:
        done = set(self.answered)
        return [uid for uid in self.invited if uid not in done]

    def mark_answered(self, member_id: str) -> None:
        self.answered = sorted({*self.answered, member_id})

    def forget(self, member_id: str) -> bool:
        """Take the member off both lists (counted in ``erased``); True if they were on one."""
        if member_id not in self.invited and member_id not in self.answered:
            return False
        if member_id in self.invited:
            self.erased += 1
        self.invited = [u for u in self.invited if u != member_id]
        self.answered = [u for u in self.answered if u != member_id]
        self.in_channel = [u for u in self.in_channel if u != member_id]
        return True


class AnswerSet(BaseModel):
    """One member's finished survey; for an anonymous survey only ``round`` and ``answers``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    round: str
    answers: dict[str, str]  # question id -> answer ("" = skipped)
    member: str | None = None  # named surveys only
    date: str | None = None  # named surveys only: the local date it was finished
    part: bool = False  # anonymous, without forms: a free-text answer kept apart from its set

    @model_serializer(mode="wrap")
    def _only_what_is_there(self, handler: Any) -> dict[str, Any]:
        # An anonymous set is stored as {"round", "answers"}: no empty member or date keys.
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None and v is not False}

    def order(self) -> str:
        """A hash of the content: anonymous sets are kept in this order, not in arrival order."""
        return hashlib.sha256(json.dumps(self.model_dump(), sort_keys=True).encode()).hexdigest()


class Answers(Document):
    """A survey's finished answer sets, all rounds."""

    key = "answers"  # id: the survey's name

    sets: list[AnswerSet] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_a_plain_list(cls, value: Any) -> Any:
        # Stored as a bare JSON list of answer sets before documents were typed.
        return {"sets": value} if isinstance(value, list) else value

    def add(self, answer_set: AnswerSet) -> None:
        # Anonymous sets in content order: no arrival order to line up with anything else.
        anonymous = sorted((s for s in [*self.sets, answer_set] if s.member is None), key=AnswerSet.order)
        self.sets = anonymous + [s for s in [*self.sets, answer_set] if s.member is not None]

    def of_round(self, round_id: str | None) -> list[AnswerSet]:
        return [s for s in self.sets if round_id is None or s.round == round_id]

    def named(self, member_id: str) -> list[AnswerSet]:
        return [s for s in self.sets if s.member == member_id]

    def forget(self, member_id: str) -> bool:
        """Remove the member's named answer sets; True if there were any."""
        kept = [s for s in self.sets if s.member != member_id]
        changed = len(kept) != len(self.sets)
        self.sets = kept
        return changed


class Draft(Document):
    """An anonymous survey's unfinished answers, under a random token only the conversation knows."""

    key = "draft"  # id: the token

    survey: str
    round: str
    answers: dict[str, str] = Field(default_factory=dict)
    apart: list[str] = Field(default_factory=list)  # text questions answered by DM, kept apart


class SurveysMember(MemberSection):
    """The surveys step's part of a member's record (never an anonymous survey's answers)."""

    progress: dict[str, dict[str, str]] = Field(default_factory=dict)  # "survey|round" -> named answers
    awaiting: str | None = None  # "survey|round|question" their next DM answers (no forms)
    given: str | None = None  # "survey|round|question" answered by DM, kept apart (anonymous)


class RemindRound(TimerPayload):
    """The single reminder of a round, to members who haven't answered."""

    survey: str
    round: str


class DropDraft(TimerPayload):
    """An anonymous draft nobody finished: drop it."""

    draft: str
