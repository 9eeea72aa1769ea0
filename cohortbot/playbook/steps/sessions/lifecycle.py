"""A session's and a deadline's life: open and announce, remind, follow up, ask for feedback.

Every action's idempotency key is built from the session (or deadline) id, which is itself
deterministic (name + local start), so a planner that runs again, a replayed timer or a
restart never sends anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from cohortbot.playbook.actions import CreateLiveSession
from cohortbot.playbook.messages import RichMessage, literal, timestamp
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.sessions.attendance import plan_check_in, schedule_check_in
from cohortbot.playbook.steps.sessions.config import Feedback, SessionsConfig
from cohortbot.playbook.steps.sessions.model import (
    Deadline,
    EventLink,
    FollowUp,
    Remind,
    RemindDeadline,
    Session,
    SessionsMember,
)
from cohortbot.playbook.steps.sessions.ui import announcement, channel_for, fill, link_button, reminder, week
from cohortbot.playbook.steps.surveys.api import SurveyRequested

__all__ = [
    "KEEP",
    "all_deadlines",
    "all_sessions",
    "attendees",
    "follow_up",
    "forget_old",
    "open_deadline",
    "open_session",
    "remind",
    "remind_deadline",
    "reminders_wanted",
    "rsvped",
    "set_reminders",
]

log = logging.getLogger("cohortbot.sessions")
Ctx = StepContext[SessionsConfig]
KEEP = timedelta(days=30)  # finished sessions and passed deadlines are forgotten after this


# ---------------------------------------------------------------------------- the records


async def all_sessions(ctx: Ctx) -> list[Session]:
    found = [s for sid in await ctx.ids(Session) if (s := await ctx.find(Session, sid))]
    return sorted(found, key=lambda s: s.starts_at)


async def all_deadlines(ctx: Ctx) -> list[Deadline]:
    found = [d for did in await ctx.ids(Deadline) if (d := await ctx.find(Deadline, did))]
    return sorted(found, key=lambda d: d.due)


async def forget_old(ctx: Ctx, now: datetime) -> None:
    """Drop sessions that ended (and were followed up) and deadlines that passed long ago."""
    for session in await all_sessions(ctx):
        if session.ends_at > now - KEEP or not session.followed_up:
            continue
        await ctx.drop(Session, session.id)
        if session.platform_id:
            await ctx.drop(EventLink, session.platform_id)
    for deadline in await all_deadlines(ctx):
        if deadline.due <= now - KEEP:
            await ctx.drop(Deadline, deadline.id)


# ---------------------------------------------------------------------------- opening


async def open_session(ctx: Ctx, session: Session) -> None:
    """Store a new session, announce it with an RSVP, and plan its reminders, its check-in (when
    it takes attendance) and its follow-up."""
    spec = ctx.config.attendance_of(session.name if session.recurring else None)
    if spec is not None:
        plan_check_in(session, spec)
    await ctx.store(session, session.id)
    if ctx.capabilities.native_events:
        # The platform's event carries the RSVP ("Interested"); RsvpChanged reports it back.
        ctx.emit(
            CreateLiveSession(
                key=ctx.key("event", session.id),
                community=ctx.community,
                notify=True,  # ActionDelivered tells us the platform's event id
                title=literal(session.title),
                description=literal(session.description),
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                location=literal(session.location),
            )
        )
    channel = channel_for(ctx, session.channel)
    if channel is None:
        log.warning("session %s: no channel to announce it in (set sessions.channel)", session.id)
    else:
        ctx.post(channel, announcement(ctx, session), key=ctx.key("announce", session.id))
    for offset in ctx.config.reminders:
        due = session.starts_at - offset
        if due > ctx.now:  # a session created at short notice skips the early reminders
            secs = int(offset.total_seconds())
            await ctx.set_timer(Remind(session=session.id, offset=secs), due, name=f"{session.id}:{secs}")
    await schedule_check_in(ctx, session)
    follow_up_at = session.ends_at + ctx.config.follow_up_after
    await ctx.set_timer(FollowUp(session=session.id), follow_up_at, name=session.id)


async def open_deadline(ctx: Ctx, deadline: Deadline) -> None:
    await ctx.store(deadline, deadline.id)
    for secs in deadline.remind_before:
        due = deadline.due - timedelta(seconds=secs)
        if due > ctx.now:
            await ctx.set_timer(
                RemindDeadline(deadline=deadline.id, offset=secs), due, name=f"{deadline.id}:{secs}"
            )


# ---------------------------------------------------------------------------- members


def reminders_wanted(ctx: Ctx, member: Member | None) -> bool:
    return member is None or ctx.section(member, SessionsMember).reminders


async def set_reminders(ctx: Ctx, user: UserRef, on: bool) -> None:
    member = await ctx.touch_member(user)
    ctx.set_section(member, ctx.section(member, SessionsMember).model_copy(update={"reminders": on}))
    await ctx.uow.members.save(member)


async def _still_here(ctx: Ctx, ids: Sequence[str]) -> list[UserRef]:
    """The members of ``ids`` still here (members the bot never saw count as here)."""
    found = []
    for uid in ids:
        user = UserRef(ctx.community.platform, uid)
        member = await ctx.member(user)
        if member is None or member.present:
            found.append(member.user if member else user)
    return found


async def rsvped(ctx: Ctx, session: Session) -> list[UserRef]:
    """Members who RSVPed yes and are still here: they get the reminders."""
    return await _still_here(ctx, session.going)


async def attendees(ctx: Ctx, session: Session) -> list[UserRef]:
    """Who came, as far as the bot knows, and is still here: the members who checked in when
    the session takes attendance, else those who RSVPed yes."""
    return await _still_here(ctx, session.attended if session.check_in is not None else session.going)


# ---------------------------------------------------------------------------- timers


async def remind(payload: Remind, ctx: Ctx) -> None:
    session = await ctx.find(Session, payload.session)
    if session is None or session.starts_at <= ctx.now:
        return  # gone, or the reminder came too late to be useful (downtime)
    message = reminder(ctx, session)
    for user in await rsvped(ctx, session):
        if not reminders_wanted(ctx, await ctx.member(user)):
            continue
        ctx.dm(
            user,
            message,
            key=ctx.key("reminder", session.id, payload.offset, user.id),
            fallback=channel_for(ctx, session.channel),
        )


def _feedback_for(cfg: SessionsConfig, session: Session) -> Feedback | None:
    own = cfg.recurring(session.name) if session.recurring else None
    return (own.feedback if own else None) or cfg.feedback


async def _request_feedback(
    ctx: Ctx, session: Session, people: Sequence[UserRef], feedback: Feedback
) -> None:
    """A survey of the surveys step, or a DM with the feedback link, to each attendee."""
    if feedback.survey:
        ctx.publish(
            SurveyRequested(
                survey=feedback.survey,
                members=tuple(people),
                round=f"session-{session.id}",
                reason=f"after {session.title}",
            )
        )
        return
    for user in people:
        member = await ctx.member(user)
        text = ctx.fill(
            feedback.message,
            member=member or user,
            title=session.title,
            when=timestamp(session.starts_at),
            link=feedback.link,
            **week(ctx, session.starts_at, member),
        )
        message = RichMessage(text=text, buttons=link_button(feedback.link, "Give feedback"))
        ctx.dm(user, message, key=ctx.key("feedback", session.id, user.id))


async def follow_up(payload: FollowUp, ctx: Ctx) -> None:
    session = await ctx.find(Session, payload.session)
    if session is None or session.followed_up:
        return
    session.followed_up = True
    await ctx.store(session, session.id)
    people = await attendees(ctx, session)
    channel = channel_for(ctx, session.channel)
    # Nobody said they'd come (or checked in): no thanks to "everyone who joined" (the notes
    # still go out).
    thanks = ctx.config.follow_up if people else ctx.config.follow_up_nobody
    lines = [fill(ctx, thanks, session)] if thanks else []
    if session.notes:
        lines.append(fill(ctx, ctx.config.notes, session, link=session.notes))
    if channel is not None and lines:
        message = RichMessage(text="\n".join(lines), buttons=link_button(session.notes, "Notes & recording"))
        ctx.post(channel, message, key=ctx.key("follow-up", session.id))
    feedback = _feedback_for(ctx.config, session)
    if feedback is not None and people:
        await _request_feedback(ctx, session, people, feedback)


async def remind_deadline(payload: RemindDeadline, ctx: Ctx) -> None:
    deadline = await ctx.find(Deadline, payload.deadline)
    if deadline is None or deadline.due <= ctx.now:
        return
    channel = channel_for(ctx, deadline.channel)
    if channel is None:
        log.warning("deadline %s: no channel for its reminder", deadline.id)
        return
    values = week(ctx, deadline.due)
    values.update(title=deadline.title, when=timestamp(deadline.due))
    text = ctx.fill(ctx.config.deadline_reminder, member=None, **values)
    ctx.post(channel, text, key=ctx.key("deadline-reminder", deadline.id, payload.offset))
