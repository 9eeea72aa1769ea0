"""Opening and closing a Q&A, the hourly planner, and reading the stored ones."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.qa.config import LOCAL_FORMAT, QaConfig
from cohortbot.playbook.steps.qa.model import CloseQa, Current, Qa
from cohortbot.playbook.steps.qa.ui import announcement, channel_for, closing_post, summary

__all__ = [
    "all_qas",
    "close_qa",
    "current_qa",
    "forget_old",
    "moderator_users",
    "on_close_timer",
    "open_qa",
    "parse_local",
    "plan",
]

log = logging.getLogger("cohortbot.qa")
Ctx = StepContext[QaConfig]


class WhenError(ValueError):
    """A date and time we cannot use; the message is safe to show."""


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """``2026-03-05 18:00`` in ``zone`` -> aware UTC; WhenError with a clear message otherwise."""
    try:
        naive = datetime.strptime(text.strip(), LOCAL_FORMAT)
    except ValueError:
        raise WhenError(f"expected a date and time like 2026-03-05 18:00 ({zone.key} time)") from None
    if not 2000 <= naive.year <= 2100:
        raise WhenError("the date must be between 2000 and 2100")
    return naive.replace(tzinfo=zone).astimezone(UTC)


async def all_qas(ctx: Ctx) -> list[Qa]:
    found = [await ctx.find(Qa, qid) for qid in await ctx.ids(Qa)]
    return sorted((q for q in found if q is not None), key=lambda q: q.opened_at)


async def current_qa(ctx: Ctx) -> Qa | None:
    current = await ctx.find(Current)
    if current is None or current.qa is None:
        return None
    qa = await ctx.find(Qa, current.qa)
    return qa if qa is not None and qa.is_open else None


async def open_qa(ctx: Ctx, qa: Qa) -> None:
    """Store it as the open Q&A, announce it, and set its closing timer."""
    await ctx.store(qa, qa.id)
    await ctx.store(Current(qa=qa.id))
    channel = channel_for(ctx, qa)
    if channel is not None:
        ctx.post(channel, announcement(qa), key=ctx.key("open", qa.id))
    if qa.until is not None:
        await ctx.set_timer(CloseQa(qa=qa.id), qa.until, name=qa.id)


def moderator_users(ctx: Ctx) -> list[UserRef]:
    """The moderators the playbook names by id on this community's platform."""
    platform = ctx.community.platform
    found = []
    for entry in ctx.playbook.moderators.users:
        head, sep, tail = entry.partition(":")
        if sep and head != platform:
            continue
        found.append(UserRef(platform, tail if sep else entry))
    return found


async def close_qa(ctx: Ctx, qa: Qa, *, by: UserRef | None = None) -> None:
    """Close it: the unanswered questions in its channel, the summary to the moderators by DM."""
    qa.closed_at = ctx.now
    await ctx.store(qa, qa.id)
    current = await ctx.find(Current)
    if current is not None and current.qa == qa.id:
        await ctx.drop(Current)
    await ctx.cancel_timer(CloseQa, name=qa.id)
    channel = channel_for(ctx, qa)
    if channel is not None:
        ctx.post(channel, closing_post(ctx, qa), key=ctx.key("closed", qa.id))
    wanted = moderator_users(ctx)
    for user_id in (qa.opened_by, by.id if by else None):
        if user_id:
            wanted.append(UserRef(ctx.community.platform, user_id))
    card = summary(ctx, qa)
    fallback = ctx.channel("moderators")
    for user in list(dict.fromkeys(wanted))[:10]:
        ctx.dm(user, card, key=ctx.key("summary", qa.id, user.id), fallback=fallback)
    if not wanted and fallback is not None:
        ctx.post(fallback, card, key=ctx.key("summary", qa.id))


async def on_close_timer(payload: CloseQa, ctx: Ctx) -> None:
    qa = await ctx.find(Qa, payload.qa)
    if qa is not None and qa.is_open:
        await close_qa(ctx, qa)


async def plan(ctx: Ctx) -> None:
    """Open the playbook's Q&A whose time has come (one at a time), once each."""
    zone = ctx.playbook.zone
    if await current_qa(ctx) is not None:
        return
    for planned in ctx.config.planned:
        opens, until = parse_local(planned.opens, zone), parse_local(planned.until, zone)
        if not opens <= ctx.now < until or await ctx.find(Qa, planned.name) is not None:
            continue
        member = await ctx.member(UserRef(ctx.community.platform, planned.expert)) if planned.expert else None
        qa = Qa(
            id=planned.name,
            title=planned.title,
            description=planned.description,
            expert=planned.expert,
            expert_name=member.display_name if member else (planned.expert or ""),
            opened_at=ctx.now,
            until=until,
            channel=ctx.config.channel,
        )
        await open_qa(ctx, qa)
        return


async def forget_old(ctx: Ctx) -> None:
    """Closed Q&As (their questions) are kept ``keep_closed_for``, then deleted."""
    for qa in await all_qas(ctx):
        if qa.closed_at is not None and qa.closed_at + ctx.config.keep_closed_for <= ctx.now:
            await ctx.drop(Qa, qa.id)
