"""The intros step's ``/cohort`` commands: interests, match settings and rounds, key results."""

from __future__ import annotations

from datetime import timedelta

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.durations import parse_duration
from cohortbot.playbook.events import ButtonPressed, CommandInvoked
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import Select, SelectOption, literal, timestamp
from cohortbot.playbook.ports import Member
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.intros.config import IntrosConfig
from cohortbot.playbook.steps.intros.connections import names, next_scheduled, run_round
from cohortbot.playbook.steps.intros.interests import resolve_interests, shown
from cohortbot.playbook.steps.intros.model import Cadence, IntrosMember, Rounds
from cohortbot.playbook.steps.intros.stats import intro_stats

__all__ = ["COMMANDS", "INTERESTS_SELECT", "on_interests_selected"]

Ctx = StepContext[IntrosConfig]
INTERESTS_SELECT = "intros:interests"
MAX_SELECT_OPTIONS = 25  # Discord's limit for one select
MAX_SNOOZE = timedelta(weeks=26)


async def _mine(ctx: Ctx, event: CommandInvoked | ButtonPressed) -> tuple[Member, IntrosMember]:
    member = await ctx.touch_member(event.actor.user)
    return member, ctx.section(member, IntrosMember)


async def _save(ctx: Ctx, member: Member, section: IntrosMember) -> None:
    ctx.set_section(member, section)
    await ctx.uow.members.save(member)


# ---------------------------------------------------------------------------- /cohort interests ...


def _choices(ctx: Ctx) -> str:
    return ", ".join(map(literal, ctx.config.interests)) or "anything you like (no list is configured)"


async def interests_choose(event: CommandInvoked, ctx: Ctx) -> None:
    vocabulary = list(ctx.config.interests)
    _member, mine = await _mine(ctx, event)
    if not vocabulary:
        ctx.respond(
            event.interaction,
            f"Your interests: {shown(mine.interests)}. "
            "Add some with `/cohort interests add python, statistics`.",
        )
        return
    options = tuple(SelectOption(label=name, value=name) for name in vocabulary[:MAX_SELECT_OPTIONS])
    ctx.respond(
        event.interaction,
        f"Your interests now: {shown(mine.interests)}.\n"
        "Choose **all** that apply (your choice replaces the list); I use them to match you "
        "with members who share them.",
        selects=(
            Select(
                action_id=INTERESTS_SELECT,
                placeholder="Your interests",
                options=options,
                max_values=len(options),
            ),
        ),
    )


async def on_interests_selected(event: ButtonPressed, ctx: Ctx) -> None:
    member, mine = await _mine(ctx, event)
    chosen = [v.strip() for v in event.value.split(",") if v.strip() in ctx.config.interests]
    mine.interests = list(dict.fromkeys(chosen))
    await _save(ctx, member, mine)
    ctx.respond(event.interaction, f"Saved. Your interests: {shown(mine.interests)}.")


async def interests_add(event: CommandInvoked, ctx: Ctx) -> None:
    member, mine = await _mine(ctx, event)
    known, unknown = resolve_interests(str(event.options.get("interests", "")), ctx.config.interests)
    mine.add_interests(known)
    await _save(ctx, member, mine)
    lines = [f"Your interests: {shown(mine.interests)}."]
    if unknown:
        lines.append(f"Not in the list: {shown(unknown)}. You can choose from: {_choices(ctx)}.")
    ctx.respond(event.interaction, "\n".join(lines))


async def interests_remove(event: CommandInvoked, ctx: Ctx) -> None:
    member, mine = await _mine(ctx, event)
    known, unknown = resolve_interests(str(event.options.get("interests", "")), ctx.config.interests)
    gone = set(known) | {u.lower() for u in unknown}
    mine.interests = [i for i in mine.interests if i not in gone]
    await _save(ctx, member, mine)
    ctx.respond(event.interaction, f"Your interests: {shown(mine.interests)}.")


async def interests_list(event: CommandInvoked, ctx: Ctx) -> None:
    _member, mine = await _mine(ctx, event)
    ctx.respond(
        event.interaction,
        f"Your interests: {shown(mine.interests)}.\nYou can choose from: {_choices(ctx)}.\n"
        "Change them with `/cohort interests choose`, `/cohort interests add ...` or "
        "`/cohort interests remove ...`.",
    )


# ---------------------------------------------------------------------------- /cohort match ...


def _not_configured(event: CommandInvoked, ctx: Ctx) -> bool:
    if ctx.config.matching is None:
        ctx.respond(event.interaction, "Matching is not set up in this community's playbook.")
        return True
    return False


async def match_now(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    if cfg is None:
        _not_configured(event, ctx)
        return
    record = await run_round(
        ctx, cfg, round_id="m" + ctx.now.strftime("%Y%m%dT%H%M%SZ"), at=ctx.now, manual=True
    )
    if record is None:
        ctx.respond(event.interaction, "A round just ran; try again in a moment.")
        return
    await ctx.store(Cadence(last=ctx.now))  # it counts toward the cadence: no round right after
    text = f"Round done: {len(record.matches)} match(es) introduced, {len(record.sat_out)} member(s) sat out."
    again = sum(1 for m in record.matches if m.repeat)
    if again:
        text += f" {again} of the matches pair members who had met before: nobody new was left for them."
    upcoming = next_scheduled(ctx, cfg, ctx.now)
    if upcoming is not None:
        text += f"\nIt counts as this period's round: the next scheduled round is {timestamp(upcoming)}."
    ctx.respond(event.interaction, text)


async def match_history(event: CommandInvoked, ctx: Ctx) -> None:
    rounds = (await ctx.load(Rounds)).rounds
    if not rounds:
        ctx.respond(event.interaction, "No match rounds yet.")
        return
    lines = []
    for r in reversed(rounds[-8:]):
        met = sum(1 for m in r.matches if m.confirmed)
        kind = "manual" if r.manual else "scheduled"
        lines.append(
            f"- {timestamp(r.at)} ({kind}): {len(r.matches)} match(es), {met} confirmed met, "
            f"{len(r.sat_out)} sat out"
        )
    latest = rounds[-1]
    lines.append("Latest round:")
    for m in latest.matches:
        why = literal(", ".join(m.shared) or ("/".join(m.cross) if m.cross else "random"))
        again = ", met before" if m.repeat else ""
        lines.append(
            f"- {names(m.members, erased=m.erased)} ({why}{again}){' ✓ met' if m.confirmed else ''}"
        )
    text = "\n".join(fit_lines(lines, ctx.capabilities.max_message_length))
    ctx.respond(event.interaction, text, title="Match rounds")


async def match_snooze(event: CommandInvoked, ctx: Ctx) -> None:
    if _not_configured(event, ctx):
        return
    try:
        length = parse_duration(str(event.options.get("duration", "")))
    except ValueError as exc:
        ctx.respond(event.interaction, f"{exc}.")
        return
    until = ctx.now + min(length, MAX_SNOOZE)
    member, mine = await _mine(ctx, event)
    mine.snooze_until = until
    await _save(ctx, member, mine)
    ctx.respond(
        event.interaction,
        f"Snoozed: no matches for you until {timestamp(until)}. "
        "`/cohort match optin` brings you back sooner.",
    )


async def match_optout(event: CommandInvoked, ctx: Ctx) -> None:
    if _not_configured(event, ctx):
        return
    member, mine = await _mine(ctx, event)
    mine.optout = True
    await _save(ctx, member, mine)
    ctx.respond(event.interaction, "You're out of the match rounds. `/cohort match optin` to join again.")


async def match_optin(event: CommandInvoked, ctx: Ctx) -> None:
    if _not_configured(event, ctx):
        return
    member, mine = await _mine(ctx, event)
    mine.optout, mine.snooze_until = False, None
    await _save(ctx, member, mine)
    cfg = ctx.config.matching
    note = ""
    if cfg is not None and cfg.require_introduced and member.introduced_at is None:
        note = " Introduce yourself in {intro_channel} first: matches are for members who did."
    ctx.respond(event.interaction, ctx.fill("You're in the next match round!" + note))


async def match_group(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    if cfg is None:
        _not_configured(event, ctx)
        return
    name = str(event.options.get("name", "")).strip().lower()
    groups = {g.lower(): g for g in cfg.groups}
    if not cfg.groups:
        ctx.respond(event.interaction, "This community has no match groups.")
    elif name in ("none", "-"):
        member, mine = await _mine(ctx, event)
        mine.group = None
        await _save(ctx, member, mine)
        ctx.respond(event.interaction, "You're in no group now.")
    elif name not in groups:
        ctx.respond(event.interaction, f"Choose one of: {shown(cfg.groups)} (or none).")
    else:
        member, mine = await _mine(ctx, event)
        mine.group = groups[name]
        await _save(ctx, member, mine)
        ctx.respond(event.interaction, f"You're in the {literal(groups[name])} group for match rounds.")


# ---------------------------------------------------------------------------- key results


async def stats(event: CommandInvoked, ctx: Ctx) -> None:
    members = await ctx.uow.members.list(ctx.community, present_only=False)
    rounds = (await ctx.load(Rounds)).rounds
    result = intro_stats(members, rounds, now=ctx.now, zone=ctx.playbook.zone)
    lines = [f"Introductions: **{result.introductions}**"]
    if result.per_week:
        lines.append("Per week since the first join:")
        lines += [
            f"- week {i + 1} (from {start.isoformat()}): {n}" for i, (start, n) in enumerate(result.per_week)
        ]
    lines.append(
        f"Matches made: **{result.matches}** in {result.rounds} round(s); confirmed met: "
        f"**{result.confirmed_met}** ({result.met_rate:.0%})"
    )
    ctx.respond(
        event.interaction,
        "\n".join(lines),
        title="Introductions and connections",
        footer=f"as of {timestamp(ctx.now)}",
    )


_INTERESTS = OptionSpec(name="interests", description="Interests, separated by commas", rest=True)

COMMANDS: tuple[Command, ...] = (
    command("interests choose", "Choose your interests from a list", interests_choose),
    command("interests add", "Add interests (e.g. python, statistics)", interests_add, _INTERESTS),
    command("interests remove", "Remove interests", interests_remove, _INTERESTS),
    command("interests list", "Your interests and the ones you can choose", interests_list),
    command(
        "match snooze",
        "No match rounds for a while (e.g. 2w)",
        match_snooze,
        OptionSpec(name="duration", description="How long, e.g. 1w or 2w"),
    ),
    command("match optout", "Leave the match rounds", match_optout),
    command("match optin", "Join the match rounds (again)", match_optin),
    command(
        "match group",
        "Choose your match group (e.g. mentor, mentee; none to leave)",
        match_group,
        OptionSpec(name="name", description="The group's name, or none"),
    ),
    command("match now", "Run a match round now", match_now, moderator=True),
    command("match history", "Recent match rounds and who met", match_history, moderator=True),
    command("intros stats", "Introductions per week, matches made, confirmed met", stats, moderator=True),
)
