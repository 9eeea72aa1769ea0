"""Introductions: detect a member's introduction in the intro channel and mark them introduced."""

from __future__ import annotations

from pydantic import Field

from playbook.events import MessagePosted
from playbook.model import StepConfig
from playbook.step import Step, StepContext
from playbook.steps.core import touch_member

__all__ = ["STEP", "IntrosConfig"]


class IntrosConfig(StepConfig):
    min_length: int = Field(20, ge=1)  # shorter top-level posts ("hi!") are not an introduction


Ctx = StepContext[IntrosConfig]


def is_introduction(event: MessagePosted, ctx: Ctx) -> bool:
    channel = ctx.playbook.channels.intros
    return (
        channel is not None
        and not event.is_bot
        and event.thread is None
        and event.channel.matches(channel)
        and len(event.text.strip()) >= ctx.config.min_length
    )


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    if not is_introduction(event, ctx):
        return
    member = await touch_member(ctx, event.author)
    if member.introduced_at is not None:
        return
    member.introduced_at = event.occurred_at
    await ctx.uow.members.save(member)


STEP = Step(name="intros", config=IntrosConfig, handlers={MessagePosted: on_message})
