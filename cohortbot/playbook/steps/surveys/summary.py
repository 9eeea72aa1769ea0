"""Survey results, pure: counts, means, distributions, NPS, charts and CSV from answer sets.

An *answer set* is one member's finished survey as stored by the surveys step:
``{"round": "2026-03-20", "answers": {"pace": "4", "nps": "9", ...}}`` plus ``member`` and
``date`` for non-anonymous surveys only (``"part": true`` marks a free-text answer an
anonymous survey kept apart from its set: it counts for its question, not as a response).

Anonymous surveys have a minimum: a round's answers are shown only once the round has that
many responses (:func:`shown`). Rounds below it are *held back*: the results say how many
more answers each needs and show nothing of them, no breakdown, no chart, no CSV row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cohortbot.playbook.charts import Chart, Series
from cohortbot.playbook.lengths import ELLIPSIS, fit_lines
from cohortbot.playbook.messages import literal
from cohortbot.playbook.steps.surveys.config import ChoiceQuestion, NpsQuestion, Survey, TextQuestion

__all__ = [
    "HeldRound",
    "QuestionSummary",
    "SurveySummary",
    "answers_csv",
    "nps_score",
    "shown",
    "summary_charts",
    "summary_lines",
    "survey_summary",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class QuestionSummary:
    id: str
    type: str
    text: str
    answered: int  # answer sets that answered this question (skips not counted)
    distribution: tuple[tuple[str, int], ...] = ()  # value -> count, in the scale's/options' order
    mean: float | None = None  # scale and nps
    nps: float | None = None  # % promoters (9-10) minus % detractors (0-6)
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    texts: tuple[str, ...] = ()  # free-text answers (they are answers, not chat messages)


@dataclass(frozen=True, kw_only=True, slots=True)
class HeldRound:
    """An anonymous round with fewer responses than the minimum: nothing of it is shown."""

    round: str
    responses: int
    needed: int  # more responses before it is shown


@dataclass(frozen=True, kw_only=True, slots=True)
class SurveySummary:
    name: str
    title: str
    anonymous: bool
    responses: int  # all finished answer sets, held-back rounds included (a count shows no answer)
    invited: int | None = None
    questions: tuple[QuestionSummary, ...] = field(default_factory=tuple)  # shown rounds only
    minimum: int | None = None  # anonymous: responses a round needs before it is shown
    held: tuple[HeldRound, ...] = ()

    @property
    def shown(self) -> bool:
        """Whether any answers are shown (False: every round is below the minimum)."""
        return self.minimum is None or self.responses > sum(h.responses for h in self.held)

    @property
    def rate(self) -> float | None:
        """Responses per invitation, 0..1 (None when nobody was invited)."""
        return self.responses / self.invited if self.invited else None

    def question(self, qid: str) -> QuestionSummary | None:
        return next((q for q in self.questions if q.id == qid), None)

    def headline(self) -> str:
        """One line for a digest: responses, each scale mean, each NPS."""
        parts = [f"{literal(self.title)}: {self.responses} response(s)"]
        if self.rate is not None:
            parts[0] += f" of {self.invited} ({self.rate:.0%})"
        if not self.shown:
            parts.append(f"scores from {self.minimum} responses per round")
        for q in self.questions:
            if q.type == "scale" and q.mean is not None:
                parts.append(f"{literal(_short(q.text))} {q.mean:.1f}/5")
            elif q.type == "nps" and q.nps is not None:
                parts.append(f"NPS {q.nps:+.0f}")
        return "; ".join(parts)


def nps_score(scores: Iterable[int]) -> float | None:
    """Net promoter score in percent: promoters (9-10) minus detractors (0-6)."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100.0 * (promoters - detractors) / len(values), 1)


def _answer(answer_set: Mapping[str, Any], qid: str) -> str | None:
    value = (answer_set.get("answers") or {}).get(qid)
    return value if isinstance(value, str) and value != "" else None


def _responses(answer_sets: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for s in answer_sets if not s.get("part"))


def shown(
    answer_sets: Sequence[Mapping[str, Any]], minimum: int | None
) -> tuple[list[Mapping[str, Any]], list[HeldRound]]:
    """The answer sets that may be shown, and the rounds held back below ``minimum``.

    Per round, not overall: otherwise the results of all rounds minus those of a shown round
    would give away a held-back round's answers.
    """
    if minimum is None:
        return list(answer_sets), []
    by_round: dict[str, list[Mapping[str, Any]]] = {}
    for s in answer_sets:
        by_round.setdefault(str(s.get("round", "")), []).append(s)
    visible: list[Mapping[str, Any]] = []
    held = []
    for rid, sets in sorted(by_round.items()):
        count = _responses(sets)
        if count >= minimum:
            visible += sets
        else:
            held.append(HeldRound(round=rid, responses=count, needed=minimum - count))
    return visible, held


def survey_summary(
    survey: Survey,
    answer_sets: Sequence[Mapping[str, Any]],
    *,
    invited: int | None = None,
    minimum: int | None = None,
) -> SurveySummary:
    """Summarise finished answer sets (values outside the question's range are ignored).

    ``minimum``: only rounds with at least that many responses are summarised (anonymous).
    """
    visible, held = shown(answer_sets, minimum)
    questions = []
    for q in survey.questions:
        raw = [v for s in visible if (v := _answer(s, q.id)) is not None]
        if isinstance(q, TextQuestion):
            questions.append(
                QuestionSummary(id=q.id, type=q.type, text=q.text, answered=len(raw), texts=tuple(raw))
            )
            continue
        known = [v for v in raw if v in q.values]
        counts = tuple((value, known.count(value)) for value in q.values)
        if isinstance(q, ChoiceQuestion):
            questions.append(
                QuestionSummary(id=q.id, type=q.type, text=q.text, answered=len(known), distribution=counts)
            )
            continue
        numbers = [int(v) for v in known]
        mean = round(sum(numbers) / len(numbers), 2) if numbers else None
        extra: dict[str, Any] = {}
        if isinstance(q, NpsQuestion):
            extra = {
                "nps": nps_score(numbers),
                "promoters": sum(1 for n in numbers if n >= 9),
                "passives": sum(1 for n in numbers if 7 <= n <= 8),
                "detractors": sum(1 for n in numbers if n <= 6),
            }
        questions.append(
            QuestionSummary(
                id=q.id,
                type=q.type,
                text=q.text,
                answered=len(known),
                distribution=counts,
                mean=mean,
                **extra,
            )
        )
    return SurveySummary(
        name=survey.name,
        title=survey.title,
        anonymous=survey.anonymous,
        responses=_responses(answer_sets),
        invited=invited,
        questions=tuple(questions),
        minimum=minimum,
        held=tuple(held),
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _more_texts(count: int) -> str:
    return f"- {ELLIPSIS} and {count} more (export the CSV)"


def summary_lines(summary: SurveySummary, *, max_texts: int = 20, limit: int | None = None) -> list[str]:
    """The summary as readable lines (a moderator's results message).

    Question texts, choices and answers are shown as typed (``messages.literal``). With
    ``limit`` (the platform's message length), the free-text answers share the room the rest
    leaves, each question's list ending with how many more the CSV holds; the lines joined
    never exceed ``limit``.
    """
    head = f"**{summary.responses}** response(s)"
    if summary.invited:
        head += f" from {summary.invited} invited ({summary.rate or 0:.0%})"
    lines = [head + (" — anonymous" if summary.anonymous else "")]
    lines += _held_lines(summary)
    if not summary.shown:
        return lines if limit is None else fit_lines(lines, limit)
    blocks = [_question_block(q, max_texts) for q in summary.questions]
    fixed = lines + [line for top, _, _ in blocks for line in top]
    texts = [b for b in blocks if b[1] or b[2]]
    whole = fixed + [
        line for _, answers, left in texts for line in answers + ([_more_texts(left)] if left else [])
    ]
    share = None
    if limit is not None and len("\n".join(whole)) > limit and texts:
        share = max(1, (limit - len("\n".join(fixed))) // len(texts) - 1)
    for top, answers, left in blocks:
        lines += top
        if share is None:
            lines += answers + ([_more_texts(left)] if left else [])
        else:
            lines += _fit_texts(answers, left, share)
    return lines if limit is None else fit_lines(lines, limit)


def _fit_texts(answers: list[str], left: int, room: int) -> list[str]:
    """As many answers as fit in ``room`` with the line saying how many more the CSV has."""
    if not left and len("\n".join(answers)) <= room:
        return answers
    total = len(answers) + left
    kept: list[str] = []
    for answer in answers:
        if len("\n".join([*kept, answer, _more_texts(total - len(kept) - 1)])) > room:
            break
        kept.append(answer)
    return [*kept, _more_texts(total - len(kept))]


def _question_block(q: QuestionSummary, max_texts: int) -> tuple[list[str], list[str], int]:
    """A question's lines: its head and figures, its free-text answers, the answers not listed."""
    top = ["", f"**{literal(q.text)}** ({q.answered} answer(s))"]
    spread = ", ".join(f"{literal(value)}: {count}" for value, count in q.distribution)
    if q.type == "scale":
        mean = f"{q.mean:.2f}" if q.mean is not None else "n/a"
        top.append(f"- mean {mean} / 5; distribution {spread}")
    elif q.type == "nps":
        score = f"{q.nps:+.0f}" if q.nps is not None else "n/a"
        top.append(
            f"- NPS {score} ({q.promoters} promoter(s), {q.passives} passive(s), {q.detractors} detractor(s))"
        )
        if q.mean is not None:
            top.append(f"- mean {q.mean:.2f} / 10")
    elif q.type == "choice":
        top += [f"- {literal(value)}: {count}" for value, count in q.distribution]
    else:
        answers = [f"- “{literal(_short(' '.join(t.split()), 300))}”" for t in q.texts[:max_texts]]
        return top, answers, len(q.texts) - len(answers)
    return top, [], 0


def _held_lines(summary: SurveySummary) -> list[str]:
    """What is held back below the minimum, and how many more answers it needs."""
    minimum = summary.minimum
    if minimum is None or (summary.shown and not summary.held):
        return []
    why = f"Anonymous results are shown once a round has {minimum} responses, so no answer can be traced."
    if not summary.held:  # nothing sent or answered yet
        return ["", f"{why} {minimum} more needed."]
    if len(summary.held) == 1 and not summary.shown:
        return ["", f"{why} {summary.held[0].needed} more needed."]
    lines = ["", why + (" Not included yet:" if summary.shown else "")]
    lines += [f"- round {h.round}: {h.responses} response(s), {h.needed} more needed" for h in summary.held]
    return lines


def summary_charts(summary: SurveySummary, *, limit: int = 4) -> list[Chart]:
    """Bar charts of the answers: one for all scale questions, one per NPS and choice question."""
    if not summary.shown:
        return []
    charts: list[Chart] = []
    scales = [q for q in summary.questions if q.type == "scale" and q.answered]
    if scales:
        charts.append(
            Chart(
                title=f"{summary.title}: ratings (1-5)",
                labels=("1", "2", "3", "4", "5"),
                series=tuple(
                    Series(
                        name=_short(q.text, 30),
                        values=tuple(float(c) for _, c in q.distribution),
                        style="bar",
                    )
                    for q in scales
                ),
                y_label="answers",
                filename=f"survey-{summary.name}-ratings.png",
                alt_text="; ".join(f"{q.text}: mean {q.mean}" for q in scales),
            )
        )
    for q in summary.questions:
        if q.type not in ("nps", "choice") or not q.answered:
            continue
        title = f"NPS {q.nps:+.0f}: {_short(q.text, 50)}" if q.type == "nps" and q.nps is not None else q.text
        charts.append(
            Chart(
                title=_short(title, 70),
                labels=tuple(_short(v, 20) for v, _ in q.distribution),
                series=(
                    Series(name="answers", values=tuple(float(c) for _, c in q.distribution), style="bar"),
                ),
                y_label="answers",
                filename=f"survey-{summary.name}-{q.id}.png",
                alt_text=", ".join(f"{v}: {c}" for v, c in q.distribution),
            )
        )
    return charts[:limit]


def answers_csv(
    survey: Survey, answer_sets: Sequence[Mapping[str, Any]], *, names: Mapping[str, str] | None = None
) -> str:
    """One row per answer set; anonymous surveys have no member or date columns.

    Pass only the sets that may be shown (:func:`shown`).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    ids = [q.id for q in survey.questions]
    personal = not survey.anonymous
    header = ["round", *(["date", "member_id", "member"] if personal else []), *ids]
    writer.writerow(header)
    for answer_set in answer_sets:
        row = [str(answer_set.get("round", ""))]
        if personal:
            member = str(answer_set.get("member", ""))
            row += [str(answer_set.get("date", "")), member, (names or {}).get(member, "")]
        row += [_answer(answer_set, qid) or "" for qid in ids]
        writer.writerow(row)
    return buffer.getvalue()
