"""Matching members to roster rows: by email or handle when they join, by join code when
they give it (``/cohort course join CODE``, or a DM that is exactly the code), and what the import
CLI found on the platform (rows marked ``pending``, settled by :func:`reconcile`).

A matched row records the member's id, when and how; the member's section names the row; a
row with a cohort that takes roster members (``members.roster: true``) publishes
``cohorts.api.Enrol(source="roster")``. One member, one row: a row matched to someone else is
never taken over, and a member already on the roster is not matched to a second row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cohortbot.playbook.events import MemberJoined, MessagePosted
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext, TimerPayload
from cohortbot.playbook.steps.cohorts import api as cohorts
from cohortbot.playbook.steps.roster.codes import looks_like_code, normal_code
from cohortbot.playbook.steps.roster.config import RosterConfig
from cohortbot.playbook.steps.roster.model import MatchedBy, Pending, RosterMember, Row
from cohortbot.playbook.steps.roster.store import RosterStore
from cohortbot.playbook.steps.surveys.api import is_survey_answer

__all__ = [
    "Reconcile",
    "cohort_title",
    "on_direct_message",
    "on_member_joined",
    "reconcile",
    "takes_roster",
    "use_code",
]

log = logging.getLogger("cohortbot.steps.roster")
Ctx = StepContext[RosterConfig]

MAX_WRONG = 10  # wrong codes a member may try per day (a guess in 5e11 is no way in)
WRONG_WINDOW = timedelta(days=1)
NOT_A_CODE = "A join code has 8 letters and digits, like K7QX-M3PD: `/cohort course join K7QX-M3PD`."


class Reconcile(TimerPayload):
    """Set by the import CLI: settle the rows it changed (matches found, cohorts moved, rows
    removed)."""


def takes_roster(ctx: Ctx, cohort: str) -> bool:
    """Whether ``cohort`` exists and takes members from the roster (``members.roster``)."""
    cfg = cohorts.config(ctx.loaded)
    found = cfg.cohort(cohort) if cfg is not None and cohort else None
    return found is not None and found.members.roster


def cohort_title(ctx: Ctx, cohort: str) -> str:
    found = cohorts.calendar(ctx.loaded, cohort)
    return found.title if found is not None else cohort


def _settle_cohort(ctx: Ctx, row: Row, user: UserRef) -> Row:
    """Publish what puts the member in the row's cohort (and out of the one the roster put
    them in before); the row remembers which it is."""
    wanted = row.cohort if takes_roster(ctx, row.cohort) else None
    if row.enrolled == wanted:
        return row
    if row.enrolled:
        ctx.publish(cohorts.Unenrol(member=user, cohort=row.enrolled))
    if wanted:
        ctx.publish(cohorts.Enrol(member=user, cohort=wanted, source="roster"))
    return row.model_copy(update={"enrolled": wanted})


async def _record(ctx: Ctx, store: RosterStore, rid: str, row: Row, user: UserRef, how: MatchedBy) -> Row:
    member = await ctx.touch_member(user)
    ctx.set_section(member, ctx.section(member, RosterMember).model_copy(update={"row": rid}))
    await ctx.uow.members.save(member)
    matched = row.model_copy(
        update={
            "member": user.id,
            "joined_at": row.joined_at if row.member == user.id else ctx.now,
            "matched_by": row.matched_by if row.member == user.id else how,
            "pending": False,
        }
    )
    matched = _settle_cohort(ctx, matched, user)
    await store.put(rid, matched)
    await store.flush()
    return matched


async def _current_row(ctx: Ctx, store: RosterStore, user: UserRef) -> tuple[str, Row] | None:
    """The row ``user`` is matched to already, if any."""
    member = await ctx.member(user)
    rid = ctx.section(member, RosterMember).row if member is not None else ""
    row = await store.row(rid) if rid else None
    return (rid, row) if row is not None and row.member == user.id else None


async def on_member_joined(event: MemberJoined, ctx: Ctx) -> None:
    """A member who joins is matched by the email (Slack) or handle the platform gives."""
    if event.is_bot:
        return
    store = RosterStore(ctx.docs)
    if await _current_row(ctx, store, event.member) is not None:
        return  # back again: already on the roster
    how: MatchedBy = "email"
    found = await store.by_email(event.email) if event.email else None
    if found is None and event.handle:
        how, found = "handle", await store.by_handle(event.handle)
    if found is None:
        return
    rid, row = found
    if row.member is not None and row.member != event.member.id:
        log.warning("roster row %s is matched to another member already; %s not matched", rid, event.member)
        return
    await _record(ctx, store, rid, row, event.member, how)


async def use_code(ctx: Ctx, user: UserRef, text: str) -> str:
    """Match ``user`` by the join code in ``text``; the answer to give them."""
    code = normal_code(text)
    if code is None:
        return NOT_A_CODE
    member = await ctx.touch_member(user)
    section = ctx.section(member, RosterMember)
    if section.wrong >= MAX_WRONG and section.wrong_since and ctx.now - section.wrong_since < WRONG_WINDOW:
        return "Too many wrong join codes today. Try again tomorrow, or ask a facilitator for help."
    store = RosterStore(ctx.docs)
    found = await store.by_code(code)
    current = await _current_row(ctx, store, user)
    if found is None:
        fresh = section.wrong_since is None or ctx.now - section.wrong_since >= WRONG_WINDOW
        update = {"wrong": 1, "wrong_since": ctx.now} if fresh else {"wrong": section.wrong + 1}
        ctx.set_section(member, section.model_copy(update=update))
        await ctx.uow.members.save(member)
        return ctx.fill(ctx.config.unknown_code, member=member)
    rid, row = found
    if row.member is not None and row.member != user.id:
        return (
            "That join code was used by another member already. If it is yours, ask a facilitator for help."
        )
    if row.member == user.id:
        return "You used your join code already: you're on the roster. Welcome back!"
    if current is not None and current[0] != rid:
        return (
            "You're on the roster already (with another join code). A facilitator can help if that's wrong."
        )
    matched = await _record(ctx, store, rid, row, user, "code")
    if matched.enrolled:
        title = cohort_title(ctx, matched.enrolled)
        return ctx.fill(ctx.config.accepted_cohort, member=member, cohort=title)
    return ctx.fill(ctx.config.accepted, member=member)


async def on_direct_message(event: MessagePosted, ctx: Ctx) -> None:
    """A DM to the bot that is exactly a join code (unless it answers a survey question)."""
    if not ctx.config.read_dms or not event.is_direct or event.is_bot or not looks_like_code(event.text):
        return
    member = await ctx.touch_member(event.author)
    if await is_survey_answer(ctx.uow, ctx.loaded, member, event.text):
        return
    answer = await use_code(ctx, event.author, event.text)
    ctx.dm(event.author, answer, key=ctx.key("code", event.event_id))


async def reconcile(timer: Reconcile, ctx: Ctx) -> None:
    """Settle what the import CLI changed: record the members its platform lookup found, move
    matched members whose row's cohort changed, take removed rows' members out."""
    store = RosterStore(ctx.docs)
    for rid, row in (await store.all_rows()).items():
        if not row.pending:
            continue
        if row.member is None:
            await store.put(rid, row.model_copy(update={"pending": False}))
            continue
        await _record(
            ctx, store, rid, row, UserRef(ctx.community.platform, row.member), row.matched_by or "lookup"
        )
    pending = await ctx.find(Pending)
    for member_id, cohort in pending.removed if pending is not None else []:
        user = UserRef(ctx.community.platform, member_id)
        if cohort:
            ctx.publish(cohorts.Unenrol(member=user, cohort=cohort))
        member = await ctx.member(user)
        rid = ctx.section(member, RosterMember).row if member is not None else ""
        if member is not None and rid and await store.row(rid) is None:
            ctx.set_section(member, None)
            await ctx.uow.members.save(member)
    await ctx.drop(Pending)
    await store.flush()
