"""``/cohort health [weeks]``: the report on demand, privately, for moderators.

The command answers at once; the report itself is built off the event path (a
``BuildReport`` the bot's reports job performs) and arrives as a follow-up answer.
"""

from __future__ import annotations

from cohortbot.playbook.commands import OptionKind, OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.step import command
from cohortbot.playbook.steps.health.digest import Ctx, moderators_channel, period, request_report

__all__ = ["COMMANDS", "PREPARING"]

PREPARING = "Preparing the health report… it arrives here in a moment."


async def health(event: CommandInvoked, ctx: Ctx) -> None:
    weeks = int(event.options.get("weeks") or ctx.config.weeks)
    if not 1 <= weeks <= 52:
        ctx.respond(event.interaction, "weeks must be between 1 and 52.")
        return
    ctx.respond(event.interaction, PREPARING)
    request_report(
        ctx,
        period(ctx, weeks=weeks, with_today=True),
        key=ctx.key("report", event.interaction.platform, event.interaction.id),
        footer=f"as of {timestamp(ctx.now)}",
        interaction=event.interaction,
        # Where it goes if it is ready only after the interaction can no longer be answered.
        channel=moderators_channel(ctx, ctx.config.channel),
    )


COMMANDS = (
    command(
        "health",
        "Community health: participation, newcomers, questions, channels, goals (with charts)",
        health,
        OptionSpec(
            name="weeks",
            description="weeks of history in the charts",
            kind=OptionKind.INTEGER,
            required=False,
        ),
        moderator=True,
    ),
)
