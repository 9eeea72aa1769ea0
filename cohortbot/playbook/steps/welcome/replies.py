"""Members' direct messages to the bot: passed on to the moderators, never dropped.

The welcome DM and its follow-ups invite members to reply. A DM that the surveys step does
not take as an answer (asked through its published API, before it sees the DM), that is not
a join code the roster step answers (its API too) and not a ``/cohort`` command typed as
text is posted in the moderators' channel, quoted and cut to fit, as a ``private`` action:
the outbox erases the text once it is delivered, and the bot stores none of it. The member
is told it was passed on, at most once per ``replies.acknowledge_every`` so a chatty member
is not answered line by line.
"""

from __future__ import annotations

from cohortbot.playbook.events import MessagePosted
from cohortbot.playbook.lengths import ELLIPSIS
from cohortbot.playbook.messages import literal
from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.roster.api import is_join_code
from cohortbot.playbook.steps.surveys.api import is_survey_answer
from cohortbot.playbook.steps.welcome.config import WelcomeConfig
from cohortbot.playbook.steps.welcome.model import WelcomeMember

__all__ = ["COMMAND_HINT", "on_direct_message", "quoted"]

Ctx = StepContext[WelcomeConfig]

COMMAND_HINT = (
    "That looks like a command, so I did not pass it on to the moderators. Commands run when "
    "you start a new message with /cohort and pick one from the list (try /cohort help)."
)


def quoted(text: str, limit: int) -> str:
    """``text`` as a block quote of at most ``limit`` characters, shown as typed (cut with "…").

    The member's words go through :func:`~cohortbot.playbook.messages.literal` (no mention,
    link or markup can come out of them); the cut is made before escaping, so it never
    splits an escape.
    """
    words = text.strip()
    kept = len(words)
    while True:
        shown = words[:kept].rstrip() + (ELLIPSIS if kept < len(words) else "")
        block = "\n".join(f"> {literal(line)}" for line in shown.splitlines())
        if len(block) <= limit or kept == 0:
            return block
        kept = max(0, kept - (len(block) - limit))


async def on_direct_message(event: MessagePosted, ctx: Ctx) -> None:
    cfg = ctx.config.replies
    text = event.text.strip()
    if not event.is_direct or event.is_bot or not cfg.forward or not text:
        return
    member = await ctx.touch_member(event.author)
    if text.lower().startswith("/cohort"):
        await _answer(ctx, member, COMMAND_HINT, event)
        return
    if await is_survey_answer(ctx.uow, ctx.loaded, member, event.text):
        return  # the surveys step takes it
    if await is_join_code(ctx.uow, ctx.loaded, member, text):
        return  # the roster step answers it
    channel = ctx.channel("moderators")
    if channel is None:
        return  # nobody to pass it to: no promise to the member either
    header = ctx.fill(cfg.header, member=member)
    room = min(cfg.max_length, ctx.capabilities.max_message_length - len(header) - 1)
    body = f"{header}\n{quoted(text, room)}"
    ctx.post(
        channel,
        body,
        key=ctx.key("dm", event.event_id),
        private=True,
    )
    if cfg.acknowledge is not None:
        await _answer(ctx, member, ctx.fill(cfg.acknowledge, member=member), event)


async def _answer(ctx: Ctx, member: Member, text: str, event: MessagePosted) -> None:
    """Answer the member's DM, unless the bot answered one of theirs within ``acknowledge_every``."""
    mine = ctx.section(member, WelcomeMember)
    if mine.answered_at is not None and ctx.now - mine.answered_at < ctx.config.replies.acknowledge_every:
        return
    mine.answered_at = ctx.now
    ctx.set_section(member, mine)
    await ctx.uow.members.save(member)
    ctx.dm(member.user, text, key=ctx.key("answer", member.user.id, event.event_id))
