"""What members see of a survey, pure: the invitation, form pages, one-question messages.

Two ways through a survey, chosen by the platform's capabilities:

- **forms** (modals): questions in pages of at most ``max_form_inputs`` inputs (Discord: 5);
  scale/NPS/choice questions are select inputs, free text a text input. After each page a
  "Continue" button opens the next (a modal can only open in answer to an interaction).
- **buttons** (no modals): one question per message, answered with buttons; a free-text
  question is answered by the member's next direct message to the bot ("Skip" when optional).

Button values carry ``survey|round[|draft]`` (Start, Continue) or
``survey|round|question|value[|draft]`` (an answer, Skip, Next); form ids
``surveys:page:survey:round:page[:draft]``. ``draft`` is the random token of an anonymous
survey's unfinished answers (see ``model.Draft``): the conversation carries it, the bot keeps
no link from the member to it. Names and rounds are slugs and the token 16 characters, so all
fit Discord's 100-character component ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cohortbot.playbook.messages import (
    Button,
    ButtonStyle,
    Form,
    FormInput,
    RichMessage,
    SelectOption,
    literal,
)
from cohortbot.playbook.steps.surveys.config import (
    ChoiceQuestion,
    NpsQuestion,
    Question,
    ScaleQuestion,
    Survey,
    TextQuestion,
)

__all__ = [
    "ANSWER",
    "FORM_PREFIX",
    "NEXT",
    "SKIP",
    "START",
    "ButtonRef",
    "FormRef",
    "continue_button",
    "form_page",
    "invitation",
    "next_page",
    "next_question",
    "page_of",
    "pages",
    "parse_answer",
    "parse_form",
    "question_message",
]

START = "surveys:start"  # value: survey|round[|draft] (also "Continue" and "Try again")
ANSWER = "surveys:answer"  # value: survey|round|question|answer[|draft]
SKIP = "surveys:skip"  # value: survey|round|question|[|draft] (no answer value)
NEXT = "surveys:next"  # value: survey|round|question|[|draft] (anonymous free text, given by DM)
FORM_PREFIX = "surveys:page:"  # form id: surveys:page:survey:round:page[:draft]
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})\b")


@dataclass(frozen=True, slots=True)
class ButtonRef:
    """What a survey button's value says (older buttons lack the trailing parts)."""

    survey: str
    round: str
    question: str = ""
    value: str = ""
    draft: str = ""

    @classmethod
    def parse(cls, action_id: str, value: str) -> ButtonRef | None:
        parts = value.split("|")
        if len(parts) < 2:
            return None
        if action_id == START:
            return cls(parts[0], parts[1], draft=parts[2] if len(parts) > 2 else "")
        if len(parts) < 3:
            return None
        padded = [*parts, "", ""]
        return cls(parts[0], parts[1], question=parts[2], value=padded[3], draft=padded[4])

    def start(self) -> str:
        return "|".join(p for p in (self.survey, self.round, self.draft) if p)

    def question_value(self, question: str, value: str = "") -> str:
        tail = f"|{self.draft}" if self.draft else ""
        return f"{self.survey}|{self.round}|{question}|{value}{tail}"


@dataclass(frozen=True, slots=True)
class FormRef:
    survey: str
    round: str
    page: int
    draft: str = ""

    @classmethod
    def parse(cls, form_id: str) -> FormRef | None:
        if not form_id.startswith(FORM_PREFIX):
            return None
        parts = form_id.removeprefix(FORM_PREFIX).split(":")
        if len(parts) not in (3, 4) or not parts[2].isdigit():
            return None
        return cls(parts[0], parts[1], int(parts[2]), parts[3] if len(parts) == 4 else "")

    def form_id(self) -> str:
        tail = f":{self.draft}" if self.draft else ""
        return f"{FORM_PREFIX}{self.survey}:{self.round}:{self.page}{tail}"


def continue_button(ref: ButtonRef, label: str = "Continue") -> Button:
    return Button(label=label, action_id=START, value=ref.start(), style=ButtonStyle.PRIMARY)


def invitation(survey: Survey, round_id: str, text: str, *, started: bool = False) -> RichMessage:
    privacy = (
        "Anonymous: your answers are stored without your name."
        if survey.anonymous
        else "Your answers are stored with your name, for the facilitators."
    )
    label = "Continue" if started else "Start"
    return RichMessage(
        title=literal(survey.title),
        text=text,
        buttons=(continue_button(ButtonRef(survey.name, round_id), label),),
        footer=privacy,
    )


# ---------------------------------------------------------------------------- forms


def pages(survey: Survey, per_page: int) -> list[list[Question]]:
    size = max(1, per_page)
    return [survey.questions[i : i + size] for i in range(0, len(survey.questions), size)]


def next_page(survey: Survey, per_page: int, answers: Mapping[str, str]) -> int | None:
    """The first page with a question not answered (or skipped) yet."""
    for index, page in enumerate(pages(survey, per_page)):
        if any(q.id not in answers for q in page):
            return index
    return None


def page_of(survey: Survey, per_page: int, index: int) -> list[Question]:
    all_pages = pages(survey, per_page)
    return all_pages[index] if 0 <= index < len(all_pages) else []


def _ends(q: Question) -> tuple[str, str]:
    if isinstance(q, ScaleQuestion):
        return q.low, q.high
    return "not at all likely", "extremely likely"


def _form_input(q: Question) -> FormInput:
    placeholder = q.text if len(q.text) > 45 else ""
    if isinstance(q, TextQuestion):
        return FormInput(
            input_id=q.id,
            label=q.short,
            placeholder=placeholder,
            required=q.required,
            multiline=True,
            max_length=q.max_length,
        )
    if isinstance(q, ChoiceQuestion):
        options = tuple(SelectOption(label=o, value=o[:100]) for o in q.options)
    else:
        low, high = _ends(q)
        last = len(q.values) - 1
        options = tuple(
            SelectOption(label=v + (f" — {low}" if i == 0 else f" — {high}" if i == last else ""), value=v)
            for i, v in enumerate(q.values)
        )
    return FormInput(
        input_id=q.id,
        label=q.short,
        placeholder=placeholder or "Choose one",
        required=q.required,
        options=options,
    )


def form_page(survey: Survey, round_id: str, index: int, per_page: int, *, draft: str = "") -> Form:
    count = len(pages(survey, per_page))
    suffix = f" ({index + 1}/{count})" if count > 1 else ""
    title = survey.title if len(survey.title) + len(suffix) <= 45 else survey.title[: 44 - len(suffix)] + "…"
    return Form(
        form_id=FormRef(survey.name, round_id, index, draft).form_id(),
        title=title + suffix,
        inputs=tuple(_form_input(q) for q in page_of(survey, per_page, index)),
        submit_label="Send" if index == count - 1 else "Next",
    )


def parse_answer(q: Question, raw: str) -> str | None:
    """A typed or selected answer as stored ("" = skipped); None when it is not valid."""
    text = raw.strip()
    if not text:
        return None if q.required else ""
    if isinstance(q, TextQuestion):
        return text[: q.max_length]
    if isinstance(q, ChoiceQuestion):
        for option in q.options:
            if text.lower() in (option.lower(), option[:100].lower()):
                return option
        if text.isdigit() and 1 <= int(text) <= len(q.options):
            return q.options[int(text) - 1]
        return None
    match = _LEADING_NUMBER.match(text)  # "4" or "4 — Too fast" (a select's label, typed)
    if match is None:
        return None
    value = str(int(match.group(1)))
    return value if value in q.values else None


def parse_form(questions: Sequence[Question], values: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Answers from a submitted page, and what was wrong (errors name the question)."""
    answers: dict[str, str] = {}
    errors: list[str] = []
    for q in questions:
        parsed = parse_answer(q, values.get(q.id, ""))
        if parsed is None:
            errors.append(f"**{literal(q.text)}**: {_expected(q)}")
        else:
            answers[q.id] = parsed
    return answers, errors


def _expected(q: Question) -> str:
    if isinstance(q, ChoiceQuestion):
        return "choose one of " + ", ".join(q.options)
    if isinstance(q, TextQuestion):
        return "an answer is needed"
    first, last = q.values[0], q.values[-1]
    return f"a number from {first} to {last}"


# ---------------------------------------------------------------------------- buttons


def next_question(survey: Survey, answers: Mapping[str, str]) -> Question | None:
    return next((q for q in survey.questions if q.id not in answers), None)


def question_message(survey: Survey, round_id: str, q: Question, *, draft: str = "") -> RichMessage:
    """One question, answered with buttons (free text: by the member's next DM).

    An anonymous survey's free-text answer is kept apart from the member's other answers
    (nothing may link them to the member while the DM is waited for), so its message has a
    **Next** button to go on with the rest.
    """
    position = survey.questions.index(q) + 1
    ref = ButtonRef(survey.name, round_id, draft=draft)
    lines = [f"**{literal(q.text)}**"]
    buttons: list[Button] = []
    if isinstance(q, ChoiceQuestion):
        buttons = [
            Button(label=literal(o), action_id=ANSWER, value=ref.question_value(q.id, str(i)))
            for i, o in enumerate(q.options, 1)
        ]
    elif isinstance(q, ScaleQuestion | NpsQuestion):
        low, high = _ends(q)
        lines.append(f"{q.values[0]} = {literal(low)} … {q.values[-1]} = {literal(high)}")
        buttons = [Button(label=v, action_id=ANSWER, value=ref.question_value(q.id, v)) for v in q.values]
    elif survey.anonymous:
        lines.append(
            "Reply to me here, in this direct message, with your answer (one message), then press **Next**."
        )
        buttons.append(Button(label="Next", action_id=NEXT, value=ref.question_value(q.id)))
    else:
        lines.append("Reply to me here, in this direct message, with your answer (one message).")
    if not q.required:
        buttons.append(Button(label="Skip", action_id=SKIP, value=ref.question_value(q.id)))
    return RichMessage(
        title=literal(survey.title),
        text="\n".join(lines),
        buttons=tuple(buttons),
        footer=f"Question {position} of {len(survey.questions)}",
    )
