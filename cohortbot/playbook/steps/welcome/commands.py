"""The welcome step's ``/cohort`` commands."""

from __future__ import annotations

from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.welcome.card import card
from cohortbot.playbook.steps.welcome.config import WelcomeConfig

__all__ = ["COMMANDS"]

Ctx = StepContext[WelcomeConfig]


async def preview(event: CommandInvoked, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.actor.user)
    shown = card(ctx, member, preview=True)
    ctx.respond(event.interaction, shown.text, title=shown.title, buttons=shown.buttons, footer=shown.footer)


COMMANDS: tuple[Command, ...] = (
    command(
        "welcome preview",
        "See the welcome new members receive (as if you had just joined)",
        preview,
        moderator=True,
    ),
)
