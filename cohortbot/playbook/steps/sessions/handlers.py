"""Live sessions: recurring and one-off sessions with RSVPs, reminders, follow-ups and deadlines.

- An hourly planner (``sessions.plan``) opens each recurring session's occurrences that fall
  within its ``announce_before`` window, computed with ``ctx.calendar`` from the session's
  cron (declared as a validate-only schedule). Moderators add one-off sessions and deadlines
  with ``/cohort session create`` and ``/cohort deadline add``.
- Platforms with native scheduled events (Discord) get one, and the RSVPs come back as
  ``RsvpChanged`` for its platform id (learnt from ``ActionDelivered``); elsewhere an RSVP
  card with buttons is posted.
- The attendees are the members who RSVPed yes: only they get reminders (unless they turned
  them off), and only they get the feedback request after the session.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.events import (
    ActionDelivered,
    ButtonPressed,
    RsvpChanged,
    ScheduleFired,
    TimerFired,
)
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import Handler, ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.sessions.commands import COMMANDS
from cohortbot.playbook.steps.sessions.model import (
    Deadline,
    Session,
    SessionsConfig,
    WhenError,
    deadline_id,
    parse_local,
    session_id,
)
from cohortbot.playbook.steps.sessions.ops import (
    NO,
    REMINDERS_OFF,
    REMINDERS_ON,
    YES,
    FeedbackRequest,
    follow_up,
    open_deadline,
    open_session,
    remind,
    remind_deadline,
    reminders_text,
    reminders_wanted,
    request_feedback,
    set_reminders,
    store,
)

__all__ = ["STEP", "SessionsConfig", "build_step"]

log = logging.getLogger("cohortbot.sessions")
Ctx = StepContext[SessionsConfig]
PLAN_EVERY = timedelta(hours=1)


def schedules(cfg: SessionsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    specs = [ScheduleSpec(name="plan", cron="0 * * * *")]
    specs += [
        ScheduleSpec(name=f"session-{s.name}", cron=s.cron, fires=False, where=("sessions", i, "cron"))
        for i, s in enumerate(cfg.sessions)
    ]
    return specs


# ---------------------------------------------------------------------------- planning


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    if event.schedule != "sessions.plan":
        return
    cfg, zone, sessions = ctx.config, ctx.playbook.zone, store(ctx)
    for rs in cfg.sessions:
        horizon = ctx.now + max(rs.announce_before, PLAN_EVERY)
        for start in ctx.calendar.occurrences(rs.cron, ctx.playbook.timezone, ctx.now, horizon):
            sid = session_id(rs.name, start, zone)
            if await sessions.session(sid) is not None:
                continue  # announced by an earlier run
            session = Session(
                id=sid,
                name=rs.name,
                title=rs.title,
                starts_at=start,
                ends_at=start + rs.duration,
                description=rs.description,
                location=rs.location,
                channel=rs.channel,
                recurring=True,
            )
            await open_session(ctx, session)
            if rs.deadline is not None:
                offsets = rs.deadline.remind_before or cfg.deadline_reminders
                await open_deadline(
                    ctx,
                    Deadline(
                        id=f"dl-{sid}",
                        title=rs.deadline.title,
                        due=session.ends_at + rs.deadline.after,
                        channel=rs.channel,
                        remind_before=[int(o.total_seconds()) for o in offsets],
                    ),
                )
    for dc in cfg.deadlines:
        try:
            due = parse_local(dc.due, zone)
        except WhenError as exc:
            log.warning("deadline %r skipped: %s", dc.title, exc)
            continue
        did = deadline_id(dc.title, due, zone)
        if due <= ctx.now or await sessions.deadline(did) is not None:
            continue
        offsets = dc.remind_before or cfg.deadline_reminders
        await open_deadline(
            ctx,
            Deadline(
                id=did,
                title=dc.title,
                due=due,
                channel=dc.channel,
                remind_before=[int(o.total_seconds()) for o in offsets],
            ),
        )
    await sessions.forget_old(ctx.now)


def _on_timer(request: FeedbackRequest) -> Handler:
    async def on_timer(event: TimerFired, ctx: Ctx) -> None:
        what, data = event.data.get("what"), event.data
        if what == "remind":
            await remind(ctx, str(data["session"]), int(data["offset"]))
        elif what == "follow_up":
            await follow_up(ctx, str(data["session"]), request)
        elif what == "deadline":
            await remind_deadline(ctx, str(data["deadline"]), int(data["offset"]))

    return on_timer


# ---------------------------------------------------------------------------- RSVPs


def _rsvp(session: Session, user_id: str, attending: bool) -> bool:
    """Record a yes or a no; False if it changes nothing."""
    before = (user_id in session.going, user_id in session.declined)
    session.going = [u for u in session.going if u != user_id]
    session.declined = [u for u in session.declined if u != user_id]
    (session.going if attending else session.declined).append(user_id)
    return before != (attending, not attending)


async def on_delivered(event: ActionDelivered, ctx: Ctx) -> None:
    """The native event exists: remember its platform id so its RSVPs find our session."""
    if not event.key.startswith("session-event:") or not event.platform_id:
        return
    sessions = store(ctx)
    session = await sessions.session(event.key.rpartition(":")[2])
    if session is None:
        return
    session.platform_id = event.platform_id
    await sessions.save(session)
    await sessions.link_event(event.platform_id, session.id)


async def on_rsvp(event: RsvpChanged, ctx: Ctx) -> None:
    sessions = store(ctx)
    session = await sessions.by_event(event.session_id)
    if session is None:
        log.info("RSVP for unknown scheduled event %s ignored", event.session_id)
        return
    if event.attending:
        _rsvp(session, event.user.id, True)
    else:  # "not interested any more": no longer an attendee (not a declared no)
        session.going = [u for u in session.going if u != event.user.id]
    await sessions.save(session)


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id in (REMINDERS_OFF, REMINDERS_ON):
        on = event.action_id == REMINDERS_ON
        await set_reminders(ctx, event.actor.user, on)
        ctx.respond(event.interaction, reminders_text(on))
        return
    if event.action_id not in (YES, NO):
        return
    sessions = store(ctx)
    session = await sessions.session(event.value)
    if session is None:
        ctx.respond(event.interaction, "This session is no longer on the calendar.")
        return
    if session.ends_at <= ctx.now:
        ctx.respond(event.interaction, f"**{session.title}** has already taken place.")
        return
    attending = event.action_id == YES
    changed = _rsvp(session, event.actor.user.id, attending)
    await sessions.save(session)
    when = timestamp(session.starts_at)
    if not attending:
        ctx.respond(event.interaction, "Thanks for letting us know. Maybe next time!")
        return
    text = f"Great, see you at **{session.title}** on {when}!" if changed else "You're already on the list."
    offsets = [o for o in ctx.config.reminders if session.starts_at - o > ctx.now]
    if not reminders_wanted(await ctx.member(event.actor.user)):
        text += " (Session reminders are off for you: `/cohort session reminders on` turns them on.)"
    elif offsets:
        text += f" I'll remind you {' and '.join(format_duration(o) for o in offsets)} before."
    ctx.respond(event.interaction, text)


def build_step(*, feedback: FeedbackRequest = request_feedback) -> Step[SessionsConfig]:
    """The step; ``feedback`` is how attendees are asked for feedback (the surveys seam)."""
    return Step(
        name="sessions",
        config=SessionsConfig,
        handlers={
            ScheduleFired: on_schedule,
            TimerFired: _on_timer(feedback),
            ActionDelivered: on_delivered,
            RsvpChanged: on_rsvp,
            ButtonPressed: on_button,
        },
        commands=COMMANDS,
        schedules=schedules,
    )


STEP = build_step()
