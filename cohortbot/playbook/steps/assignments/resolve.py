"""Which assignment a member means: ``/cohort submit project ...`` names an assignment of
one of their cohorts.

A member in two cohorts that both have an assignment of that name gets the one **due next**:
of those still open to them (before their deadline, or a timed exercise not started yet), the
one due first; when all have closed, the one due last. They can name the other with
``COHORT/NAME`` (``summer/project``), and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from cohortbot.playbook.lengths import clip
from cohortbot.playbook.messages import literal
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import Work
from cohortbot.playbook.steps.assignments.moments import Moment, closes_at, moment_of, split_token
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["ECHOED", "NOT_IN_ONE", "Chosen", "Refusal", "choose", "cohort_title", "my_cohorts"]

Ctx = StepContext[AssignmentsConfig]
ECHOED = 40  # characters of a mistyped name shown back
NOT_IN_ONE = "Join yours with `/cohort course enrol NAME` (where the cohort allows it) or ask a facilitator."


@dataclass(frozen=True)
class Chosen:
    assignment: cohorts.Assignment
    moment: Moment
    work: Work
    others: tuple[cohorts.Assignment, ...]  # the same name due at other moments in their cohorts


@dataclass(frozen=True)
class Refusal:
    text: str


def cohort_title(ctx: Ctx, name: str) -> str:
    found = cohorts.calendar(ctx.loaded, name)
    return found.title if found is not None else name


async def my_cohorts(ctx: Ctx, user: UserRef) -> list[str]:
    member = await ctx.member(user)
    return cohorts.cohorts_of(member, ctx.loaded) if member is not None else []


def _yours(ctx: Ctx, mine: list[str]) -> str:
    names = sorted({a.name for a in cohorts.assignments(ctx.loaded) if a.cohort in mine})
    listed = ", ".join(f"`{n}`" for n in names) or "none yet"
    return f"Yours: {listed} (`/cohort assignment list` shows them with their due dates)."


async def choose(ctx: Ctx, user: UserRef, token: str) -> Chosen | Refusal:
    cohort, name = split_token(token)
    shown = literal(clip(token.strip(), ECHOED))
    mine = await my_cohorts(ctx, user)
    named = cohorts.assignment(ctx.loaded, name)
    if not mine:
        return Refusal(f"You're not in a cohort, so there's no assignment for you to submit. {NOT_IN_ONE}")
    if not named:
        return Refusal(f"There's no assignment named `{shown}`. {_yours(ctx, mine)}")
    if cohort is not None:
        if cohorts.calendar(ctx.loaded, cohort) is None:
            return Refusal(f"There's no cohort named `{literal(clip(cohort, ECHOED))}`. {_yours(ctx, mine)}")
        named = [a for a in named if a.cohort == cohort]
        if not named:
            return Refusal(
                f"{literal(cohort_title(ctx, cohort))} has no assignment named "
                f"`{literal(clip(name, ECHOED))}`. {_yours(ctx, mine)}"
            )
    found = [a for a in named if a.cohort in mine]
    if not found:
        theirs = ", ".join(sorted({cohort_title(ctx, a.cohort) for a in named}))
        return Refusal(
            f"**{literal(named[0].title)}** belongs to {literal(theirs)}, and you're not in "
            f"{'that cohort' if len(named) == 1 else 'those cohorts'}. {_yours(ctx, mine)}"
        )
    options = []
    for candidate in found:
        moment = moment_of(ctx.loaded, candidate)
        work = await ctx.load(Work, moment.id)
        closes = closes_at(candidate, work.started.get(user.id))
        still_open = candidate.due_at > ctx.now if closes is None else closes >= ctx.now
        options.append((candidate, moment, work, still_open))
    open_ones = [o for o in options if o[3]]
    pick = min(open_ones, key=lambda o: o[0].due_at) if open_ones else max(options, key=lambda o: o[0].due_at)
    others = tuple(o[0] for o in options if o[1].id != pick[1].id)
    return Chosen(assignment=pick[0], moment=pick[1], work=pick[2], others=others)
