"""Prompts: questions and announcements on schedules, each opening a thread, replies counted.

Each named schedule fires ``ScheduleFired("prompts.<name>")`` (claimed once by the scheduler,
late within its grace after downtime, else recorded missed). A prompt due in quiet hours or
too soon after the step's last post in that channel is postponed with a timer. Questions
rotate through a bank without repeats (bank.py); the posted prompts and their reply counts
live in the ``PostedLog`` document (never the replies' text). A schedule's ``variants`` make
a split test (variants.py).
"""

from __future__ import annotations

from cohortbot.playbook.actions import PostMessage, StartThread
from cohortbot.playbook.events import ActionDelivered, MessagePosted, ScheduleFired
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import ScheduleSpec, Step
from cohortbot.playbook.steps.prompts.commands import COMMANDS
from cohortbot.playbook.steps.prompts.config import PromptsConfig
from cohortbot.playbook.steps.prompts.model import STEP_NAME, PostedLog, PostedPrompt, PostPrompt, Rotation
from cohortbot.playbook.steps.prompts.posting import (
    Ctx,
    fill,
    load_bank,
    post_when_allowed,
    schedule_named,
    short,
)
from cohortbot.playbook.steps.prompts.privacy import export, forget
from cohortbot.playbook.steps.prompts.variants import variant_named, with_variant

__all__ = ["STEP"]

THREAD = ":thread"  # a prompt's thread is keyed by its post's key plus this


def schedules(cfg: PromptsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name=s.name, cron=s.cron, grace=s.grace, where=("schedules", i, "cron"), jitter_window=s.within
        )
        for i, s in enumerate(cfg.schedules)
    ]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    sched = schedule_named(ctx, event.schedule.removeprefix(f"{STEP_NAME}."))
    if sched is not None:
        await post_when_allowed(ctx, sched, occurrence=event.occurrence, late=event.late)


async def on_post_due(timer: PostPrompt, ctx: Ctx) -> None:
    sched = schedule_named(ctx, timer.schedule)
    if sched is not None:
        await post_when_allowed(ctx, sched, occurrence=timer.occurrence, late=timer.late)


async def on_delivered(event: ActionDelivered, ctx: Ctx) -> None:
    """Remember where a prompt landed; open its thread where the platform has threads."""
    if event.message is None:
        return
    log = await ctx.load(PostedLog)
    if event.kind == StartThread.__name__:
        entry = log.entry(event.key.removesuffix(THREAD))
        if entry is None:
            return
        entry.thread = event.message.id
    elif event.kind == PostMessage.__name__:
        entry = log.entry(event.key)
        if entry is None:
            return
        entry.message = event.message.id
        await _open_thread(event, ctx, entry)
    else:
        return
    await ctx.store(log)


async def _open_thread(event: ActionDelivered, ctx: Ctx, entry: PostedPrompt) -> None:
    sched = schedule_named(ctx, entry.schedule)
    if sched is None or not entry.want_thread or not ctx.capabilities.threads or event.message is None:
        return
    sched = with_variant(sched, variant_named(sched, entry.variant))
    bank = await load_bank(ctx, sched)
    question = bank.text(entry.question) or fill(ctx, sched.text or "") or sched.name
    name = short(fill(ctx, sched.thread_name, question=question), 100) or sched.name
    ctx.emit(
        StartThread(
            key=event.key + THREAD, community=ctx.community, message=event.message, name=name, notify=True
        )
    )


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    """A reply in a prompt's thread (or a platform reply to it) counts; its text is not kept."""
    if event.is_bot or event.is_direct:
        return
    answered = {ref.id for ref in (event.thread, event.reply_to_message) if ref is not None}
    if not answered:
        return
    log = await ctx.load(PostedLog)
    if log.count_reply(answered, event.author.id):
        await ctx.store(log)


STEP = Step(
    name=STEP_NAME,
    config=PromptsConfig,
    handlers={ScheduleFired: on_schedule, ActionDelivered: on_delivered, MessagePosted: on_message},
    timers={PostPrompt: on_post_due},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Rotation, PostedLog),
    export=export,
    forget=forget,
)
