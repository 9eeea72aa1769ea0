"""Prompts: questions and announcements on schedules, each opening a thread, replies counted.

Each named schedule fires ``ScheduleFired("prompts.<name>")`` (claimed once by the scheduler,
late within its grace after downtime, else recorded missed). A prompt due in quiet hours or
too soon after the step's last post in that channel is postponed with a timer. Questions
rotate through a bank without repeats (``playbook.prompts_bank``); the posted prompts and
their reply counts live in ``playbook.prompts_log`` (never the replies' text). A schedule's
``variants`` make a split test (``playbook.prompts_variants``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cohortbot.playbook.actions import PostMessage, StartThread
from cohortbot.playbook.commands import CommandSpec, OptionSpec
from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.events import (
    ActionDelivered,
    CommandInvoked,
    MessagePosted,
    ScheduleFired,
    TimerFired,
)
from cohortbot.playbook.messages import RichMessage, channel_link, timestamp
from cohortbot.playbook.model import Channels, CommunityPlaybook
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import Command, ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.prompts.bank import Bank, Rotation
from cohortbot.playbook.steps.prompts.config import PromptSchedule, PromptsConfig, QuietHours
from cohortbot.playbook.steps.prompts.records import (
    POSTED_STATE,
    count_reply,
    entry_for,
    last_post_in,
    prompt_engagement,
    record_post,
)
from cohortbot.playbook.steps.prompts.timing import earliest_post
from cohortbot.playbook.steps.prompts.variants import choose_variant, variant_named, with_variant

__all__ = ["STEP", "PromptSchedule", "PromptsConfig", "QuietHours"]

Ctx = StepContext[PromptsConfig]
KEY = "prompt"
ROLES = frozenset(Channels.model_fields)
MAX_ADDED_LENGTH = 1000


def schedules(cfg: PromptsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name=s.name, cron=s.cron, grace=s.grace, where=("schedules", i, "cron"), jitter_window=s.within
        )
        for i, s in enumerate(cfg.schedules)
    ]


# ---------------------------------------------------------------------------- helpers


def _schedule(ctx: Ctx, name: str) -> PromptSchedule | None:
    return next((s for s in ctx.config.schedules if s.name == name.lower()), None)


def _channel(ctx: Ctx, sched: PromptSchedule) -> ChannelRef:
    spec = sched.channel.removeprefix("#")
    ref = ctx.channel(spec) if spec in ROLES else None
    return ref or ChannelRef(ctx.community.platform, name=spec)


def _channel_key(ref: ChannelRef) -> str:
    return ref.id or ref.name


async def _bank(ctx: Ctx, sched: PromptSchedule) -> Bank:
    doc = await ctx.uow.state.get(ctx.community, f"prompts.rotation.{sched.name}")
    return Bank(
        sched.bank,
        Rotation.load(doc),
        seed=f"{ctx.community}|{sched.name}",
        when_exhausted=sched.when_exhausted,
    )


async def _save_bank(ctx: Ctx, sched: PromptSchedule, bank: Bank) -> None:
    await ctx.uow.state.put(ctx.community, f"prompts.rotation.{sched.name}", bank.rotation.dump())


async def _log(ctx: Ctx) -> dict[str, Any]:
    doc: dict[str, Any] = await ctx.uow.state.get(ctx.community, POSTED_STATE) or {"prompts": []}
    return doc


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---------------------------------------------------------------------------- posting


async def _post_when_allowed(ctx: Ctx, sched: PromptSchedule, *, occurrence: str, late: bool = False) -> None:
    """Post now, or set a timer for the variant's offset, the quiet hours' end or the gap."""
    cfg = ctx.config
    variant = choose_variant(
        sched.variants, community=str(ctx.community), schedule=sched.name, occurrence=occurrence
    )
    shown = with_variant(sched, variant)
    due = max(ctx.now, datetime.fromisoformat(occurrence) + (variant.offset if variant else timedelta(0)))
    quiet = (cfg.quiet_hours.start, cfg.quiet_hours.end) if cfg.quiet_hours else None
    last = last_post_in(await _log(ctx), _channel_key(_channel(ctx, shown)))
    when = earliest_post(due, zone=ctx.playbook.zone, quiet=quiet, last_post=last, min_gap=cfg.min_gap)
    if when > ctx.now:
        name = f"post:{sched.name}:{occurrence}"
        await ctx.set_timer(name, when, schedule=sched.name, occurrence=occurrence, late=late)
        return
    key = f"{KEY}:{ctx.community}:{sched.name}:{occurrence}"
    await _post(ctx, shown, key=key, late=late, variant=variant.name if variant else "")


async def _post(
    ctx: Ctx, sched: PromptSchedule, *, key: str, late: bool = False, manual: bool = False, variant: str = ""
) -> str | None:
    """Post the schedule's next prompt; returns its text, or None when the bank is used up."""
    qid: str | None = None
    if sched.kind == "question":
        bank = await _bank(ctx, sched)
        qid = bank.take()
        await _save_bank(ctx, sched, bank)
        question = bank.text(qid)
        if question is None:
            _exhausted(ctx, sched, bank)
            return None
    else:
        question = ctx.fill(sched.text or "")
    channel = _channel(ctx, sched)
    message = RichMessage(
        title=ctx.fill(sched.title, question=question), text=ctx.fill(sched.message, question=question)
    )
    ctx.emit(PostMessage(key=key, community=ctx.community, channel=channel, message=message, notify=True))
    doc = record_post(
        await _log(ctx),
        key=key,
        schedule=sched.name,
        question_id=qid,
        posted_at=ctx.now,
        channel=_channel_key(channel),
        thread=sched.thread,
        late=late,
        manual=manual,
        variant=variant,
    )
    await ctx.uow.state.put(ctx.community, POSTED_STATE, doc)
    return question


def _exhausted(ctx: Ctx, sched: PromptSchedule, bank: Bank) -> None:
    """Tell the moderators (once per round) that a bank has nothing left to ask."""
    channel = ctx.channel("moderators")
    if channel is None:
        return
    text = (
        f"The question bank of the **{sched.name}** prompts is used up, so nothing was posted. "
        f'Add questions with `/cohort prompt add {sched.name} "..."`.'
    )
    ctx.emit(
        PostMessage(
            key=f"{KEY}-exhausted:{ctx.community}:{sched.name}:{bank.rotation.round}:{len(bank.questions)}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(text=text),
        )
    )


# ---------------------------------------------------------------------------- handlers


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    sched = _schedule(ctx, event.schedule.removeprefix("prompts."))
    if sched is not None:
        await _post_when_allowed(ctx, sched, occurrence=event.occurrence.isoformat(), late=event.late)


async def on_timer(event: TimerFired, ctx: Ctx) -> None:
    if not event.kind.startswith("prompts.post:"):
        return
    sched = _schedule(ctx, str(event.data.get("schedule", "")))
    if sched is not None:
        occurrence = str(event.data["occurrence"])
        await _post_when_allowed(ctx, sched, occurrence=occurrence, late=bool(event.data.get("late")))


async def on_delivered(event: ActionDelivered, ctx: Ctx) -> None:
    """Remember where a prompt landed; open its thread where the platform has threads."""
    if not event.key.startswith(f"{KEY}:") or event.message is None:
        return
    doc = await _log(ctx)
    entry = entry_for(doc, event.key.removesuffix(":thread"))
    if entry is None:
        return
    if event.kind == "StartThread":
        entry["thread"] = event.message.id
    elif event.kind == "PostMessage":
        entry["message"] = event.message.id
        sched = _schedule(ctx, entry["schedule"])
        if sched is not None:
            sched = with_variant(sched, variant_named(sched, entry.get("variant")))
        if entry.get("want_thread") and sched is not None and ctx.capabilities.threads:
            bank = await _bank(ctx, sched)
            question = bank.text(entry.get("question")) or ctx.fill(sched.text or "") or sched.name
            name = _short(ctx.fill(sched.thread_name, question=question), 100) or sched.name
            ctx.emit(
                StartThread(
                    key=f"{event.key}:thread",
                    community=ctx.community,
                    message=event.message,
                    name=name,
                    notify=True,
                )
            )
    await ctx.uow.state.put(ctx.community, POSTED_STATE, doc)


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    """A reply in a prompt's thread (or a platform reply to it) counts; its text is not kept."""
    if event.is_bot or event.is_direct:
        return
    answered = {ref.id for ref in (event.thread, event.reply_to_message) if ref is not None}
    if not answered:
        return
    doc = await _log(ctx)
    if count_reply(doc, answered, event.author.id):
        await ctx.uow.state.put(ctx.community, POSTED_STATE, doc)


# ---------------------------------------------------------------------------- commands


async def _named(event: CommandInvoked, ctx: Ctx) -> PromptSchedule | None:
    name = str(event.options.get("schedule", ""))
    sched = _schedule(ctx, name)
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
    bank = await _bank(ctx, sched)
    if not bank.add(text):
        ctx.respond(event.interaction, f"The `{sched.name}` bank already has that question.")
        return
    await _save_bank(ctx, sched, bank)
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
    head = f"A {sched.kind} on `{sched.cron}` ({zone}) in {channel_link(_channel(ctx, sched))}"
    if upcoming_at is not None:
        head += f"; next {timestamp(upcoming_at)}"
        if sched.within:
            head += f" (at a surprise moment within {format_duration(sched.within)} of it)"
    lines = [head + "."]
    bank = await _bank(ctx, sched)
    if sched.kind == "announcement":
        lines.append(f"Text: {_short(ctx.fill(sched.text or ''), 300)}")
    else:
        rot = bank.rotation
        lines.append(f"**Up next** (round {rot.round}, {_n(len(bank.questions), 'question')}):")
        upcoming = bank.upcoming()
        lines += [f"{i}. {_short(bank.questions[q])}" for i, q in enumerate(upcoming, 1)] or ["(none left)"]
        then = "a reshuffled new round" if sched.when_exhausted == "reshuffle" else "nothing (the bank stops)"
        lines.append(f"Then: {then}.")
        if rot.skipped:
            skipped = "; ".join(_short(bank.text(q) or "(removed question)", 60) for q in rot.skipped)
            lines.append(f"Skipped this round: {skipped}")
    posted = prompt_engagement(await _log(ctx), schedule=sched.name)[:5]
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
    bank = await _bank(ctx, sched)
    qid = bank.take(skip=True)
    if qid is None:
        ctx.respond(event.interaction, f"The `{sched.name}` bank is used up: nothing to skip.")
        return
    await _save_bank(ctx, sched, bank)
    following = bank.upcoming()
    after = f"\nNext up: {_short(bank.questions[following[0]])}" if following else ""
    ctx.respond(event.interaction, f"Skipped: {_short(bank.questions[qid])}{after}")


async def post_now(event: CommandInvoked, ctx: Ctx) -> None:
    sched = await _named(event, ctx)
    if sched is None:
        return
    key = f"{KEY}:{ctx.community}:{sched.name}:now:{event.interaction.id}"
    posted = await _post(ctx, sched, key=key, manual=True)
    if posted is None:
        ctx.respond(event.interaction, f"The `{sched.name}` bank is used up: nothing to post.")
        return
    where = channel_link(_channel(ctx, sched))
    ctx.respond(event.interaction, f"Posted in {where}: {_short(posted)}")


async def stats(event: CommandInvoked, ctx: Ctx) -> None:
    name = event.options.get("schedule")
    if name and await _named(event, ctx) is None:
        return
    recent = prompt_engagement(await _log(ctx), schedule=str(name).lower() if name else None)[:10]
    if not recent:
        ctx.respond(event.interaction, "No prompts posted yet.")
        return
    banks = {s.name: await _bank(ctx, s) for s in ctx.config.schedules}
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
    return _short(text, 60) if text else "(removed question)"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _counts(replies: int, repliers: int) -> str:
    return f"{replies} repl{'y' if replies == 1 else 'ies'} from {_n(repliers, 'member')}"


SCHEDULE = OptionSpec(name="schedule", description="the prompt schedule's name (see the playbook)")


def _command(verb: str, description: str, handler: Any, *options: OptionSpec) -> Command:
    spec = CommandSpec(path=("prompt", verb), description=description, options=options, moderator=True)
    return Command(spec=spec, handler=handler)


STEP = Step(
    name="prompts",
    config=PromptsConfig,
    handlers={
        ScheduleFired: on_schedule,
        TimerFired: on_timer,
        ActionDelivered: on_delivered,
        MessagePosted: on_message,
    },
    commands=(
        _command(
            "add",
            "Add a question to a schedule's bank",
            add,
            SCHEDULE,
            OptionSpec(name="text", description="the question", rest=True),
        ),
        _command("list", "A schedule's upcoming questions and what was posted", list_, SCHEDULE),
        _command("skip", "Skip a schedule's next question", skip, SCHEDULE),
        _command("post", "Post a schedule's next prompt now", post_now, SCHEDULE),
        _command(
            "stats",
            "Recent prompts with their replies and repliers",
            stats,
            OptionSpec(name="schedule", description="only this schedule", required=False),
        ),
    ),
    schedules=schedules,
)
