"""The ``/cohort week`` and ``/cohort course enrol|leave|list`` commands.

- ``/cohort week`` (everyone): where each of the member's cohorts is (week N of M, its theme
  and question), what is due this week and next (in each reader's own time) and the week's
  survey; a member in no cohort is told which cohorts there are and how to get in.
- ``/cohort course enrol NAME`` / ``leave NAME``: a member enrols themselves where the cohort
  allows it (``members.enrol``, until ``enrol_closes_after`` past its start); a moderator
  adds ``@member`` to enrol or unenrol someone else, whatever the cohort allows.
- ``/cohort course list`` (moderators): every cohort, its week, its members and how they come in.

Each command first enrols the caller in the cohorts whose role they carry (membership.py).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from cohortbot.playbook.commands import OptionKind, OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import clip, fit_lines
from cohortbot.playbook.messages import literal, mention, timestamp
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.cohorts.api import CohortCalendar, calendars, members
from cohortbot.playbook.steps.cohorts.config import CohortsConfig
from cohortbot.playbook.steps.cohorts.membership import enrol, sources, sync_roles, unenrol
from cohortbot.playbook.steps.cohorts.model import CohortsMember
from cohortbot.playbook.steps.cohorts.weekly import cohort_member_ids, due_lines, open_to_all, survey_at

__all__ = ["COMMANDS", "enrol_closes_at", "ways_in"]

Ctx = StepContext[CohortsConfig]

COHORT = OptionSpec(name="cohort", description="the cohort's name, e.g. spring")
MEMBER = OptionSpec(
    name="member",
    description="moderators: the member to enrol or unenrol (a mention or an id)",
    kind=OptionKind.USER,
    required=False,
)
_MEMBER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
SOURCES = {
    "role": "by role",
    "roster": "from the roster",
    "enrol": "enrolled themselves",
    "moderator": "by a moderator",
}


# ---------------------------------------------------------------------------- what the commands share


def enrol_closes_at(ctx: Ctx, cal: CohortCalendar) -> datetime:
    """When members can no longer enrol (or unenrol) themselves: ``enrol_closes_after`` past
    the start, else the cohort's end."""
    after = ctx.config.enrol_closes_after
    return min(cal.starts_at + after, cal.ends_at) if after is not None else cal.ends_at


def _enrol_open(ctx: Ctx, cal: CohortCalendar) -> bool:
    return cal.cohort.members.enrol and ctx.now < enrol_closes_at(ctx, cal)


def ways_in(ctx: Ctx, cal: CohortCalendar) -> str:
    """How members come into the cohort, in words."""
    way = cal.cohort.members
    ways = []
    if way.role:
        ways.append(f"the {literal(way.role)} role")
    if way.roster:
        ways.append("the roster")
    if way.enrol and _enrol_open(ctx, cal):
        ways.append(f"`/cohort course enrol {cal.name}` (until {timestamp(enrol_closes_at(ctx, cal))})")
    elif way.enrol:
        ways.append("enrolment (closed)")
    return ", ".join(ways) if ways else "a moderator (`/cohort course enrol NAME @member`)"


def _where(cal: CohortCalendar, now: datetime) -> str:
    """``week 3 of 8``, or when it starts or ended."""
    week = cal.week_of(now)
    if week == 0:
        return f"starts {timestamp(cal.starts_at)} ({cal.cohort.weeks} weeks)"
    if week > cal.cohort.weeks:
        return f"ended {timestamp(cal.ends_at)} after {cal.cohort.weeks} weeks"
    return f"week {week} of {cal.cohort.weeks}"


def _cohort_list(ctx: Ctx) -> str:
    return ", ".join(f"`{cal.name}` ({literal(cal.title)})" for cal in calendars(ctx.loaded)) or "none"


def _named(ctx: Ctx, event: CommandInvoked) -> CohortCalendar | None:
    """The cohort the command names; None (and the member told which there are) otherwise."""
    typed = str(event.options.get("cohort", "")).strip().lower()
    found = next((c for c in calendars(ctx.loaded) if c.name == typed), None)
    if found is None:
        shown = literal(repr(clip(typed, 40)))
        ctx.respond(event.interaction, f"There's no cohort {shown}. The cohorts: {_cohort_list(ctx)}.")
    return found


async def _other_member(ctx: Ctx, event: CommandInvoked) -> UserRef | None:
    """The ``member`` a moderator named (None, with the answer given, if it can't be used)."""
    typed = str(event.options.get("member", "")).strip()
    user = UserRef(ctx.community.platform, typed)
    if not _MEMBER_ID.match(typed) or await ctx.member(user) is None:
        ctx.respond(event.interaction, f"I don't know a member {literal(repr(clip(typed, 40)))} here.")
        return None
    return user


# ---------------------------------------------------------------------------- /cohort week


def _week_block(ctx: Ctx, cal: CohortCalendar) -> list[str]:
    now = ctx.now
    week = cal.week_of(now)
    content = cal.content(week) if 1 <= week <= cal.cohort.weeks else None
    head = f"**{literal(cal.title)}**: {_where(cal, now)}"
    if content is not None and content.theme:
        head += f" — {literal(content.theme)}"
    lines = [head]
    if content is not None and content.prompt:
        lines.append(f"Question of the week: {literal(clip(' '.join(content.prompt.split()), 300))}")
    upcoming = [(week, "Due this week")] if content is not None else []
    if week < cal.cohort.weeks:
        upcoming.append((week + 1, "Due next week" if week else "Due in week 1"))
    for number, label in upcoming:
        due = due_lines(ctx, cal, number, hint=False)
        if due:
            lines += [f"{label}:", *due]
    sent = survey_at(cal, week) if content is not None else None
    if content is not None and content.survey is not None and sent is not None:
        verb = "was sent" if sent <= now else "comes"
        lines.append(f"This week's survey ({literal(content.survey.name)}) {verb} {timestamp(sent)}.")
    return lines


async def cmd_week(event: CommandInvoked, ctx: Ctx) -> None:
    await sync_roles(ctx, event.actor.user, event.actor.roles, complete=False)
    mine = await sources(ctx, event.actor.user)
    cals = [c for c in calendars(ctx.loaded) if c.name in mine]
    if not cals:
        cals = [c for c in calendars(ctx.loaded) if await open_to_all(ctx, c)]
    if not cals:
        ctx.respond(event.interaction, _not_in_any(ctx), title="You're not in a cohort")
        return
    lines: list[str] = []
    for cal in cals:
        lines += ["", *_week_block(ctx, cal)] if lines else _week_block(ctx, cal)
    ctx.respond(
        event.interaction,
        "\n".join(fit_lines(lines, ctx.capabilities.max_message_length)),
        title="Your cohorts" if len(cals) > 1 else "Your cohort",
    )


def _not_in_any(ctx: Ctx) -> str:
    cals = calendars(ctx.loaded)
    if not cals:
        return "This community has no cohorts."
    lines = ["You're in no cohort yet. The cohorts here:"]
    lines += [
        f"- **{literal(c.title)}** (`{c.name}`), {_where(c, ctx.now)}: in by {ways_in(ctx, c)}" for c in cals
    ]
    if not any(_enrol_open(ctx, c) for c in cals):
        lines.append("Ask a moderator to add you.")
    return "\n".join(fit_lines(lines, ctx.capabilities.max_message_length))


# ---------------------------------------------------------------------------- enrol, unenrol


async def cmd_enrol(event: CommandInvoked, ctx: Ctx) -> None:
    cal = _named(ctx, event)
    if cal is None:
        return
    title = literal(cal.title)
    if event.options.get("member"):
        user = await _named_by_moderator(
            ctx, event,
            "Only moderators can enrol another member. "
            f"To enrol yourself: `/cohort course enrol {cal.name}`.",
        )
        if user is None:
            return
        if await enrol(ctx, user, cal.name, "moderator"):
            ctx.respond(event.interaction, f"Enrolled {mention(user)} in **{title}**.")
        else:
            ctx.respond(event.interaction, f"{mention(user)} is in **{title}** already.")
        return
    await sync_roles(ctx, event.actor.user, event.actor.roles, complete=False)
    if cal.name in await sources(ctx, event.actor.user):
        ctx.respond(event.interaction, f"You're in **{title}** already. `/cohort week` shows where it is.")
        return
    refusal = _self_service_refused(ctx, cal, "enrol in")
    if refusal:
        ctx.respond(event.interaction, refusal)
        return
    await enrol(ctx, event.actor.user, cal.name, "enrol")
    ctx.respond(
        event.interaction,
        f"You're in **{title}** now: {_where(cal, ctx.now)}. `/cohort week` shows what's due; "
        f"`/cohort course leave {cal.name}` takes you out again.",
    )


async def cmd_leave(event: CommandInvoked, ctx: Ctx) -> None:
    cal = _named(ctx, event)
    if cal is None:
        return
    title = literal(cal.title)
    if event.options.get("member"):
        user = await _named_by_moderator(
            ctx, event,
            "Only moderators can take another member out of a cohort. "
            f"To leave yourself: `/cohort course leave {cal.name}`.",
        )
        if user is None:
            return
        came_in = (await sources(ctx, user)).get(cal.name)
        if not await unenrol(ctx, user, cal.name):
            ctx.respond(event.interaction, f"{mention(user)} is not in **{title}**.")
            return
        note = ""
        if came_in == "role":
            role = literal(cal.cohort.members.role or "")
            note = f" They came in by the {role} role: take it away too, or they come back."
        ctx.respond(event.interaction, f"Took {mention(user)} out of **{title}**.{note}")
        return
    came_in = (await sources(ctx, event.actor.user)).get(cal.name)
    if came_in is None:
        ctx.respond(event.interaction, f"You're not in **{title}**.")
        return
    if came_in != "enrol":
        ctx.respond(
            event.interaction,
            f"You're in **{title}** {SOURCES[came_in]}, so only a moderator can take you out.",
        )
        return
    refusal = _self_service_refused(ctx, cal, "leave")
    if refusal:
        ctx.respond(event.interaction, refusal)
        return
    await unenrol(ctx, event.actor.user, cal.name)
    ctx.respond(event.interaction, f"You're no longer in **{title}**.")


async def _named_by_moderator(ctx: Ctx, event: CommandInvoked, refusal: str) -> UserRef | None:
    """The other member a moderator named; None once answered (``refusal`` to a member who is
    not a moderator, or why the member named can't be used)."""
    if not ctx.is_moderator(event.actor):
        ctx.respond(event.interaction, refusal)
        return None
    return await _other_member(ctx, event)


def _self_service_refused(ctx: Ctx, cal: CohortCalendar, doing: str) -> str | None:
    """Why a member may not enrol in (or leave) the cohort themselves, or None."""
    title = literal(cal.title)
    if not cal.cohort.members.enrol:
        how = ways_in(ctx, cal)
        return f"Members can't {doing} **{title}** themselves (members come in by {how}); ask a moderator."
    closes = enrol_closes_at(ctx, cal)
    if ctx.now >= closes:
        return f"Enrolment in **{title}** closed {timestamp(closes)}; ask a moderator."
    return None


# ---------------------------------------------------------------------------- /cohort course list


async def cmd_list(event: CommandInvoked, ctx: Ctx) -> None:
    cals = calendars(ctx.loaded)
    if not cals:
        ctx.respond(event.interaction, "This playbook has no cohorts (`steps.cohorts.cohorts`).")
        return
    by_source: dict[str, Counter[str]] = {cal.name: Counter() for cal in cals}
    for member in await ctx.uow.members.list(ctx.community, present_only=False):  # one read, not one per id
        for name, source in ctx.section(member, CohortsMember).cohorts.items():
            if name in by_source:
                by_source[name][source] += 1
    lines = []
    for cal in cals:
        week = cal.week_of(ctx.now)
        theme = cal.content(week).theme if 1 <= week <= cal.cohort.weeks else ""
        head = f"**{literal(cal.title)}** (`{cal.name}`): {_where(cal, ctx.now)}"
        head += f" — {literal(theme)}" if theme else ""
        lines.append(head)
        if await open_to_all(ctx, cal):
            count = len(await cohort_member_ids(ctx, cal))
            lines.append(f"  {count} member{'' if count == 1 else 's'} (everyone present)")
            continue
        ids = await members(ctx.uow, ctx.community, cal.name)
        split = ", ".join(f"{n} {SOURCES[s]}" for s, n in sorted(by_source[cal.name].items()))
        lines.append(f"  {len(ids)} member{'' if len(ids) == 1 else 's'}" + (f" ({split})" if split else ""))
        lines.append(f"  In by: {ways_in(ctx, cal)}")
    ctx.respond(
        event.interaction, "\n".join(fit_lines(lines, ctx.capabilities.max_message_length)), title="Cohorts"
    )


COMMANDS: tuple[Command, ...] = (
    command("week", "Where your cohort is: the week, its theme, what's due this week and next", cmd_week),
    command(
        "course enrol", "Join a cohort (moderators: add @member to enrol someone)", cmd_enrol, COHORT, MEMBER
    ),
    command(
        "course leave",
        "Leave a cohort you enrolled in (moderators: add @member)",
        cmd_leave,
        COHORT,
        MEMBER,
    ),
    command(
        "course list", "Every cohort: its week, its members and how they come in", cmd_list, moderator=True
    ),
)
