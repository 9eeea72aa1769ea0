"""Activity records for community health: who, where, when, reply-to, length, question, sentiment.

Never the message text: it is scored for sentiment in memory and dropped. Members who opted
out of analytics (``/cohort privacy optout``) are not recorded at all: neither what they post
or react, nor as the one another member replied or reacted to.
"""

from __future__ import annotations

from cohortbot.playbook.events import MessagePosted, ReactionAdded
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.ports import ActivityRecord
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Step, StepContext

__all__ = ["STEP", "ActivityConfig", "is_question"]


class ActivityConfig(StepConfig):
    """No settings: always on (members opt out individually)."""


Ctx = StepContext[ActivityConfig]


def is_question(text: str) -> bool:
    return "?" in text


async def _counted(ctx: Ctx, user: UserRef | None) -> UserRef | None:
    """The member a reply or reaction answers, unless they opted out (then nobody is named)."""
    if user is None:
        return None
    member = await ctx.member(user)
    return None if member is not None and member.analytics_opt_out else user


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    if event.is_bot or event.is_direct:
        return
    member = await ctx.touch_member(event.author)
    if member.analytics_opt_out:
        return
    in_thread = event.thread is not None and event.thread.id != event.message.id
    await ctx.uow.activity.add(
        ActivityRecord(
            community=ctx.community,
            user=event.author,
            channel=event.channel,
            at=event.occurred_at,
            kind="reply" if (event.reply_to is not None or in_thread) else "message",
            message_id=event.message.id,
            thread_id=event.thread.id if event.thread else "",
            reply_to=await _counted(ctx, event.reply_to),
            length=len(event.text),
            is_question=is_question(event.text),
            sentiment=ctx.sentiment.score(event.text) if ctx.sentiment and event.text.strip() else None,
        )
    )


async def on_reaction(event: ReactionAdded, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.user)
    if member.analytics_opt_out:
        return
    await ctx.uow.activity.add(
        ActivityRecord(
            community=ctx.community,
            user=event.user,
            channel=event.message.channel,
            at=event.occurred_at,
            kind="reaction",
            message_id=event.message.id,
            reply_to=await _counted(ctx, event.message_author),
        )
    )


STEP = Step(
    name="activity",
    config=ActivityConfig,
    always_on=True,
    handlers={MessagePosted: on_message, ReactionAdded: on_reaction},
)
