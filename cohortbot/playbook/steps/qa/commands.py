"""The ``/cohort qa ...`` commands: open, ask, list, answer, close.

One Q&A is open at a time in a community, so members ask without naming it. ``qa open``
reads its words from the right: ``TITLE [@expert] [until YYYY-MM-DD HH:MM | until 3d]``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.durations import parse_duration
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.qa.config import TITLE_MAX, QaConfig
from cohortbot.playbook.steps.qa.lifecycle import WhenError, close_qa, current_qa, open_qa, parse_local
from cohortbot.playbook.steps.qa.model import Qa, Question
from cohortbot.playbook.steps.qa.ui import answer_dm, answer_post, channel_for, question_card, ranked_lines

__all__ = ["COMMANDS"]

Ctx = StepContext[QaConfig]
LONGEST = timedelta(days=30)
OPEN_USAGE = "Usage: `/cohort qa open TITLE [@expert] [until YYYY-MM-DD HH:MM]` (or `until 3d`)"
_MENTION = re.compile(r"^<@!?([^<>\s|]+)(\|[^<>]*)?>$|^@(\S+)$")
_NUMBER = re.compile(r"^[Qq]?(\d{1,4})$")
_SLUG = re.compile(r"[^a-z0-9]+")


def _none_open() -> str:
    return "No Q&A is open right now. Moderators open one with `/cohort qa open TITLE`."


def _until(ctx: Ctx, words: list[str]) -> datetime:
    if len(words) == 1:
        try:
            length = parse_duration(words[0])
        except ValueError:
            raise WhenError(
                f"`until` takes a date and time or a duration like 3d, not {literal(words[0])!r}"
            ) from None
        moment = ctx.now + length
    else:
        moment = parse_local(" ".join(words), ctx.playbook.zone)
    if moment <= ctx.now:
        raise WhenError("`until` must be in the future")
    if moment > ctx.now + LONGEST:
        raise WhenError("a Q&A runs 30 days at most")
    return moment


async def open_command(event: CommandInvoked, ctx: Ctx) -> None:
    words = str(event.options.get("details", "")).split()
    until: datetime | None = None
    lowered = [w.lower() for w in words]
    if "until" in lowered:
        at = len(lowered) - 1 - lowered[::-1].index("until")
        after, words = words[at + 1 :], words[:at]
        if not 1 <= len(after) <= 2:
            ctx.respond(event.interaction, f"`until` needs a date and time or a duration. {OPEN_USAGE}")
            return
        try:
            until = _until(ctx, after)
        except WhenError as exc:
            ctx.respond(event.interaction, f"{exc}. {OPEN_USAGE}")
            return
    expert: UserRef | None = None
    expert_name = ""
    found = _MENTION.match(words[-1]) if words else None
    if found:
        words = words[:-1]
        expert = UserRef(ctx.community.platform, found.group(1) or found.group(3))
        member = await ctx.member(expert)
        if member is None:
            ctx.respond(
                event.interaction,
                f"I don't know the member {literal(found.group(0))}:"
                " mention a member of the community as the expert.",
            )
            return
        expert_name = member.display_name
    title = " ".join(words).strip()
    if not title:
        ctx.respond(event.interaction, f"The Q&A needs a title. {OPEN_USAGE}")
        return
    if len(title) > TITLE_MAX:
        ctx.respond(event.interaction, f"The title is {len(title)} characters; keep it to {TITLE_MAX}.")
        return
    running = await current_qa(ctx)
    if running is not None:
        ctx.respond(
            event.interaction,
            f"**{literal(running.title)}** is still open: one Q&A runs at a time."
            " `/cohort qa close` closes it.",
        )
        return
    stamp = ctx.now.astimezone(ctx.playbook.zone).strftime("%Y%m%d-%H%M")
    qid = f"{_SLUG.sub('-', title.lower()).strip('-')[:20].strip('-') or 'qa'}-{stamp}"
    qa = Qa(
        id=qid,
        title=title,
        expert=expert.id if expert else None,
        expert_name=expert_name,
        opened_by=event.actor.user.id,
        opened_at=ctx.now,
        until=until,
        channel=ctx.config.channel,
    )
    await open_qa(ctx, qa)
    channel = channel_for(ctx, qa)
    where = f" in <#{channel.label}>" if channel else ""
    closes = f" It closes {timestamp(until)}." if until else " Close it with `/cohort qa close`."
    ctx.respond(event.interaction, f"Opened the Q&A **{literal(title)}**{where}.{closes}")


async def ask(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config
    text = " ".join(str(event.options.get("question", "")).split())
    qa = await current_qa(ctx)
    if qa is None:
        ctx.respond(event.interaction, _none_open())
        return
    if not text:
        ctx.respond(event.interaction, "What is your question? `/cohort qa ask QUESTION`")
        return
    if len(text) > cfg.max_question_length:
        ctx.respond(
            event.interaction,
            f"Your question is {len(text)} characters; keep it to {cfg.max_question_length}, please.",
        )
        return
    user = event.actor.user
    if len(qa.asked_by(user.id)) >= cfg.questions_per_member:
        ctx.respond(
            event.interaction,
            f"You have asked {cfg.questions_per_member} questions in this Q&A, the most one member may;"
            " upvote the others' instead.",
        )
        return
    if len(qa.questions) >= cfg.max_questions:
        ctx.respond(event.interaction, "This Q&A has all the questions it can take; upvote the ones there.")
        return
    member = await ctx.member(user)
    number = max((q.number for q in qa.questions), default=0) + 1
    question = Question(
        number=number,
        text=text,
        asker=user.id,
        asker_name=member.display_name if member else user.label,
        asked_at=ctx.now,
    )
    qa.questions.append(question)
    await ctx.store(qa, qa.id)
    channel = channel_for(ctx, qa)
    if channel is not None:
        ctx.post(channel, question_card(ctx, qa, question), key=ctx.key("question", qa.id, number))
    ctx.respond(
        event.interaction,
        f"Your question is in as **Q{number}**. You'll get a DM when it is answered.",
    )


async def list_command(event: CommandInvoked, ctx: Ctx) -> None:
    qa = await current_qa(ctx)
    if qa is None:
        ctx.respond(event.interaction, _none_open())
        return
    waiting = [q for q in qa.questions if q.answered_at is None]
    answered = len(qa.questions) - len(waiting)
    head = f"{len(waiting)} open, {answered} answered." + (
        f" Closes {timestamp(qa.until)}." if qa.until else ""
    )
    lines = ranked_lines(ctx, waiting) or ["No open questions yet: `/cohort qa ask QUESTION`."]
    body = fit_lines(lines, ctx.capabilities.max_message_length - len(head) - 100)
    ctx.respond(
        event.interaction, "\n".join([head, *body]), title=f"Q&A: {literal(qa.title)}, most wanted first"
    )


async def answer(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config
    qa = await current_qa(ctx)
    if qa is None:
        ctx.respond(event.interaction, _none_open())
        return
    user = event.actor.user
    if not (ctx.is_moderator(event.actor) or qa.expert == user.id):
        ctx.respond(event.interaction, "Only the Q&A's expert and the moderators answer questions.")
        return
    raw_id = str(event.options.get("question", ""))
    found = _NUMBER.match(raw_id.strip())
    question = qa.question(int(found.group(1))) if found else None
    if question is None:
        ctx.respond(
            event.interaction,
            f"No question {literal(raw_id)!r} in this Q&A: give its number, like Q3 (`/cohort qa list`).",
        )
        return
    text = str(event.options.get("answer", "")).strip()
    if not text:
        ctx.respond(event.interaction, "The answer is missing: `/cohort qa answer Q3 TEXT`.")
        return
    if len(text) > cfg.max_answer_length:
        ctx.respond(
            event.interaction, f"The answer is {len(text)} characters; keep it to {cfg.max_answer_length}."
        )
        return
    if question.answered_at is not None:
        ctx.respond(event.interaction, f"Q{question.number} has been answered already.")
        return
    member = await ctx.member(user)
    by = member.display_name if member else user.label
    question.answered_at, question.answered_by = ctx.now, user.id
    await ctx.store(qa, qa.id)
    channel = channel_for(ctx, qa)
    if channel is not None:
        ctx.post(channel, answer_post(qa, question, text, by), key=ctx.key("answer", qa.id, question.number))
    told = ""
    if question.asker is not None:
        asker = UserRef(ctx.community.platform, question.asker)
        ctx.dm(
            asker,
            answer_dm(qa, question, text, by),
            key=ctx.key("answer-dm", qa.id, question.number),
            fallback=channel,
        )
        told = " and sent to the member who asked"
    ctx.respond(event.interaction, f"Q{question.number}'s answer is posted{told}.")


async def close_command(event: CommandInvoked, ctx: Ctx) -> None:
    qa = await current_qa(ctx)
    if qa is None:
        ctx.respond(event.interaction, "No Q&A is open, so there is nothing to close.")
        return
    await close_qa(ctx, qa, by=event.actor.user)
    ctx.respond(event.interaction, f"Closed **{literal(qa.title)}**; the moderators get the summary by DM.")


COMMANDS: tuple[Command, ...] = (
    command(
        "qa open",
        "Open a Q&A (ask the expert): TITLE [@expert] [until YYYY-MM-DD HH:MM or 3d]",
        open_command,
        OptionSpec(name="details", description="TITLE [@expert] [until YYYY-MM-DD HH:MM or 3d]", rest=True),
        moderator=True,
    ),
    command(
        "qa ask",
        "Ask a question in the open Q&A",
        ask,
        OptionSpec(name="question", description="Your question", rest=True),
    ),
    command("qa list", "The open Q&A's questions, most upvoted first", list_command),
    command(
        "qa answer",
        "Answer a question (the expert or moderators): posted, and sent to the asker",
        answer,
        OptionSpec(name="question", description="The question's number, e.g. Q3"),
        OptionSpec(name="answer", description="The answer", rest=True),
    ),
    command(
        "qa close",
        "Close the open Q&A: unanswered ones posted, summary to moderators",
        close_command,
        moderator=True,
    ),
)
