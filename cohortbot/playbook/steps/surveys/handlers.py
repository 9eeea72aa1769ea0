"""Surveys: named feedback surveys in DMs, on a schedule, after live sessions, or on demand.

Sending: a survey's ``schedule`` cron fires ``ScheduleFired("surveys.send-NAME")`` (claimed
once by the scheduler) and invites every present non-bot member; ``/cohort survey send NAME``
does the same on demand; and any step may set a timer of kind ``"surveys.send"`` with
``data={"survey": NAME, "members": [ids], "reason": "...", "round": "..."}`` (round
optional) to invite exactly those members — the live-sessions step does, for attendees.
Each sending is a *round*; a member is invited once per round (deterministic keys).

Answering: forms where the platform has modals, one question per message with buttons where
not (``playbook.surveys_ui``). Anonymous answers are stored with no member id and no time
(``playbook.surveys_store``); a separate per-round list of who answered drives the single
reminder to non-responders. Results and CSV export are for moderators.
"""

from __future__ import annotations

import hashlib
import logging
import re

from cohortbot.playbook.actions import OpenForm, SendDirectMessage
from cohortbot.playbook.events import (
    ButtonPressed,
    FormSubmitted,
    MessagePosted,
    ScheduleFired,
    TimerFired,
)
from cohortbot.playbook.messages import Button, ButtonStyle, RichMessage
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import InteractionRef, UserRef
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.surveys.commands import COMMANDS
from cohortbot.playbook.steps.surveys.model import ChoiceQuestion, Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.send import audience, remind, send_round
from cohortbot.playbook.steps.surveys.store import (
    Round,
    awaiting,
    clear_progress,
    load_round,
    progress,
    record_answers,
    save_progress,
    set_awaiting,
)
from cohortbot.playbook.steps.surveys.summary import survey_summary
from cohortbot.playbook.steps.surveys.ui import (
    ANSWER,
    FORM_PREFIX,
    SKIP,
    START,
    form_page,
    next_page,
    next_question,
    page_of,
    pages,
    parse_answer,
    parse_form,
    question_message,
)

__all__ = ["STEP", "SurveysConfig", "survey_summary"]

log = logging.getLogger("cohortbot.surveys")
Ctx = StepContext[SurveysConfig]
SCHEDULE_PREFIX = "send-"
_ROUND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,23}$")


def schedules(cfg: SurveysConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name=f"{SCHEDULE_PREFIX}{s.name}",
            cron=s.schedule,
            grace=s.grace,
            where=("surveys", i, "schedule"),
        )
        for i, s in enumerate(cfg.surveys)
        if s.schedule
    ]


# ---------------------------------------------------------------------------- sending


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    survey = ctx.config.survey(event.schedule.removeprefix(f"surveys.{SCHEDULE_PREFIX}"))
    if survey is None:
        return
    round_id = event.occurrence.astimezone(ctx.playbook.zone).date().isoformat()
    await send_round(ctx, survey, round_id, await audience(ctx), reason="schedule")


def _seam_round(event: TimerFired) -> str:
    wanted = str(event.data.get("round", ""))
    if _ROUND.match(wanted):
        return wanted
    return "t-" + hashlib.sha256(f"{wanted}|{event.key}".encode()).hexdigest()[:12]


async def on_timer(event: TimerFired, ctx: Ctx) -> None:
    if event.kind == "surveys.send":
        survey = ctx.config.survey(str(event.data.get("survey", "")))
        if survey is None:
            log.warning("timer %s asks for unknown survey %r", event.key, event.data.get("survey"))
            return
        users = []
        for uid in event.data.get("members") or []:
            user = UserRef(ctx.community.platform, str(uid))
            member = await ctx.member(user)
            if member is not None and (not member.present or member.is_bot):
                continue
            users.append(member.user if member else user)
        await send_round(ctx, survey, _seam_round(event), users, reason=str(event.data.get("reason", "")))
    elif event.kind == "surveys.remind":
        await remind(ctx, str(event.data.get("survey", "")), str(event.data.get("round", "")))


# ---------------------------------------------------------------------------- answering


async def _open(
    ctx: Ctx, name: str, round_id: str, interaction: InteractionRef, user: UserRef
) -> tuple[Survey, Round, Member] | None:
    """The survey, round and member if this member may answer now; else answer why not."""
    survey = ctx.config.survey(name)
    rnd = await load_round(ctx.uow, ctx.community, name, round_id)
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


async def _advance(
    ctx: Ctx, survey: Survey, rnd: Round, member: Member, answers: dict[str, str]
) -> RichMessage:
    """Save progress; finish, or say what comes next (a page, or the next question)."""
    per_page = ctx.capabilities.max_form_inputs
    if next_question(survey, answers) is None:
        await record_answers(
            ctx.uow,
            ctx.community,
            survey,
            rnd,
            member.user.id,
            answers,
            today=ctx.now.astimezone(ctx.playbook.zone).date(),
        )
        clear_progress(member, survey.name, rnd.round)
        await ctx.uow.members.save(member)
        text = ctx.fill(
            ctx.config.thanks, member=member, title=survey.title, count=str(len(survey.questions))
        )
        return RichMessage(text=text)
    save_progress(member, survey.name, rnd.round, answers)
    if ctx.capabilities.modals:
        await ctx.uow.members.save(member)
        page = next_page(survey, per_page, answers) or 0
        total = len(pages(survey, per_page))
        button = Button(
            label="Continue", action_id=START, value=f"{survey.name}|{rnd.round}", style=ButtonStyle.PRIMARY
        )
        return RichMessage(text=f"Saved. Page {page + 1} of {total} is next.", buttons=(button,))
    q = next_question(survey, answers)
    assert q is not None
    set_awaiting(member, (survey.name, rnd.round, q.id) if q.type == "text" else None)
    await ctx.uow.members.save(member)
    return question_message(survey, rnd.round, q)


def _reply(ctx: Ctx, interaction: InteractionRef, message: RichMessage) -> None:
    ctx.respond(
        interaction, message.text, title=message.title, buttons=message.buttons, footer=message.footer
    )


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    parts = event.value.split("|")
    if event.action_id not in (START, ANSWER, SKIP) or len(parts) < 2:
        return
    opened = await _open(ctx, parts[0], parts[1], event.interaction, event.actor.user)
    if opened is None:
        return
    survey, rnd, member = opened
    answers = progress(member, survey.name, rnd.round)
    if event.action_id == START:
        await _start(ctx, event.interaction, survey, rnd, member, answers)
        return
    q = survey.question(parts[2]) if len(parts) > 2 else None
    if q is None:
        return
    if event.action_id == SKIP:
        value: str | None = "" if not q.required else None
    elif isinstance(q, ChoiceQuestion):
        index = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else 0
        value = q.options[index - 1] if 1 <= index <= len(q.options) else None
    else:
        value = parse_answer(q, parts[3]) if len(parts) > 3 else None
    if value is None:
        _reply(ctx, event.interaction, question_message(survey, rnd.round, q))
        return
    answers[q.id] = value
    _reply(ctx, event.interaction, await _advance(ctx, survey, rnd, member, answers))


async def _start(
    ctx: Ctx, interaction: InteractionRef, survey: Survey, rnd: Round, member: Member, answers: dict[str, str]
) -> None:
    if ctx.capabilities.modals:
        page = next_page(survey, ctx.capabilities.max_form_inputs, answers) or 0
        ctx.emit(
            OpenForm(
                key=f"surveys-form:{interaction.platform}:{interaction.id}",
                community=ctx.community,
                interaction=interaction,
                form=form_page(survey, rnd.round, page, ctx.capabilities.max_form_inputs),
            )
        )
        return
    _reply(ctx, interaction, await _advance(ctx, survey, rnd, member, answers))


async def on_form(event: FormSubmitted, ctx: Ctx) -> None:
    parts = event.form_id.removeprefix(FORM_PREFIX).split(":")
    if not event.form_id.startswith(FORM_PREFIX) or len(parts) != 3 or not parts[2].isdigit():
        return
    opened = await _open(ctx, parts[0], parts[1], event.interaction, event.actor.user)
    if opened is None:
        return
    survey, rnd, member = opened
    questions = page_of(survey, ctx.capabilities.max_form_inputs, int(parts[2]))
    given, errors = parse_form(questions, event.values)
    if errors:
        retry = Button(
            label="Try again", action_id=START, value=f"{survey.name}|{rnd.round}", style=ButtonStyle.PRIMARY
        )
        ctx.respond(
            event.interaction,
            "Some answers need another look:\n" + "\n".join(f"- {e}" for e in errors),
            buttons=(retry,),
        )
        return
    answers = {**progress(member, survey.name, rnd.round), **given}
    _reply(ctx, event.interaction, await _advance(ctx, survey, rnd, member, answers))


async def on_direct_message(event: MessagePosted, ctx: Ctx) -> None:
    """Without modals, a free-text answer is the member's next DM to the bot."""
    if not event.is_direct or event.is_bot:
        return
    member = await ctx.member(event.author)
    target = awaiting(member) if member is not None else None
    if member is None or target is None:
        return
    name, round_id, qid = target
    survey = ctx.config.survey(name)
    rnd = await load_round(ctx.uow, ctx.community, name, round_id)
    q = survey.question(qid) if survey else None
    value = parse_answer(q, event.text) if q is not None else None
    if survey is None or rnd is None or q is None or member.user.id in rnd.answered or not value:
        return
    answers = {**progress(member, name, round_id), qid: value}
    set_awaiting(member, None)
    message = await _advance(ctx, survey, rnd, member, answers)
    ctx.emit(
        SendDirectMessage(
            key=f"surveys-next:{ctx.community}:{name}:{round_id}:{member.user.id}:{qid}",
            community=ctx.community,
            to=member.user,
            message=message,
        )
    )


STEP = Step(
    name="surveys",
    config=SurveysConfig,
    handlers={
        ScheduleFired: on_schedule,
        TimerFired: on_timer,
        ButtonPressed: on_button,
        FormSubmitted: on_form,
        MessagePosted: on_direct_message,
    },
    commands=COMMANDS,
    schedules=schedules,
)
