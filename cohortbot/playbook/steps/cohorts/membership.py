"""Putting members into cohorts and taking them out: the section and the roll, together."""

from __future__ import annotations

import bisect
import logging

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.cohorts.api import Enrol, Unenrol
from cohortbot.playbook.steps.cohorts.config import CohortsConfig
from cohortbot.playbook.steps.cohorts.model import CohortsMember, Roll, Source

__all__ = ["enrol", "on_enrol", "on_unenrol", "unenrol"]

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
