"""The moderators' ``/cohort champions ...`` commands."""

from __future__ import annotations

from cohortbot.playbook.commands import OptionKind, OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import literal
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext, command
from cohortbot.playbook.steps.champions.candidates import (
    candidate_lines,
    champion_lines,
    current_score,
    present_members,
    rules,
    section,
)
from cohortbot.playbook.steps.champions.config import ChampionsConfig
from cohortbot.playbook.steps.champions.nominations import (
    approve,
    decline,
    nomination,
    note_moderator,
    revoke,
)

__all__ = ["COMMANDS"]

Ctx = StepContext[ChampionsConfig]

MEMBER = OptionSpec(name="member", description="the member (a mention or an id)", kind=OptionKind.USER)


async def _with_member(event: CommandInvoked, ctx: Ctx) -> Member | None:
    await note_moderator(ctx, event.actor.user)
    member_id = str(event.options.get("member", "")).strip()
    member = await ctx.member(UserRef(ctx.community.platform, member_id)) if member_id else None
    if member is None:
        ctx.respond(event.interaction, f"I don't know a member {literal(repr(member_id))} here.")
    return member


async def cmd_list(event: CommandInvoked, ctx: Ctx) -> None:
    await note_moderator(ctx, event.actor.user)
    members = await present_members(ctx)
    candidates = candidate_lines(ctx, members, rules(ctx))
    room = ctx.capabilities.max_message_length - len("\n".join(candidates)) - 2  # a blank line between
    lines = [*fit_lines(champion_lines(ctx, members), room), "", *candidates]
    ctx.respond(event.interaction, "\n".join(lines).strip(), title="Community champions")


def _why_not(member: Member, ctx: Ctx) -> str | None:
    if member.is_bot:
        return "is a bot"
    if member.analytics_opt_out:
        return "opted out of analytics"
    return "is already a champion" if section(ctx, member).champion else None


async def cmd_nominate(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is None:
        return
    why = _why_not(member, ctx)
    if why is not None:
        ctx.respond(event.interaction, f"<@{member.user.id}> can't be nominated: they {why}.")
        return
    score = current_score(ctx, member)
    where = await nomination(
        ctx, member, score, key=f"{member.user.id}:{event.event_id}", interaction=event.interaction
    )
    if where:
        ctx.respond(event.interaction, f"Nominated <@{member.user.id}>: see {where}.")


async def cmd_approve(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is not None:
        ctx.respond(event.interaction, await approve(ctx, member, by=event.actor.user))


async def cmd_decline(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is not None:
        ctx.respond(event.interaction, await decline(ctx, member, by=event.actor.user))


async def cmd_revoke(event: CommandInvoked, ctx: Ctx) -> None:
    member = await _with_member(event, ctx)
    if member is not None:
        ctx.respond(event.interaction, await revoke(ctx, member, by=event.actor.user))


COMMANDS = (
    command(
        "champions list",
        "Current champions and the top candidates with their scores",
        cmd_list,
        moderator=True,
    ),
    command(
        "champions nominate",
        "Put a member up for champion now, with their evidence",
        cmd_nominate,
        MEMBER,
        moderator=True,
    ),
    command(
        "champions approve",
        "Make a member a champion (grants the role, sends the DM)",
        cmd_approve,
        MEMBER,
        moderator=True,
    ),
    command(
        "champions decline",
        "Decline a nomination (no new nomination for a while)",
        cmd_decline,
        MEMBER,
        moderator=True,
    ),
    command("champions revoke", "Remove a member's champion role", cmd_revoke, MEMBER, moderator=True),
)
