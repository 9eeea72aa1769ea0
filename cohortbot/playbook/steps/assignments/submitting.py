"""Members' commands: ``/cohort submit``, ``/cohort assignment start``.

A submission is a link (http or https) and an optional short note. Files are not taken:
platform attachment URLs expire (Discord's CDN links are signed for about a day, Slack's need
the bot's token), so a facilitator opening the export next week would find nothing; members
share a link to their file (a drive, a repository, a notebook) instead.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import Submission, WindowClosing
from cohortbot.playbook.steps.assignments.moments import closes_at, is_late
from cohortbot.playbook.steps.assignments.resolve import Chosen, Refusal, choose, cohort_title
from cohortbot.playbook.steps.assignments.ui import exercise_text, how_to_submit, limit_text

__all__ = ["MAX_LINK", "MAX_NOTE", "check_link", "clean_note", "start_exercise", "submit"]

Ctx = StepContext[AssignmentsConfig]
MAX_LINK = 500
MAX_NOTE = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def check_link(link: str) -> str | None:
    """None if ``link`` is a submission link we take, else what is wrong with it."""
    if len(link) > MAX_LINK:
        return (
            f"That link is {len(link)} characters long; the most I keep is {MAX_LINK}. "
            "A shorter link, please."
        )
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or _CONTROL.search(link):
        return (
            f"LINK must be a web address starting with https:// (got `{literal(link[:60])}`). "
            "To hand in a file, share a link to it (a drive, a repository, a notebook)."
        )
    return None


def clean_note(note: str) -> str:
    """One line, no control characters."""
    return " ".join(_CONTROL.sub(" ", note).split())


async def submit(event: CommandInvoked, ctx: Ctx) -> None:
    user = event.actor.user
    link = str(event.options.get("link", "")).strip()
    note = clean_note(str(event.options.get("note") or ""))
    problem = check_link(link)
    if problem is None and len(note) > MAX_NOTE:
        problem = (
            f"The note is {len(note)} characters long; keep it to {MAX_NOTE} (the link can hold the rest)."
        )
    if problem is not None:
        ctx.respond(event.interaction, problem)
        return
    chosen = await choose(ctx, user, str(event.options.get("assignment", "")))
    if isinstance(chosen, Refusal):
        ctx.respond(event.interaction, chosen.text)
        return
    assignment, work = chosen.assignment, chosen.work
    spec, title = assignment.spec, literal(assignment.title)
    started = work.started.get(user.id)
    if spec.time_limit is not None and started is None:
        ctx.respond(
            event.interaction,
            f"**{title}** is a timed exercise: start it first with `/cohort assignment start {spec.name}` "
            f"(you'll have {limit_text(spec.time_limit)}), then submit your link before your time is up.",
        )
        return
    late = is_late(assignment, started, ctx.now)
    closes = closes_at(assignment, started) or assignment.due_at
    previous = work.submissions.get(user.id)
    if late and spec.late == "refuse":
        kept = f" Your submission of {timestamp(previous.last_at)} stands." if previous is not None else ""
        ctx.respond(
            event.interaction,
            f"**{title}** closed {timestamp(closes)}, and late submissions aren't accepted for it.{kept} "
            "If something kept you from it, talk to a facilitator.",
        )
        return
    work.name, work.due_at = assignment.name, assignment.due_at
    work.submissions[user.id] = Submission(
        cohort=assignment.cohort,
        link=link,
        note=note,
        first_at=previous.first_at if previous is not None else ctx.now,
        last_at=ctx.now,
        late=late,
    )
    await ctx.store(work, chosen.moment.id)
    if spec.time_limit is not None:
        await ctx.cancel_timer(WindowClosing, name=chosen.moment.id, subject=user)
    ctx.respond(event.interaction, _recorded(ctx, chosen, link, note, late, closes, previous), private=True)


def _recorded(
    ctx: Ctx, chosen: Chosen, link: str, note: str, late: bool, closes: datetime, previous: Submission | None
) -> str:
    assignment = chosen.assignment
    due = timestamp(assignment.due_at)
    lines = [
        f"Recorded for **{literal(assignment.title)}** ({literal(cohort_title(ctx, assignment.cohort))}): "
        f"{literal(link)}"
    ]
    if note:
        lines.append(f"Note: {literal(note)}")
    if not late:
        lines.append(f"On time: it is due {due}.")
    elif assignment.spec.time_limit is not None and closes != assignment.due_at:
        lines.append(f"Marked late: your time for it was up {timestamp(closes)}.")
    else:
        lines.append(f"Marked late: it was due {due}.")
    if previous is not None:
        lines.append(
            f"This replaces the link you sent {timestamp(previous.last_at)} "
            f"(first submitted {timestamp(previous.first_at)})."
        )
    else:
        lines.append("Submitting again replaces the link.")
    for other in chosen.others:
        lines.append(
            f"(You're also in {literal(cohort_title(ctx, other.cohort))}, whose **{literal(other.title)}** "
            f"is due {timestamp(other.due_at)}: "
            f"`/cohort submit {other.cohort}/{other.name} LINK` for that one.)"
        )
    return "\n".join(lines)


async def start_exercise(event: CommandInvoked, ctx: Ctx) -> None:
    user = event.actor.user
    chosen = await choose(ctx, user, str(event.options.get("name", "")))
    if isinstance(chosen, Refusal):
        ctx.respond(event.interaction, chosen.text)
        return
    assignment, work, moment = chosen.assignment, chosen.work, chosen.moment
    spec, title = assignment.spec, literal(assignment.title)
    if spec.time_limit is None:
        ctx.respond(
            event.interaction,
            f"**{title}** has no time limit, so there's nothing to start: {how_to_submit(spec.name)}"
            f" It is due {timestamp(assignment.due_at)}.",
        )
        return
    started = work.started.get(user.id)
    if started is not None:  # starting twice never resets the window
        closes = closes_at(assignment, started) or assignment.due_at
        done = user.id in work.submissions
        head = f"You started **{title}** {timestamp(started)}; " + (
            "you've submitted it." if done else f"it closes {timestamp(closes)}."
        )
        ctx.respond(event.interaction, exercise_text(head, assignment), private=True)
        return
    if ctx.now >= assignment.due_at and spec.late == "refuse":
        ctx.respond(
            event.interaction,
            f"**{title}** closed {timestamp(assignment.due_at)}; it can't be started any more. "
            "If something kept you from it, talk to a facilitator.",
        )
        return
    work.name, work.due_at = assignment.name, assignment.due_at
    work.started[user.id] = ctx.now
    await ctx.store(work, moment.id)
    closes = closes_at(assignment, ctx.now) or assignment.due_at
    before = ctx.config.window_reminder_before
    if before is not None and closes - before > ctx.now:
        await ctx.set_timer(WindowClosing(moment=moment.id), closes - before, name=moment.id, subject=user)
    after = ctx.now >= assignment.due_at
    late = " (after its due moment: your submission will be marked late)" if after else ""
    head = f"**{title}** has started: you have until {timestamp(closes)}{late}."
    ctx.respond(event.interaction, exercise_text(head, assignment), private=True)
