"""``/cohort health [weeks]``: the report on demand, privately, for moderators."""

from __future__ import annotations

from cohortbot.playbook.commands import OptionKind, OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.step import command
from cohortbot.playbook.steps.health.digest import Ctx, chart_files, recent_report

__all__ = ["COMMANDS"]


async def health(event: CommandInvoked, ctx: Ctx) -> None:
    weeks = int(event.options.get("weeks") or ctx.config.weeks)
    if not 1 <= weeks <= 52:
        ctx.respond(event.interaction, "weeks must be between 1 and 52.")
        return
    report = await recent_report(ctx, weeks=weeks, with_today=True)
    ctx.respond(
        event.interaction,
        report.text(ctx.capabilities.max_message_length),
        title=report.title,
        attachments=chart_files(ctx, report),
        footer=f"as of {timestamp(ctx.now)}",
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
