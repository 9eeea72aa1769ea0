"""What the sessions step does with a session or a deadline: open, announce, remind, follow up.

Every action's idempotency key is built from the session (or deadline) id, which is itself
deterministic (name + local start), so a planner that runs again, a replayed timer or a
restart never sends anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from cohortbot.playbook.actions import CreateLiveSession, PostMessage, SendDirectMessage
from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.messages import Button, ButtonStyle, Field, RichMessage, timestamp
from cohortbot.playbook.ports import Member, Timer
from cohortbot.playbook.refs import ChannelRef, UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.sessions.model import Deadline, Feedback, Session, SessionsConfig
from cohortbot.playbook.steps.sessions.store import SessionStore

__all__ = [
    "NO",
    "REMINDERS_OFF",
    "REMINDERS_ON",
    "YES",
    "FeedbackRequest",
    "attendees",
    "channel_for",
    "feedback_for",
    "follow_up",
    "open_deadline",
    "open_session",
    "remind",
    "remind_deadline",
    "reminders_text",
    "reminders_wanted",
    "request_feedback",
    "set_reminders",
    "store",
]

log = logging.getLogger("cohortbot.sessions")
Ctx = StepContext[SessionsConfig]

YES = "sessions:yes"
NO = "sessions:no"
REMINDERS_OFF = "sessions:reminders-off"
REMINDERS_ON = "sessions:reminders-on"


def store(ctx: Ctx) -> SessionStore:
    return SessionStore(ctx.uow.state, ctx.community)


def channel_for(ctx: Ctx, name: str | None) -> ChannelRef | None:
    """The session's own channel, else the step's, else announcements (else general)."""
    spec = name or ctx.config.channel
    if spec:
        return ChannelRef(ctx.community.platform, name=spec.removeprefix("#"))
    return ctx.channel("announcements") or ctx.channel("general")


def _is_link(location: str) -> bool:
    return location.startswith(("https://", "http://"))


def _link_button(url: str, label: str) -> tuple[Button, ...]:
    return (Button(label=label, action_id="sessions:link", url=url),) if _is_link(url) else ()


def _fill(ctx: Ctx, text: str, session: Session, *, link: str | None = None) -> str:
    when = timestamp(session.starts_at)
    filled = ctx.fill(text, title=session.title, when=when, link=session.location if link is None else link)
    return filled.strip()  # "{link}" at the end of a template may be empty


# ---------------------------------------------------------------------------- opening


async def open_session(ctx: Ctx, session: Session) -> None:
    """Store a new session, announce it with an RSVP, and plan its reminders and follow-up."""
    await store(ctx).save(session)
    _announce(ctx, session)
    for offset in ctx.config.reminders:
        due = session.starts_at - offset
        if due > ctx.now:  # a session created at short notice skips the early reminders
            secs = int(offset.total_seconds())
            await ctx.set_timer(f"r:{session.id}:{secs}", due, what="remind", session=session.id, offset=secs)
    follow_up_at = session.ends_at + ctx.config.follow_up_after
    await ctx.set_timer(f"f:{session.id}", follow_up_at, what="follow_up", session=session.id)


def _announce(ctx: Ctx, session: Session) -> None:
    cfg = ctx.config
    length = format_duration(session.ends_at - session.starts_at)
    fields = [Field(name="When", value=f"{timestamp(session.starts_at)} ({length})")]
    if session.location:
        fields.append(Field(name="Where", value=session.location))
    link = _link_button(session.location, "Join link")
    if ctx.capabilities.native_events:
        # The platform's event carries the RSVP ("Interested"); RsvpChanged reports it back.
        ctx.emit(
            CreateLiveSession(
                key=f"session-event:{ctx.community}:{session.id}",
                community=ctx.community,
                notify=True,  # ActionDelivered tells us the platform's event id
                title=session.title,
                description=session.description,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                location=session.location,
            )
        )
        text, buttons = _fill(ctx, cfg.native_announcement, session), link
    else:
        rsvp = (
            Button(label="I'll be there", action_id=YES, value=session.id, style=ButtonStyle.SUCCESS),
            Button(label="Can't make it", action_id=NO, value=session.id),
        )
        text, buttons = _fill(ctx, cfg.announcement, session), rsvp + link
    if session.description:
        text = f"{text}\n\n{session.description}"
    channel = channel_for(ctx, session.channel)
    if channel is None:
        log.warning("session %s: no channel to announce it in (set sessions.channel)", session.id)
        return
    ctx.emit(
        PostMessage(
            key=f"session-announce:{ctx.community}:{session.id}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(title=session.title, text=text, fields=tuple(fields), buttons=buttons),
        )
    )


async def open_deadline(ctx: Ctx, deadline: Deadline) -> None:
    await store(ctx).save_deadline(deadline)
    for secs in deadline.remind_before:
        due = deadline.due - timedelta(seconds=secs)
        if due > ctx.now:
            await ctx.set_timer(
                f"d:{deadline.id}:{secs}", due, what="deadline", deadline=deadline.id, offset=secs
            )


# ---------------------------------------------------------------------------- members' choices


def reminders_text(on: bool) -> str:
    if on:
        return "Session reminders are on: you'll get a DM before sessions you said you'd attend."
    return "Session reminders are off. `/cohort session reminders on` turns them back on."


def reminders_wanted(member: Member | None) -> bool:
    return member is None or member.data.get("sessions", {}).get("reminders", True) is not False


async def set_reminders(ctx: Ctx, user: UserRef, on: bool) -> None:
    member = await ctx.member(user) or Member(community=ctx.community, user=user, display_name=user.label)
    member.data.setdefault("sessions", {})["reminders"] = on
    await ctx.uow.members.save(member)


async def attendees(ctx: Ctx, session: Session) -> list[UserRef]:
    """Members who RSVPed yes and are still here (members the bot never saw count as here)."""
    found = []
    for uid in session.going:
        user = UserRef(ctx.community.platform, uid)
        member = await ctx.member(user)
        if member is None or member.present:
            found.append(member.user if member else user)
    return found


# ---------------------------------------------------------------------------- timers


async def remind(ctx: Ctx, session_id: str, offset: int) -> None:
    session = await store(ctx).session(session_id)
    if session is None or session.starts_at <= ctx.now:
        return  # gone, or the reminder came too late to be useful (downtime)
    message = RichMessage(
        text=_fill(ctx, ctx.config.reminder, session),
        buttons=(
            *_link_button(session.location, "Join link"),
            Button(label="Turn off session reminders", action_id=REMINDERS_OFF),
        ),
    )
    for user in await attendees(ctx, session):
        if not reminders_wanted(await ctx.member(user)):
            continue
        ctx.emit(
            SendDirectMessage(
                key=f"session-reminder:{ctx.community}:{session.id}:{offset}:{user.id}",
                community=ctx.community,
                to=user,
                message=message,
                fallback_channel=channel_for(ctx, session.channel),
            )
        )


class FeedbackRequest(Protocol):
    """The seam for feedback after a session (the surveys step can offer its own)."""

    async def __call__(
        self, ctx: Ctx, session: Session, attendees: Sequence[UserRef], feedback: Feedback
    ) -> None: ...


async def request_feedback(
    ctx: Ctx, session: Session, attendees: Sequence[UserRef], feedback: Feedback
) -> None:
    """A survey of the surveys step, or a DM with the feedback link, to each attendee."""
    if feedback.survey:
        # The surveys step's seam: a timer of kind "surveys.send" invites exactly these members.
        await ctx.uow.timers.set(
            Timer(
                key=f"surveys.send:{ctx.community}:session:{session.id}",
                community=ctx.community,
                due_at=ctx.now,
                kind="surveys.send",
                data={
                    "survey": feedback.survey,
                    "members": [u.id for u in attendees],
                    "reason": f"after {session.title}",
                },
            )
        )
        return
    for user in attendees:
        member = await ctx.member(user)
        text = ctx.fill(
            feedback.message,
            member=member or user,
            title=session.title,
            when=timestamp(session.starts_at),
            link=feedback.link,
        )
        ctx.emit(
            SendDirectMessage(
                key=f"session-feedback:{ctx.community}:{session.id}:{user.id}",
                community=ctx.community,
                to=user,
                message=RichMessage(text=text, buttons=_link_button(feedback.link, "Give feedback")),
            )
        )


def feedback_for(cfg: SessionsConfig, session: Session) -> Feedback | None:
    own = cfg.recurring(session.name) if session.recurring else None
    return (own.feedback if own else None) or cfg.feedback


async def follow_up(ctx: Ctx, session_id: str, request: FeedbackRequest) -> None:
    sessions = store(ctx)
    session = await sessions.session(session_id)
    if session is None or session.followed_up:
        return
    session.followed_up = True
    await sessions.save(session)
    channel = channel_for(ctx, session.channel)
    if channel is not None:
        text = _fill(ctx, ctx.config.follow_up, session)
        if session.notes:
            text += "\n" + _fill(ctx, ctx.config.notes, session, link=session.notes)
        ctx.emit(
            PostMessage(
                key=f"session-followup:{ctx.community}:{session.id}",
                community=ctx.community,
                channel=channel,
                message=RichMessage(text=text, buttons=_link_button(session.notes, "Notes & recording")),
            )
        )
    feedback = feedback_for(ctx.config, session)
    people = await attendees(ctx, session)
    if feedback is not None and people:
        await request(ctx, session, people, feedback)


async def remind_deadline(ctx: Ctx, deadline_id: str, offset: int) -> None:
    deadline = await store(ctx).deadline(deadline_id)
    if deadline is None or deadline.due <= ctx.now:
        return
    channel = channel_for(ctx, deadline.channel)
    if channel is None:
        log.warning("deadline %s: no channel for its reminder", deadline.id)
        return
    text = ctx.fill(ctx.config.deadline_reminder, title=deadline.title, when=timestamp(deadline.due))
    ctx.emit(
        PostMessage(
            key=f"deadline-reminder:{ctx.community}:{deadline.id}:{offset}",
            community=ctx.community,
            channel=channel,
            message=RichMessage(text=text),
        )
    )
