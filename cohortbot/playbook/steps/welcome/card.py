"""The welcome card a new member receives (also as a moderator's preview), and how it is sent."""

from __future__ import annotations

from cohortbot.playbook.messages import Button, ButtonStyle, RichMessage
from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.cohorts.api import cohorts_of, week_values
from cohortbot.playbook.steps.welcome.config import WelcomeConfig

__all__ = ["ACCEPT", "card", "send"]

Ctx = StepContext[WelcomeConfig]
ACCEPT = "welcome:accept"


def card(ctx: Ctx, member: Member, *, preview: bool = False) -> RichMessage:
    cfg = ctx.config
    buttons: list[Button] = []
    if cfg.guidelines.required and not preview:
        buttons.append(Button(label=cfg.guidelines.button, action_id=ACCEPT, style=ButtonStyle.PRIMARY))
    link = ctx.playbook.guidelines.link
    if link:
        buttons.append(Button(label="Read the guidelines", action_id="welcome:guidelines", url=link))
    # The member's own cohort (if the roster or a role put them in one already), else the one running.
    week = week_values(ctx.loaded, ctx.now, among=cohorts_of(member) or None)
    return RichMessage(
        title=ctx.fill(cfg.title, member=member, **week),
        text=ctx.fill(cfg.message, member=member, **week),
        buttons=tuple(buttons),
        footer="Preview: this is what new members receive." if preview else "",
    )


def send(ctx: Ctx, member: Member, message: RichMessage | str, *, key: str) -> None:
    """A DM to the member; where DMs are refused, a mention in the welcome channel."""
    ctx.dm(
        member.user,
        message,
        key=key,
        fallback=ctx.channel("welcome"),
        fallback_prefix=ctx.fill(ctx.config.fallback_prefix, member=member),
    )
