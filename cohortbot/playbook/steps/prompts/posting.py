"""Posting a prompt: its channel, the next question of its bank, its split-test variant, and
when it may go out (a variant's offset, quiet hours, the gap after the last post)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cohortbot.playbook.lengths import clip
from cohortbot.playbook.messages import RichMessage, literal
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.cohorts.api import week_values
from cohortbot.playbook.steps.prompts.bank import Bank
from cohortbot.playbook.steps.prompts.config import PromptSchedule, PromptsConfig
from cohortbot.playbook.steps.prompts.model import PostedLog, PostedPrompt, PostPrompt, Rotation
from cohortbot.playbook.steps.prompts.timing import earliest_post
from cohortbot.playbook.steps.prompts.variants import choose_variant, with_variant

__all__ = [
    "Ctx",
    "channel_key",
    "channel_of",
    "fill",
    "load_bank",
    "post",
    "post_when_allowed",
    "quoted",
    "save_bank",
    "schedule_named",
    "short",
]

Ctx = StepContext[PromptsConfig]


def fill(ctx: Ctx, text: str, **extra: str) -> str:
    """A prompt's text with the community's placeholders and the course calendar's (``{week}``,
    ``{week_theme}``...: the cohort running now, see ``steps.cohorts``)."""
    return ctx.fill(text, member=None, **week_values(ctx.loaded, ctx.now), **extra)


def schedule_named(ctx: Ctx, name: str) -> PromptSchedule | None:
    return next((s for s in ctx.config.schedules if s.name == name.lower()), None)


def channel_of(ctx: Ctx, sched: PromptSchedule) -> ChannelRef:
    """The schedule's channel: a channel role of the playbook, else a channel name or id."""
    channel = ctx.resolve(sched.channel)
    if channel is None:
        raise ValueError(f"prompt schedule {sched.name} names no channel")
    return channel


def channel_key(ref: ChannelRef) -> str:
    return ref.id or ref.name


async def load_bank(ctx: Ctx, sched: PromptSchedule) -> Bank:
    return Bank(
        sched.bank,
        await ctx.load(Rotation, sched.name),
        seed=f"{ctx.community}|{sched.name}",
        when_exhausted=sched.when_exhausted,
    )


async def save_bank(ctx: Ctx, sched: PromptSchedule, bank: Bank) -> None:
    await ctx.store(bank.rotation, sched.name)


def short(text: str, limit: int = 90) -> str:
    """Message text on one line, cut to ``limit`` (never inside an escape)."""
    return clip(" ".join(text.split()), limit)


def quoted(question: str, limit: int = 90) -> str:
    """A question a moderator typed, cut to ``limit`` and shown as typed (no markup of theirs)."""
    return literal(short(question, limit))


async def post_when_allowed(
    ctx: Ctx, sched: PromptSchedule, *, occurrence: datetime, late: bool = False
) -> None:
    """Post now, or set a timer for the variant's offset, the quiet hours' end or the gap."""
    cfg = ctx.config
    seen = occurrence.isoformat()
    variant = choose_variant(
        sched.variants, community=str(ctx.community), schedule=sched.name, occurrence=seen
    )
    shown = with_variant(sched, variant)
    due = max(ctx.now, occurrence + (variant.offset if variant else timedelta(0)))
    quiet = (cfg.quiet_hours.start, cfg.quiet_hours.end) if cfg.quiet_hours else None
    last = (await ctx.load(PostedLog)).last_post_in(channel_key(channel_of(ctx, shown)))
    when = earliest_post(due, zone=ctx.playbook.zone, quiet=quiet, last_post=last, min_gap=cfg.min_gap)
    if when > ctx.now:
        timer = PostPrompt(schedule=sched.name, occurrence=occurrence, late=late)
        await ctx.set_timer(timer, when, name=f"{sched.name}:{seen}")
        return
    await post(ctx, shown, key=ctx.key(sched.name, seen), late=late, variant=variant.name if variant else "")


async def post(
    ctx: Ctx, sched: PromptSchedule, *, key: str, late: bool = False, manual: bool = False, variant: str = ""
) -> str | None:
    """Post the schedule's next prompt; returns its text, or None when the bank is used up."""
    qid: str | None = None
    if sched.kind == "question":
        bank = await load_bank(ctx, sched)
        qid = bank.take()
        await save_bank(ctx, sched, bank)
        question = bank.text(qid)
        if question is None:
            _exhausted(ctx, sched, bank)
            return None
    else:
        question = fill(ctx, sched.text or "")
    channel = channel_of(ctx, sched)
    message = RichMessage(
        title=fill(ctx, sched.title, question=question), text=fill(ctx, sched.message, question=question)
    )
    ctx.post(channel, message, key=key, notify=True)  # delivered: on_delivered opens the thread
    log = await ctx.load(PostedLog)
    log.record(
        PostedPrompt(
            key=key,
            schedule=sched.name,
            question=qid,
            posted_at=ctx.now,
            channel=channel_key(channel),
            want_thread=sched.thread,
            late=late,
            manual=manual,
            variant=variant,
        )
    )
    await ctx.store(log)
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
    ctx.post(channel, text, key=ctx.key("exhausted", sched.name, bank.rotation.round, len(bank.questions)))
