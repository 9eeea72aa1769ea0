"""Resources: a curated library of links per topic, suggested under the questions that need them.

The playbook seeds each topic's links and keywords; moderators add, edit and retire links
(``/cohort resources add|edit|retire``); members suggest links that a moderator approves or
rejects (the member is told either way). When a member asks a question (``is_question``) in one
of ``suggest.channels`` naming a topic or one of its keywords, the bot answers in the question's
thread with up to ``suggest.max`` of that topic's resources: once per thread, and once per
``suggest.cooldown`` per channel. It keeps the thread and channel ids, never the question.
"""

from __future__ import annotations

from cohortbot.playbook.events import MessagePosted
from cohortbot.playbook.model import CHANNEL_ROLES
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import Step
from cohortbot.playbook.steps.activity import is_question
from cohortbot.playbook.steps.resources.commands import COMMANDS
from cohortbot.playbook.steps.resources.config import ResourcesConfig
from cohortbot.playbook.steps.resources.library import Ctx, line, load_library, matching
from cohortbot.playbook.steps.resources.model import Library, Suggested
from cohortbot.playbook.steps.resources.privacy import export, forget

__all__ = ["STEP"]


def _watched(ctx: Ctx, channel: ChannelRef) -> bool:
    for spec in ctx.config.suggest.channels:
        named = getattr(ctx.playbook.channels, spec, None) if spec in CHANNEL_ROLES else spec
        if named and channel.matches(named):
            return True
    return False


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    if event.is_bot or event.is_direct or not is_question(event.text) or not _watched(ctx, event.channel):
        return
    thread = event.thread or event.message
    suggested = await ctx.load(Suggested)
    channel = event.channel.id or event.channel.name
    last = suggested.channels.get(channel)
    if thread.id in suggested.threads or (last is not None and ctx.now - last < ctx.config.suggest.cooldown):
        return
    found = matching(ctx.config, await load_library(ctx), event.text, ctx.config.suggest.max)
    if not found:
        return
    intro = ctx.fill(ctx.config.suggest.intro)
    lines = [line(r, ids=False) for r in found]
    ctx.post(event.channel, "\n".join([intro, *lines]), key=ctx.key("suggest", thread.id), thread=thread)
    suggested.threads[thread.id] = ctx.now
    suggested.channels[channel] = ctx.now
    suggested.prune(ctx.now)
    await ctx.store(suggested)


STEP = Step(
    name="resources",
    config=ResourcesConfig,
    handlers={MessagePosted: on_message},
    commands=COMMANDS,
    documents=(Library, Suggested),
    export=export,
    forget=forget,
)
