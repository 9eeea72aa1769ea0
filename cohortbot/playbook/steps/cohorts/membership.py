"""Putting members into cohorts and taking them out: the section and the roll, together.

Membership by role: a cohort with ``members.role`` takes in every member seen with that role
(:func:`sync_roles`: a ``MemberUpdated``, or the actor of one of this step's commands), with
source ``role``; a ``MemberUpdated`` (the member's whole set of roles) without the role takes
a ``role``-sourced member out again. Members who came in by roster, enrolment or a moderator
stay whatever their roles.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable

from cohortbot.playbook.events import MemberUpdated
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.cohorts.api import Enrol, Unenrol
from cohortbot.playbook.steps.cohorts.config import Cohort, CohortsConfig
from cohortbot.playbook.steps.cohorts.model import CohortsMember, Roll, Source

__all__ = [
    "enrol",
    "has_role",
    "on_enrol",
    "on_member_updated",
    "on_unenrol",
    "sources",
    "sync_roles",
    "unenrol",
]

log = logging.getLogger("cohortbot.steps.cohorts")

Ctx = StepContext[CohortsConfig]


async def enrol(ctx: Ctx, user: UserRef, cohort: str, source: Source) -> bool:
    """Put ``user`` into ``cohort``; False if they were in it already (their source is kept)."""
    member = await ctx.touch_member(user)
    section = ctx.section(member, CohortsMember)
    if cohort in section.cohorts:
        return False
    ctx.set_section(member, section.model_copy(update={"cohorts": {**section.cohorts, cohort: source}}))
    await ctx.uow.members.save(member)
    roll = await ctx.load(Roll, cohort)
    position = bisect.bisect_left(roll.members, user.id)
    if position == len(roll.members) or roll.members[position] != user.id:
        roll.members.insert(position, user.id)
        await ctx.store(roll, cohort)
    return True


async def unenrol(ctx: Ctx, user: UserRef, cohort: str) -> bool:
    """Take ``user`` out of ``cohort``; False if they were not in it."""
    member = await ctx.member(user)
    if member is None:
        return False
    section = ctx.section(member, CohortsMember)
    if cohort not in section.cohorts:
        return False
    left = {name: source for name, source in section.cohorts.items() if name != cohort}
    ctx.set_section(member, section.model_copy(update={"cohorts": left}) if left else None)
    await ctx.uow.members.save(member)
    roll = await ctx.load(Roll, cohort)
    if user.id in roll.members:
        roll.members.remove(user.id)
        await ctx.store(roll, cohort)
    return True


async def on_enrol(message: Enrol, ctx: Ctx) -> None:
    if ctx.config.cohort(message.cohort) is None:
        log.warning("no cohort named %r in this playbook; %s not enrolled", message.cohort, message.member.id)
        return
    await enrol(ctx, message.member, message.cohort, message.source)


async def on_unenrol(message: Unenrol, ctx: Ctx) -> None:
    await unenrol(ctx, message.member, message.cohort)


async def sources(ctx: Ctx, user: UserRef) -> dict[str, Source]:
    """The cohorts ``user`` is in, each with how they came in."""
    member = await ctx.member(user)
    return dict(ctx.section(member, CohortsMember).cohorts) if member is not None else {}


def has_role(cohort: Cohort, roles: Iterable[str]) -> bool:
    """Whether ``roles`` (names and ids, as the platform gives them) hold the cohort's role;
    matched as the moderators' roles are: case-insensitive, a leading ``@`` ignored."""
    if not cohort.members.role:
        return False
    wanted = cohort.members.role.lstrip("@").lower()
    return any(role.lstrip("@").lower() == wanted for role in roles)


async def sync_roles(ctx: Ctx, user: UserRef, roles: Iterable[str], *, complete: bool) -> None:
    """Enrol ``user`` in each cohort whose role they have; with ``complete`` (``roles`` is the
    member's whole set, as a ``MemberUpdated`` gives it) also take them out of the cohorts
    they came into by role and whose role they no longer have."""
    by_role = [c for c in ctx.config.cohorts if c.members.role]
    if not by_role:
        return
    seen = frozenset(roles)
    current = await sources(ctx, user)
    for cohort in by_role:
        if has_role(cohort, seen):
            if cohort.name not in current:
                await enrol(ctx, user, cohort.name, "role")
        elif complete and current.get(cohort.name) == "role":
            await unenrol(ctx, user, cohort.name)


async def on_member_updated(event: MemberUpdated, ctx: Ctx) -> None:
    await sync_roles(ctx, event.member, event.roles, complete=True)
