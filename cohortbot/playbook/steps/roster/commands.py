"""``/cohort course roster [missing]`` for moderators, ``/cohort course join CODE`` for members.

(One ``roster`` command with an optional word: Discord cannot have a command and a group of
the same name, nor more than two words after ``/cohort``.)
"""

from __future__ import annotations

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.cohorts import api as cohorts
from cohortbot.playbook.steps.roster.config import RosterConfig
from cohortbot.playbook.steps.roster.listing import missing_lines, summary_lines
from cohortbot.playbook.steps.roster.matching import use_code
from cohortbot.playbook.steps.roster.store import RosterStore

__all__ = ["COMMANDS", "titles"]

Ctx = StepContext[RosterConfig]


def titles(ctx: Ctx) -> dict[str, str]:
    """The playbook's cohorts, name -> title, in order."""
    return {c.name: c.title for c in cohorts.calendars(ctx.loaded)}


async def roster(event: CommandInvoked, ctx: Ctx) -> None:
    rows = list((await RosterStore(ctx.docs).all_rows()).values())
    budget = ctx.capabilities.max_message_length - 50
    if event.options.get("show") == "missing":
        missing = missing_lines(rows, titles(ctx))
        count = sum(1 for row in rows if not row.joined)
        if not rows:
            text = "The roster is empty. Import one with `cohortbot roster import FILE.csv`."
        elif not missing:
            text = f"Everyone on the roster has joined ({len(rows)})."
        else:
            text = "\n".join(fit_lines([f"**Not joined yet: {count}**", *missing], budget))
    else:
        text = "\n".join(summary_lines(rows, titles(ctx), budget))
    ctx.respond(event.interaction, text, title="Roster")


async def join(event: CommandInvoked, ctx: Ctx) -> None:
    text = str(event.options.get("code") or "")[:100]
    ctx.respond(event.interaction, await use_code(ctx, event.actor.user, text))


COMMANDS: tuple[Command, ...] = (
    command(
        "course join",
        "Use the join code your facilitator sent you (matches you to the roster)",
        join,
        OptionSpec(name="code", description="Your join code, like K7QX-M3PD", rest=True),
    ),
    command(
        "course roster",
        "Who on the roster has joined, per cohort (missing: who hasn't yet)",
        roster,
        OptionSpec(
            name="show",
            description="missing: only who hasn't joined",
            required=False,
            choices=("all", "missing"),
        ),
        moderator=True,
    ),
)
