"""Where survey rounds, answers and progress live (``uow.state`` documents and member data).

Three kinds of records, kept apart on purpose:

- a **round** (``surveys.round:NAME:ROUND``): who was invited and who has answered (member
  ids), so reminders reach only non-responders. It holds no answers.
- the **answers** (``surveys.answers:NAME``): finished answer sets. For an anonymous survey an
  answer set is ``{"round", "answers"}`` only — no member id, no timestamp — and the list is
  kept sorted by a hash of its content, so its order says nothing about who answered when.
  Non-anonymous answer sets add ``member`` and ``date``.
- **progress** (``member.data["surveys"]``): a member's unfinished answers, so they can
  continue later. It is deleted the moment the survey is finished (and goes with
  ``/cohort privacy delete``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from cohortbot.playbook.ports import Member, UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.steps.surveys.model import Survey
from cohortbot.playbook.steps.surveys.summary import SurveySummary, survey_summary

__all__ = [
    "Round",
    "answer_sets",
    "awaiting",
    "clear_progress",
    "load_round",
    "load_summary",
    "progress",
    "record_answers",
    "rounds",
    "save_progress",
    "save_round",
    "set_awaiting",
]


def _round_key(name: str, round_id: str) -> str:
    return f"surveys.round:{name}:{round_id}"


def _rounds_key(name: str) -> str:
    return f"surveys.rounds:{name}"


def _answers_key(name: str) -> str:
    return f"surveys.answers:{name}"


@dataclass(kw_only=True)
class Round:
    """One sending of a survey (a schedule occurrence, a moderator's send, a live session)."""

    survey: str
    round: str
    sent_on: str  # local date, ISO
    reason: str = ""
    invited: list[str] = field(default_factory=list)  # member ids
    answered: list[str] = field(default_factory=list)  # member ids, sorted (never in answer order)
    reminded: bool = False

    def waiting(self) -> list[str]:
        done = set(self.answered)
        return [uid for uid in self.invited if uid not in done]


async def load_round(uow: UnitOfWork, community: CommunityRef, name: str, round_id: str) -> Round | None:
    doc = await uow.state.get(community, _round_key(name, round_id))
    return Round(**doc) if isinstance(doc, dict) else None


async def save_round(uow: UnitOfWork, community: CommunityRef, rnd: Round) -> None:
    await uow.state.put(community, _round_key(rnd.survey, rnd.round), asdict(rnd))
    listed = await uow.state.get(community, _rounds_key(rnd.survey)) or []
    if rnd.round not in listed:
        await uow.state.put(community, _rounds_key(rnd.survey), [*listed, rnd.round])


async def rounds(uow: UnitOfWork, community: CommunityRef, name: str) -> list[Round]:
    found = []
    for round_id in await uow.state.get(community, _rounds_key(name)) or []:
        rnd = await load_round(uow, community, name, round_id)
        if rnd is not None:
            found.append(rnd)
    return found


async def answer_sets(
    uow: UnitOfWork, community: CommunityRef, name: str, *, round_id: str | None = None
) -> list[dict[str, Any]]:
    stored = await uow.state.get(community, _answers_key(name)) or []
    return [s for s in stored if round_id is None or s.get("round") == round_id]


def _content_order(answer_set: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(answer_set, sort_keys=True).encode()).hexdigest()


async def record_answers(
    uow: UnitOfWork,
    community: CommunityRef,
    survey: Survey,
    rnd: Round,
    member_id: str,
    answers: dict[str, str],
    *,
    today: date,
) -> None:
    """Store a finished answer set and mark the member as having answered this round."""
    entry: dict[str, Any] = {
        "round": rnd.round,
        "answers": {q.id: answers.get(q.id, "") for q in survey.questions},
    }
    if not survey.anonymous:
        entry.update(member=member_id, date=today.isoformat())
    stored = await uow.state.get(community, _answers_key(survey.name)) or []
    stored.append(entry)
    if survey.anonymous:
        stored.sort(key=_content_order)  # no arrival order to line up with anything else
    await uow.state.put(community, _answers_key(survey.name), stored)
    rnd.answered = sorted({*rnd.answered, member_id})
    await save_round(uow, community, rnd)


async def load_summary(
    uow: UnitOfWork, community: CommunityRef, survey: Survey, *, round_id: str | None = None
) -> SurveySummary:
    """The survey's summary over all rounds (or one), with its response rate."""
    sent = [r for r in await rounds(uow, community, survey.name) if round_id is None or r.round == round_id]
    sets = await answer_sets(uow, community, survey.name, round_id=round_id)
    return survey_summary(survey, sets, invited=sum(len(r.invited) for r in sent))


# ---------------------------------------------------------------------------- progress


def _ref(name: str, round_id: str) -> str:
    return f"{name}|{round_id}"


def progress(member: Member, name: str, round_id: str) -> dict[str, str]:
    mine: dict[str, Any] = member.data.get("surveys", {}).get("progress", {})
    return dict(mine.get(_ref(name, round_id), {}))


def save_progress(member: Member, name: str, round_id: str, answers: dict[str, str]) -> None:
    doc = member.data.setdefault("surveys", {})
    doc.setdefault("progress", {})[_ref(name, round_id)] = answers


def clear_progress(member: Member, name: str, round_id: str) -> None:
    doc = member.data.get("surveys", {})
    doc.get("progress", {}).pop(_ref(name, round_id), None)
    if doc.get("awaiting", "").startswith(_ref(name, round_id) + "|"):
        doc.pop("awaiting", None)


def awaiting(member: Member) -> tuple[str, str, str] | None:
    """(survey, round, question id) whose free-text answer the member's next DM gives."""
    raw = member.data.get("surveys", {}).get("awaiting")
    if not isinstance(raw, str) or raw.count("|") != 2:
        return None
    name, round_id, qid = raw.split("|")
    return name, round_id, qid


def set_awaiting(member: Member, target: tuple[str, str, str] | None) -> None:
    doc = member.data.setdefault("surveys", {})
    if target is None:
        doc.pop("awaiting", None)
    else:
        doc["awaiting"] = "|".join(target)
