"""``/cohort prompt ...``: moderators add, list, skip and post questions and see engagement."""

from __future__ import annotations

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import channel_link, timestamp
from cohortbot.playbook.step import command
from cohortbot.playbook.steps.prompts.bank import Bank
from cohortbot.playbook.steps.prompts.config import PromptSchedule
from cohortbot.playbook.steps.prompts.model import PostedLog
from cohortbot.playbook.steps.prompts.posting import (
    Ctx,
    channel_of,
    fill,
    load_bank,
    post,
    quoted,
    save_bank,
    schedule_named,
    short,
)

__all__ = ["COMMANDS"]

MAX_ADDED_LENGTH = 1000


async def _named(event: CommandInvoked, ctx: Ctx) -> PromptSchedule | None:
    name = str(event.options.get("schedule", ""))
    sched = schedule_named(ctx, name)
    if sched is None:
        known = ", ".join(s.name for s in ctx.config.schedules) or "none configured"
        ctx.respond(event.interaction, f"There is no prompt schedule named `{name}`. Schedules: {known}.")
    return sched


async def add(event: CommandInvoked, ctx: Ctx) -> None:
    sched = await _named(event, ctx)
    if sched is None:
        return
    text = " ".join(str(event.options.get("text", "")).split())
    if sched.kind != "question":
        ctx.respond(event.interaction, f"`{sched.name}` is an announcement; it has no question bank.")
        return
    if not text or len(text) > MAX_ADDED_LENGTH:
        ctx.respond(event.interaction, f"A question needs 1 to {MAX_ADDED_LENGTH} characters.")
        return
    bank = await load_bank(ctx, sched)
    if not bank.add(text):
        ctx.respond(event.interaction, f"The `{sched.name}` bank already has that question.")
        return
    await save_bank(ctx, sched, bank)
    upcoming = bank.upcoming()
    qid = next(reversed(bank.questions))
    when = f"number {upcoming.index(qid) + 1} in line this round" if qid in upcoming else "in the next round"
    ctx.respond(
        event.interaction,
        f"Added to `{sched.name}` ({_n(len(bank.questions), 'question')}): it comes {when}.",
    )


async def list_(event: CommandInvoked, ctx: Ctx) -> None:
    sched = await _named(event, ctx)
    if sched is None:
        return
    zone = ctx.playbook.timezone
    upcoming_at = ctx.calendar.next(sched.cron, zone, ctx.now)
    head = f"A {sched.kind} on `{sched.cron}` ({zone}) in {channel_link(channel_of(ctx, sched))}"
    if upcoming_at is not None:
        head += f"; next {timestamp(upcoming_at)}"
        if sched.within:
            head += f" (at a surprise moment within {format_duration(sched.within)} of it)"
    lines = [head + "."]
    bank = await load_bank(ctx, sched)
    if sched.kind == "announcement":
        lines.append(f"Text: {short(fill(ctx, sched.text or ''), 300)}")
    else:
        rot = bank.rotation
        lines.append(f"**Up next** (round {rot.round}, {_n(len(bank.questions), 'question')}):")
        upcoming = bank.upcoming()
        lines += [f"{i}. {quoted(bank.questions[q])}" for i, q in enumerate(upcoming, 1)] or ["(none left)"]
        then = "a reshuffled new round" if sched.when_exhausted == "reshuffle" else "nothing (the bank stops)"
        lines.append(f"Then: {then}.")
        if rot.skipped:
            skipped = "; ".join(quoted(bank.text(q) or "(removed question)", 60) for q in rot.skipped)
            lines.append(f"Skipped this round: {skipped}")
    posted = (await ctx.load(PostedLog)).engagement(schedule=sched.name)[:5]
    if posted:
        lines.append("**Posted**:")
        lines += [
            f"- {timestamp(p.posted_at)} {_what(bank, p.question_id)} — {_counts(p.replies, p.repliers)}"
            for p in posted
        ]
    ctx.respond(event.interaction, "\n".join(lines), title=f"Prompts: {sched.name}")


async def skip(event: CommandInvoked, ctx: Ctx) -> None:
    sched = await _named(event, ctx)
    if sched is None:
        return
    if sched.kind != "question":
        ctx.respond(event.interaction, f"`{sched.name}` is an announcement; there is no question to skip.")
        return
    bank = await load_bank(ctx, sched)
    qid = bank.take(skip=True)
    if qid is None:
        ctx.respond(event.interaction, f"The `{sched.name}` bank is used up: nothing to skip.")
        return
    await save_bank(ctx, sched, bank)
    following = bank.upcoming()
    after = f"\nNext up: {quoted(bank.questions[following[0]])}" if following else ""
    ctx.respond(event.interaction, f"Skipped: {quoted(bank.questions[qid])}{after}")


async def post_now(event: CommandInvoked, ctx: Ctx) -> None:
    sched = await _named(event, ctx)
    if sched is None:
        return
    posted = await post(ctx, sched, key=ctx.key(sched.name, "now", event.interaction.id), manual=True)
    if posted is None:
        ctx.respond(event.interaction, f"The `{sched.name}` bank is used up: nothing to post.")
        return
    where = channel_link(channel_of(ctx, sched))
    shown = quoted(posted) if sched.kind == "question" else short(posted)
    ctx.respond(event.interaction, f"Posted in {where}: {shown}")


async def stats(event: CommandInvoked, ctx: Ctx) -> None:
    name = event.options.get("schedule")
    if name and await _named(event, ctx) is None:
        return
    log = await ctx.load(PostedLog)
    recent = log.engagement(schedule=str(name).lower() if name else None)[:10]
    if not recent:
        ctx.respond(event.interaction, "No prompts posted yet.")
        return
    banks = {s.name: await load_bank(ctx, s) for s in ctx.config.schedules}
    lines = [
        f"- {timestamp(p.posted_at)} **{p.schedule}**"
        f"{' (posted by hand)' if p.manual else ''}: "
        f"{_what(banks.get(p.schedule), p.question_id)} — {_counts(p.replies, p.repliers)}"
        for p in recent
    ]
    replies = sum(p.replies for p in recent)
    lines.append(f"{_n(len(recent), 'prompt')}, {replies / len(recent):.1f} replies each on average.")
    ctx.respond(event.interaction, "\n".join(lines), title="Prompt engagement (newest first)")


def _what(bank: Bank | None, qid: str | None) -> str:
    if qid is None:
        return "announcement"
    text = bank.text(qid) if bank is not None else None
    return quoted(text, 60) if text else "(removed question)"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _counts(replies: int, repliers: int) -> str:
    return f"{replies} repl{'y' if replies == 1 else 'ies'} from {_n(repliers, 'member')}"


SCHEDULE = OptionSpec(name="schedule", description="the prompt schedule's name (see the playbook)")

COMMANDS = (
    command(
        "prompt add",
        "Add a question to a schedule's bank",
        add,
        SCHEDULE,
        OptionSpec(name="text", description="the question", rest=True),
        moderator=True,
    ),
    command(
        "prompt list", "A schedule's upcoming questions and what was posted", list_, SCHEDULE, moderator=True
    ),
    command("prompt skip", "Skip a schedule's next question", skip, SCHEDULE, moderator=True),
    command("prompt post", "Post a schedule's next prompt now", post_now, SCHEDULE, moderator=True),
    command(
        "prompt stats",
        "Recent prompts with their replies and repliers",
        stats,
        OptionSpec(name="schedule", description="only this schedule", required=False),
        moderator=True,
    ),
)
