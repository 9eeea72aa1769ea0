"""Answering a survey: forms where the platform has them, one question per message where not.

Unfinished answers are kept where the survey's privacy allows:

- **named** survey: in the member's record (``SurveysMember.progress``), so **Start** on the
  invitation or the reminder continues where they stopped.
- **anonymous** survey: in a :class:`~.model.Draft` under a random token that only the
  conversation carries (the **Continue** button after a page, the next form's id, the next
  question's buttons). Nothing the bot keeps about the member points to it, so **Start** on
  the invitation begins afresh; **Continue** in the conversation picks the draft up. When the
  survey is finished the answer set joins the others (no id, no date) and the draft goes.

On Slack an interaction names the member, so every answer that carries a draft's token is
``private``: once delivered, the outbox keeps no copy of it.

Without forms a free-text answer is the member's next DM, so their record says which
question they are on (never an answer). For an anonymous survey that DM cannot be joined to
the draft (only the member could link them), so the text is kept at once with the round's
anonymous answers, apart from the member's other answers, and **Next** goes on with the rest.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from cohortbot.playbook.actions import OpenForm
from cohortbot.playbook.events import ButtonPressed, FormSubmitted, MessagePosted
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import InteractionRef, UserRef
from cohortbot.playbook.step import DocumentStore, StepContext
from cohortbot.playbook.steps.surveys.config import ChoiceQuestion, Question, Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.model import (
    DRAFT_DAYS,
    AnswerSet,
    Draft,
    DropDraft,
    Round,
    SurveysMember,
    progress_ref,
)
from cohortbot.playbook.steps.surveys.rounds import load_answers, load_round, record_answers, store_answers
from cohortbot.playbook.steps.surveys.ui import (
    ANSWER,
    NEXT,
    SKIP,
    START,
    ButtonRef,
    FormRef,
    continue_button,
    form_page,
    next_page,
    next_question,
    page_of,
    pages,
    parse_answer,
    parse_form,
    question_message,
)

__all__ = [
    "Expected",
    "drop_draft",
    "expected_answer",
    "on_button",
    "on_direct_message",
    "on_form",
    "started",
]

Ctx = StepContext[SurveysConfig]
TOKEN_BYTES = 12  # 16 characters in ids, 96 random bits


@dataclass(kw_only=True)
class Answering:
    """One member's way through one round of a survey."""

    survey: Survey
    rnd: Round
    member: Member
    answers: dict[str, str] = field(default_factory=dict)
    draft: str = ""  # anonymous: the draft's token ("" until there is something to keep)
    apart: list[str] = field(default_factory=list)  # anonymous: text answers kept apart

    @property
    def ref(self) -> str:
        return progress_ref(self.survey.name, self.rnd.round)


# ---------------------------------------------------------------------------- where progress lives


def _store_section(ctx: Ctx, member: Member, section: SurveysMember) -> None:
    """Set the member's part (never progress of an anonymous survey, even one kept before)."""
    named = {}
    for ref, answers in section.progress.items():
        survey = ctx.config.survey(ref.split("|", 1)[0])
        if survey is not None and not survey.anonymous:
            named[ref] = answers
    section.progress = named
    ctx.set_section(member, None if section == SurveysMember() else section)


def started(ctx: Ctx, member: Member, survey: Survey, round_id: str) -> bool:
    """Whether the member's record shows unfinished answers (named surveys only)."""
    if survey.anonymous:
        return False
    return bool(ctx.section(member, SurveysMember).progress.get(progress_ref(survey.name, round_id)))


async def _progress(ctx: Ctx, survey: Survey, rnd: Round, member: Member, draft: str) -> Answering:
    if not survey.anonymous:
        kept = ctx.section(member, SurveysMember).progress.get(progress_ref(survey.name, rnd.round), {})
        return Answering(survey=survey, rnd=rnd, member=member, answers=dict(kept))
    found = await ctx.find(Draft, draft) if draft else None
    if found is None or (found.survey, found.round) != (survey.name, rnd.round):
        return Answering(survey=survey, rnd=rnd, member=member)
    return Answering(
        survey=survey,
        rnd=rnd,
        member=member,
        answers=dict(found.answers),
        draft=draft,
        apart=list(found.apart),
    )


def _drop_at(ctx: Ctx) -> datetime:
    # On a day boundary: the timer says nothing about when the draft was started.
    day = (ctx.now + timedelta(days=DRAFT_DAYS)).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=UTC)


async def _keep(ctx: Ctx, a: Answering, *, awaiting: str | None = None) -> None:
    """Keep unfinished answers (and, without forms, the free-text question waited for)."""
    section = ctx.section(a.member, SurveysMember)
    before = section.model_copy(deep=True)
    section.awaiting = awaiting
    if not a.survey.anonymous:
        section.progress[a.ref] = dict(a.answers)
    elif a.answers or a.draft:
        if not a.draft:
            a.draft = secrets.token_urlsafe(TOKEN_BYTES)
            await ctx.set_timer(DropDraft(draft=a.draft), _drop_at(ctx), name=a.draft)
        draft = Draft(survey=a.survey.name, round=a.rnd.round, answers=a.answers, apart=a.apart)
        await ctx.store(draft, a.draft)
    if section != before:
        _store_section(ctx, a.member, section)
        await ctx.uow.members.save(a.member)


async def _discard(ctx: Ctx, a: Answering) -> None:
    """The survey is finished: its progress, draft and markers go."""
    section = ctx.section(a.member, SurveysMember)
    before = section.model_copy(deep=True)
    section.progress.pop(a.ref, None)
    if (section.awaiting or "").startswith(a.ref + "|"):
        section.awaiting = None
    if (section.given or "").startswith(a.ref + "|"):
        section.given = None
    if section != before:
        _store_section(ctx, a.member, section)
        await ctx.uow.members.save(a.member)
    if a.draft:
        await ctx.drop(Draft, a.draft)
        await ctx.cancel_timer(DropDraft, name=a.draft)


async def drop_draft(payload: DropDraft, ctx: Ctx) -> None:
    await ctx.drop(Draft, payload.draft)


# ---------------------------------------------------------------------------- the flow


async def _open(
    ctx: Ctx, name: str, round_id: str, interaction: InteractionRef, user: UserRef
) -> tuple[Survey, Round, Member] | None:
    """The survey, round and member if this member may answer now; else answer why not."""
    survey = ctx.config.survey(name)
    rnd = await load_round(ctx.docs, name, round_id)
    if survey is None or rnd is None:
        ctx.respond(interaction, "This survey is closed. Thank you anyway!")
        return None
    if user.id not in rnd.invited:
        ctx.respond(interaction, "This survey wasn't sent to you, so I can't take your answers.")
        return None
    if user.id in rnd.answered:
        ctx.respond(interaction, "You've already answered this survey. Thank you!")
        return None
    return survey, rnd, await ctx.touch_member(user)


async def _advance(ctx: Ctx, a: Answering) -> RichMessage:
    """Keep the progress; finish, or say what comes next (a page, or the next question)."""
    q = next_question(a.survey, a.answers)
    if q is None:
        today = ctx.now.astimezone(ctx.playbook.zone).date()
        await record_answers(ctx.docs, a.survey, a.rnd, a.member.user.id, a.answers, today=today)
        await _discard(ctx, a)
        count = str(len(a.survey.questions))
        return RichMessage(
            text=ctx.fill(ctx.config.thanks, member=a.member, title=a.survey.title, count=count)
        )
    if ctx.capabilities.modals:
        await _keep(ctx, a)
        per_page = ctx.capabilities.max_form_inputs
        page = next_page(a.survey, per_page, a.answers) or 0
        total = len(pages(a.survey, per_page))
        button = continue_button(ButtonRef(a.survey.name, a.rnd.round, draft=a.draft))
        return RichMessage(text=f"Saved. Page {page + 1} of {total} is next.", buttons=(button,))
    awaiting = progress_ref(a.survey.name, a.rnd.round, q.id) if q.type == "text" else None
    await _keep(ctx, a, awaiting=awaiting)
    return question_message(a.survey, a.rnd.round, q, draft=a.draft)


def _reply(ctx: Ctx, interaction: InteractionRef, message: RichMessage, *, private: bool) -> None:
    ctx.respond(
        interaction,
        message.text,
        title=message.title,
        buttons=message.buttons,
        footer=message.footer,
        private=private,
    )


async def _start(ctx: Ctx, interaction: InteractionRef, a: Answering) -> None:
    if ctx.capabilities.modals:
        per_page = ctx.capabilities.max_form_inputs
        page = next_page(a.survey, per_page, a.answers) or 0
        ctx.emit(
            OpenForm(
                key=ctx.key("form", interaction.platform, interaction.id),
                community=ctx.community,
                interaction=interaction,
                form=form_page(a.survey, a.rnd.round, page, per_page, draft=a.draft),
                private=a.survey.anonymous,
            )
        )
        return
    _reply(ctx, interaction, await _advance(ctx, a), private=a.survey.anonymous)


async def _given_apart(ctx: Ctx, a: Answering, q: Question) -> str | None:
    """**Next** on an anonymous free-text question: "" once its DM came (or it may be skipped)."""
    section = ctx.section(a.member, SurveysMember)
    if section.given == progress_ref(a.survey.name, a.rnd.round, q.id):
        section.given = None
        _store_section(ctx, a.member, section)
        await ctx.uow.members.save(a.member)
        a.apart = [*a.apart, q.id]
        return ""
    return None if q.required else ""


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    ref = ButtonRef.parse(event.action_id, event.value)
    if event.action_id not in (START, ANSWER, SKIP, NEXT) or ref is None:
        return
    opened = await _open(ctx, ref.survey, ref.round, event.interaction, event.actor.user)
    if opened is None:
        return
    survey, rnd, member = opened
    a = await _progress(ctx, survey, rnd, member, ref.draft)
    if event.action_id == START:
        await _start(ctx, event.interaction, a)
        return
    q = survey.question(ref.question)
    if q is None:
        return
    value: str | None
    if event.action_id == SKIP:
        value = "" if not q.required else None
    elif event.action_id == NEXT:
        value = await _given_apart(ctx, a, q)
    elif isinstance(q, ChoiceQuestion):
        index = int(ref.value) if ref.value.isdigit() else 0
        value = q.options[index - 1] if 1 <= index <= len(q.options) else None
    else:
        value = parse_answer(q, ref.value)
    if value is None:
        again = question_message(survey, rnd.round, q, draft=a.draft)
        if event.action_id == NEXT:
            again = RichMessage(
                title=again.title,
                text="I haven't had your answer yet: reply to me here with it, then press **Next**.",
                buttons=again.buttons,
                footer=again.footer,
            )
        _reply(ctx, event.interaction, again, private=survey.anonymous)
        return
    a.answers[q.id] = value
    _reply(ctx, event.interaction, await _advance(ctx, a), private=survey.anonymous)


async def on_form(event: FormSubmitted, ctx: Ctx) -> None:
    ref = FormRef.parse(event.form_id)
    if ref is None:
        return
    opened = await _open(ctx, ref.survey, ref.round, event.interaction, event.actor.user)
    if opened is None:
        return
    survey, rnd, member = opened
    a = await _progress(ctx, survey, rnd, member, ref.draft)
    questions = page_of(survey, ctx.capabilities.max_form_inputs, ref.page)
    given, errors = parse_form(questions, event.values)
    if errors:
        retry = continue_button(ButtonRef(survey.name, rnd.round, draft=a.draft), "Try again")
        ctx.respond(
            event.interaction,
            "Some answers need another look:\n" + "\n".join(f"- {e}" for e in errors),
            buttons=(retry,),
            private=survey.anonymous,
        )
        return
    a.answers.update(given)
    _reply(ctx, event.interaction, await _advance(ctx, a), private=survey.anonymous)


@dataclass(frozen=True, kw_only=True)
class Expected:
    """A DM that answers the question the member is on (forms-less surveys)."""

    survey: Survey
    rnd: Round
    qid: str
    value: str


async def expected_answer(
    docs: DocumentStore, cfg: SurveysConfig, member: Member, section: SurveysMember, text: str
) -> Expected | None:
    """What ``text`` answers if the member sent it to the bot now; None if it answers nothing."""
    if (section.awaiting or "").count("|") != 2:
        return None
    name, round_id, qid = (section.awaiting or "").split("|")
    survey = cfg.survey(name)
    rnd = await load_round(docs, name, round_id)
    q = survey.question(qid) if survey else None
    value = parse_answer(q, text) if q is not None else None
    if survey is None or rnd is None or q is None or member.user.id in rnd.answered or not value:
        return None
    return Expected(survey=survey, rnd=rnd, qid=qid, value=value)


async def on_direct_message(event: MessagePosted, ctx: Ctx) -> None:
    """Without forms, a free-text answer is the member's next DM to the bot."""
    if not event.is_direct or event.is_bot:
        return
    member = await ctx.member(event.author)
    if member is None:
        return
    section = ctx.section(member, SurveysMember)
    expected = await expected_answer(ctx.docs, ctx.config, member, section, event.text)
    if expected is None:
        return
    survey, rnd, qid, value = expected.survey, expected.rnd, expected.qid, expected.value
    name, round_id = survey.name, rnd.round
    if survey.anonymous:
        # Linked to nobody: kept at once with the round's anonymous answers, apart from the draft.
        stored = await load_answers(ctx.docs, name)
        stored.add(AnswerSet(round=round_id, answers={qid: value}, part=True))
        await store_answers(ctx.docs, name, stored)
        section.awaiting, section.given = None, section.awaiting
        _store_section(ctx, member, section)
        await ctx.uow.members.save(member)
        text = "Got it, thank you. Press **Next** under the question to go on."
        ctx.dm(member.user, text, key=ctx.key("apart", name, round_id, member.user.id, qid))
        return
    kept = section.progress.get(progress_ref(name, round_id), {})
    a = Answering(survey=survey, rnd=rnd, member=member, answers={**kept, qid: value})
    message = await _advance(ctx, a)
    ctx.dm(member.user, message, key=ctx.key("next", name, round_id, member.user.id, qid))
