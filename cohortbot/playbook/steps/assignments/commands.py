"""The assignments step's commands: submit, start a timed exercise, a member's own list,
and per-assignment progress and CSV export for moderators."""

from __future__ import annotations

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import clip, fit_lines, fit_names
from cohortbot.playbook.messages import Attachment, RichMessage, literal, timestamp
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import Work
from cohortbot.playbook.steps.assignments.moments import moments, split_token
from cohortbot.playbook.steps.assignments.progress import Row, cohort_rows, rows_csv
from cohortbot.playbook.steps.assignments.resolve import ECHOED, NOT_IN_ONE, cohort_title, my_cohorts
from cohortbot.playbook.steps.assignments.submitting import start_exercise, submit
from cohortbot.playbook.steps.assignments.ui import status
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["COMMANDS"]

Ctx = StepContext[AssignmentsConfig]
KINDS = ("on time", "late", "missing", "not yet")


async def mine(event: CommandInvoked, ctx: Ctx) -> None:
    user = event.actor.user
    joined = await my_cohorts(ctx, user)
    if not joined:
        ctx.respond(
            event.interaction,
            f"You're not in a cohort, so you have no assignments. {NOT_IN_ONE}",
        )
        return
    lines = []
    for moment in sorted(moments(ctx.loaded), key=lambda m: m.due_at):
        assignment = next((a for a in moment.assignments if a.cohort in joined), None)
        if assignment is None:
            continue
        work = await ctx.load(Work, moment.id)
        state = status(assignment, work.submissions.get(user.id), work.started.get(user.id), ctx.now)
        ambiguous = (
            len(
                {
                    m.id
                    for m in moments(ctx.loaded)
                    if m.name == moment.name and any(a.cohort in joined for a in m.assignments)
                }
            )
            > 1
        )
        name = f"{assignment.cohort}/{assignment.name}" if ambiguous else assignment.name
        lines.append(
            f"- **{literal(assignment.title)}** (`{name}`, {literal(cohort_title(ctx, assignment.cohort))})"
            f" — due {timestamp(assignment.due_at)}: {status_word(state)}"
        )
    if not lines:
        lines = ["Your cohorts have no assignments (yet)."]
    else:
        lines.append("Submit with `/cohort submit NAME LINK [note]`.")
    text = "\n".join(fit_lines(lines, ctx.capabilities.max_message_length))
    ctx.respond(event.interaction, text, title="Your assignments")


def status_word(state: str) -> str:
    return f"**{state}**" if state in ("submitted", "submitted late", "missing") else state


def _named(ctx: Ctx, event: CommandInvoked) -> list[cohorts.Assignment]:
    token = str(event.options.get("name", ""))
    cohort, name = split_token(token)
    found = cohorts.assignment(ctx.loaded, name, cohort)
    if not found:
        names = sorted({f"`{a.name}`" for a in cohorts.assignments(ctx.loaded)})
        known = ", ".join(names) or "none configured"
        ctx.respond(
            event.interaction,
            f"No assignment named `{literal(clip(token, ECHOED))}`. Assignments: {known} "
            "(`COHORT/NAME` for one cohort's).",
        )
    return found


def _section(ctx: Ctx, assignment: cohorts.Assignment, rows: list[Row], budget: int) -> list[str]:
    counts = {kind: [r for r in rows if r.kind == kind] for kind in KINDS}
    due = timestamp(assignment.due_at)
    summary = ", ".join(f"{len(counts[k])} {k}" for k in KINDS if counts[k] or k != "not yet")
    lines = [
        f"**{literal(cohort_title(ctx, assignment.cohort))}** — due {due}: {summary} "
        f"(of {len(rows)} member{'' if len(rows) == 1 else 's'})"
    ]
    for kind in KINDS:
        if counts[kind]:
            label = f"{kind.capitalize()}: "
            names = fit_names([literal(r.name) for r in counts[kind]], max(20, budget - len(label)))
            lines.append(label + names)
    return lines


async def progress(event: CommandInvoked, ctx: Ctx) -> None:
    found = _named(ctx, event)
    if not found:
        return
    limit = ctx.capabilities.max_message_length
    budget = max(60, limit // (len(found) * 4))  # each cohort's four name lines share the message
    lines: list[str] = []
    for assignment in found:
        rows, _work = await cohort_rows(ctx, assignment)
        if lines:
            lines.append("")
        lines += _section(ctx, assignment, rows, budget)
    ctx.respond(
        event.interaction,
        "\n".join(fit_lines(lines, limit)),
        title=f"Progress: {literal(found[0].title)}",
    )


async def export(event: CommandInvoked, ctx: Ctx) -> None:
    found = _named(ctx, event)
    if not found:
        return
    sections = [(a, (await cohort_rows(ctx, a))[0]) for a in found]
    count = sum(1 for _a, rows in sections for r in rows if r.submission is not None)
    title = literal(found[0].title)
    data = rows_csv(sections).encode()
    cohort, _name = split_token(str(event.options.get("name", "")))
    name = f"{cohort}-{found[0].name}" if cohort else found[0].name
    csv_file = Attachment(filename=f"assignment-{name}.csv", content_type="text/csv", data=data)
    ctx.dm(
        event.actor.user,
        RichMessage(
            text=f"**{title}**: {count} submission(s), one row per member of "
            f"{', '.join(literal(cohort_title(ctx, a.cohort)) for a, _ in sections)}.",
            attachments=(csv_file,),
        ),
        key=ctx.key("export", name, event.actor.user.id, event.event_id),
        private=True,  # members' names, links and notes: the outbox keeps no copy once sent
    )
    ctx.respond(event.interaction, f"I've sent you the CSV of **{title}** in a direct message.")


_NAME = OptionSpec(name="name", description="The assignment's name (COHORT/NAME for one cohort's)")

COMMANDS: tuple[Command, ...] = (
    command(
        "submit",
        "Hand in an assignment: a link to your work",
        submit,
        OptionSpec(name="assignment", description="The assignment's name (see /cohort assignment list)"),
        OptionSpec(name="link", description="https://... a link to your work"),
        OptionSpec(name="note", description="A short note for the facilitators", required=False, rest=True),
    ),
    command("assignment list", "Your assignments: when they're due, what you've handed in", mine),
    command(
        "assignment start",
        "Start a timed exercise (your time runs from now)",
        start_exercise,
        OptionSpec(name="name", description="The exercise's name (see /cohort assignment list)"),
    ),
    command(
        "assignment progress",
        "Who has submitted an assignment, per cohort: on time, late, missing",
        progress,
        _NAME,
        moderator=True,
    ),
    command(
        "assignment export",
        "An assignment's submissions as a CSV file, sent to you by DM",
        export,
        _NAME,
        moderator=True,
    ),
)
