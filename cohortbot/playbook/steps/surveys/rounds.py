"""Reading and writing rounds and answers (``ctx.docs`` in the step, or a published read API).

Survey data written before documents were typed (``surveys.round:NAME:ROUND``,
``surveys.rounds:NAME``, ``surveys.answers:NAME``) is still read; writing a round or a
survey's answers moves it to the typed keys.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, model_validator

from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.surveys.config import Survey
from cohortbot.playbook.steps.surveys.model import Answers, AnswerSet, Round
from cohortbot.playbook.steps.surveys.summary import SurveySummary, survey_summary

__all__ = [
    "load_answers",
    "load_round",
    "load_summary",
    "record_answers",
    "round_id",
    "rounds_of",
    "store_answers",
    "store_round",
]

_ROUND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,23}$")


def round_id(hint: str) -> str:
    """A round id from a hint: the hint itself if it is a short slug, else a stable short form.

    Round ids travel in button values and form ids (Discord allows 100 characters in all), so
    they are at most 24 characters: ``session-office-hours-20260303-1700`` becomes
    ``session-office-3f2a9c1b`` (its first 15 characters and a hash of the whole).
    """
    if _ROUND.match(hint):
        return hint
    digest = hashlib.sha256(hint.encode()).hexdigest()[:8]
    head = re.sub(r"[^A-Za-z0-9_.-]+", "-", hint)[:15].strip("-._")
    return f"{head}-{digest}" if head else f"r-{digest}"


# ---------------------------------------------------------------------------- before typed documents


class _OldRoundIds(BaseModel):
    """The old layout's list of a survey's round ids (a plain JSON list)."""

    rounds: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_a_plain_list(cls, value: Any) -> Any:
        return {"rounds": value} if isinstance(value, list) else value


# ---------------------------------------------------------------------------- rounds


async def load_round(docs: DocumentStore, survey: str, rid: str) -> Round | None:
    found = await docs.find(Round, f"{survey}:{rid}")
    return found or await docs.find_untyped(Round, f"round:{survey}:{rid}")


async def store_round(docs: DocumentStore, rnd: Round) -> None:
    await docs.store(rnd, rnd.id)
    await docs.drop_untyped(f"round:{rnd.survey}:{rnd.round}")


async def rounds_of(docs: DocumentStore, survey: str) -> list[Round]:
    """The survey's rounds, oldest first."""
    found: dict[str, Round] = {}
    for rid in await docs.ids(Round):
        if rid.startswith(f"{survey}:") and (rnd := await docs.find(Round, rid)):
            found[rnd.round] = rnd
    old = await docs.find_untyped(_OldRoundIds, f"rounds:{survey}")
    for rid in old.rounds if old else []:
        if rid not in found and (rnd := await docs.find_untyped(Round, f"round:{survey}:{rid}")):
            found[rid] = rnd
    return sorted(found.values(), key=lambda r: (r.sent_on, r.round))


# ---------------------------------------------------------------------------- answers


async def load_answers(docs: DocumentStore, survey: str) -> Answers:
    found = await docs.find(Answers, survey)
    return found or await docs.find_untyped(Answers, f"answers:{survey}") or Answers()


async def store_answers(docs: DocumentStore, survey: str, answers: Answers) -> None:
    await docs.store(answers, survey)
    await docs.drop_untyped(f"answers:{survey}")


async def record_answers(
    docs: DocumentStore, survey: Survey, rnd: Round, member_id: str, answers: dict[str, str], *, today: date
) -> None:
    """Store a finished answer set and mark the member as having answered this round."""
    entry = AnswerSet(
        round=rnd.round,
        answers={q.id: answers.get(q.id, "") for q in survey.questions},
        member=None if survey.anonymous else member_id,
        date=None if survey.anonymous else today.isoformat(),
    )
    stored = await load_answers(docs, survey.name)
    stored.add(entry)
    await store_answers(docs, survey.name, stored)
    rnd.mark_answered(member_id)
    await store_round(docs, rnd)


async def load_summary(
    docs: DocumentStore, survey: Survey, *, minimum: int | None, round_id: str | None = None
) -> SurveySummary:
    """The survey's summary over all rounds (or one), with its response rate.

    ``minimum`` (anonymous surveys): a round's answers count only once it has that many.
    """
    sent = [r for r in await rounds_of(docs, survey.name) if round_id is None or r.round == round_id]
    sets = (await load_answers(docs, survey.name)).of_round(round_id)
    return survey_summary(
        survey,
        [s.model_dump() for s in sets],
        invited=sum(r.audience for r in sent),
        minimum=minimum,
    )
