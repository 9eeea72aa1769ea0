"""What members see of a Q&A: the announcement, question cards, answers, the ranked list."""

from __future__ import annotations

from cohortbot.playbook.lengths import clip, fit_lines
from cohortbot.playbook.messages import Button, ButtonStyle, Field, RichMessage, literal, timestamp
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.qa.config import QaConfig
from cohortbot.playbook.steps.qa.model import Qa, Question, ranked

__all__ = [
    "VOTE",
    "announcement",
    "answer_dm",
    "answer_post",
    "channel_for",
    "closing_post",
    "question_card",
    "ranked_lines",
    "summary",
    "vote_value",
]

Ctx = StepContext[QaConfig]

VOTE = "qa:vote"  # value: "<qa id>:<question number>"
LISTED_QUESTION = 200  # characters of a question in a list


def channel_for(ctx: Ctx, qa: Qa | None = None) -> ChannelRef | None:
    spec = qa.channel if qa is not None else ctx.config.channel
    return ctx.resolve(spec, default="announcements") or ctx.channel("general")


def vote_value(qa: Qa, question: Question) -> str:
    return f"{qa.id}:{question.number}"


def _votes(n: int) -> str:
    return f"{n} vote{'' if n == 1 else 's'}"


def _by(ctx: Ctx, question: Question) -> str:
    if ctx.config.anonymous or not question.asker_name:
        return ""
    return f" (asked by {literal(question.asker_name)})"


def announcement(qa: Qa) -> RichMessage:
    expert = f" with **{literal(qa.expert_name)}**" if qa.expert_name else ""
    lines = [f"Ask the expert{expert}: questions are open for **{literal(qa.title)}**."]
    if qa.description:
        lines += ["", literal(qa.description)]
    lines += [
        "",
        "Ask with `/cohort qa ask QUESTION`; press **Upvote** on the questions you want answered"
        " most (press again to take your vote back). `/cohort qa list` shows them ranked.",
    ]
    fields = (Field(name="Open until", value=timestamp(qa.until)),) if qa.until else ()
    return RichMessage(title=f"Q&A: {literal(qa.title)}", text="\n".join(lines), fields=fields)


def question_card(ctx: Ctx, qa: Qa, question: Question) -> RichMessage:
    button = Button(
        label=f"Upvote Q{question.number}",
        action_id=VOTE,
        value=vote_value(qa, question),
        style=ButtonStyle.PRIMARY,
    )
    return RichMessage(
        title=f"Q{question.number} · {literal(qa.title)}",
        text=f"{literal(question.text)}{_by(ctx, question)}",
        buttons=(button,),
    )


def answer_post(qa: Qa, question: Question, answer: str, by: str) -> RichMessage:
    return RichMessage(
        title=f"Answered: Q{question.number} · {literal(qa.title)}",
        text=f"**Q{question.number}:** {literal(question.text)}\n\n**{literal(by)}:** {literal(answer)}",
    )


def answer_dm(qa: Qa, question: Question, answer: str, by: str) -> RichMessage:
    return RichMessage(
        title=f"Your question was answered: {literal(qa.title)}",
        text=(
            f"You asked (Q{question.number}): {literal(question.text)}\n\n"
            f"**{literal(by)}** answered: {literal(answer)}"
        ),
    )


def ranked_lines(ctx: Ctx, questions: list[Question]) -> list[str]:
    lines = []
    for place, q in enumerate(ranked(questions), 1):
        text = literal(clip(q.text, LISTED_QUESTION))
        lines.append(f"{place}. **Q{q.number}** · {_votes(q.score)} · {text}{_by(ctx, q)}")
    return lines


def closing_post(ctx: Ctx, qa: Qa) -> RichMessage:
    open_ones = [q for q in qa.questions if q.answered_at is None]
    answered = len(qa.questions) - len(open_ones)
    head = f"The Q&A **{literal(qa.title)}** is closed: {answered} of {len(qa.questions)} questions answered."
    if open_ones:
        head += " Still unanswered, most wanted first:"
        room = ctx.capabilities.max_message_length - len(head) - 100
        lines = [head, *fit_lines(ranked_lines(ctx, open_ones), room)]
    else:
        lines = [head, "Thank you for every question!"]
    return RichMessage(title=f"Q&A closed: {literal(qa.title)}", text="\n".join(lines))


def summary(ctx: Ctx, qa: Qa) -> RichMessage:
    """For the moderators: the counts, then every question ranked, answered or not."""
    askers = {q.asker for q in qa.questions if q.asker}
    votes = sum(q.score for q in qa.questions)
    answered = [q for q in qa.questions if q.answered_at is not None]
    head = (
        f"**{literal(qa.title)}** closed. {len(qa.questions)} questions from {len(askers)} members,"
        f" {votes} votes; {len(answered)} answered, {len(qa.questions) - len(answered)} not."
    )
    lines = []
    for line, q in zip(ranked_lines(ctx, qa.questions), ranked(qa.questions), strict=True):
        lines.append(f"{line} · {'answered' if q.answered_at else 'unanswered'}")
    room = ctx.capabilities.max_message_length - len(head) - 100
    body = fit_lines(lines, room) if lines else ["No questions were asked."]
    return RichMessage(title=f"Q&A summary: {literal(qa.title)}", text="\n".join([head, "", *body]))
