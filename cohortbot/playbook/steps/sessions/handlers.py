"""Live sessions: recurring and one-off sessions with RSVPs, reminders, follow-ups and deadlines.

- An hourly planner (``sessions.plan``) opens each recurring session's occurrences that fall
  within its ``announce_before`` window, computed with ``ctx.calendar`` from the session's
  cron (declared as a validate-only schedule). Moderators add one-off sessions and deadlines
  with ``/cohort session create`` and ``/cohort deadline add``.
- Platforms with native scheduled events (Discord) get one, and the RSVPs come back as
  ``RsvpChanged`` for its platform id (learnt from ``ActionDelivered``); elsewhere an RSVP
  card with buttons is posted.
- Members who RSVPed yes get reminders (unless they turned them off). A session may take
  attendance (``attendance.py``): a check-in button (online) or a code read out in the room
  (in person), open around its start.
- After the session, the attendees get the feedback request: a DM with a link, or a survey of
  the surveys step (a ``SurveyRequested`` message, see ``steps/surveys/api.py``). The
  attendees are the members who checked in when the session takes attendance, else the
  members who RSVPed yes.
- Texts may use the course calendar's ``{cohort}``, ``{week}``, ``{weeks}``, ``{week_theme}``
  and ``{weeks_left}`` (``steps/cohorts/api.py``): those of the session's week.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cohortbot.playbook.actions import CreateLiveSession
from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.events import ActionDelivered, ButtonPressed, RsvpChanged, ScheduleFired
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.sessions import privacy
from cohortbot.playbook.steps.sessions.attendance import on_check_in_button, open_check_in
from cohortbot.playbook.steps.sessions.commands import COMMANDS
from cohortbot.playbook.steps.sessions.config import SessionsConfig
from cohortbot.playbook.steps.sessions.lifecycle import (
    follow_up,
    forget_old,
    open_deadline,
    open_session,
    remind,
    remind_deadline,
    reminders_wanted,
    set_reminders,
)
from cohortbot.playbook.steps.sessions.model import (
    Deadline,
    EventLink,
    FollowUp,
    OpenCheckIn,
    Remind,
    RemindDeadline,
    Session,
    SessionsMember,
    deadline_id,
    session_id,
)
from cohortbot.playbook.steps.sessions.ui import (
    CHECK_IN,
    NO,
    REMINDERS_OFF,
    REMINDERS_ON,
    YES,
    reminders_text,
)
from cohortbot.playbook.steps.sessions.when import WhenError, parse_local

__all__ = ["STEP"]

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


async def _plan_recurring(ctx: Ctx) -> None:
    cfg, zone = ctx.config, ctx.playbook.zone
    for rs in cfg.sessions:
        horizon = ctx.now + max(rs.announce_before, PLAN_EVERY)
        for start in ctx.calendar.occurrences(rs.cron, ctx.playbook.timezone, ctx.now, horizon):
            sid = session_id(rs.name, start, zone)
            if await ctx.find(Session, sid) is not None:
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
                deadline = Deadline(
                    id=f"dl-{sid}",
                    title=rs.deadline.title,
                    due=session.ends_at + rs.deadline.after,
                    channel=rs.channel,
                    remind_before=[int(o.total_seconds()) for o in offsets],
                )
                await open_deadline(ctx, deadline)


async def _plan_deadlines(ctx: Ctx) -> None:
    cfg, zone = ctx.config, ctx.playbook.zone
    for dc in cfg.deadlines:
        try:
            due = parse_local(dc.due, zone)
        except WhenError as exc:
            log.warning("deadline %r skipped: %s", dc.title, exc)
            continue
        did = deadline_id(dc.title, due, zone)
        if due <= ctx.now or await ctx.find(Deadline, did) is not None:
            continue
        offsets = dc.remind_before or cfg.deadline_reminders
        deadline = Deadline(
            id=did,
            title=dc.title,
            due=due,
            channel=dc.channel,
            remind_before=[int(o.total_seconds()) for o in offsets],
        )
        await open_deadline(ctx, deadline)


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    if event.schedule != "sessions.plan":
        return
    await _plan_recurring(ctx)
    await _plan_deadlines(ctx)
    await forget_old(ctx, ctx.now)


# ---------------------------------------------------------------------------- RSVPs


async def on_delivered(event: ActionDelivered, ctx: Ctx) -> None:
    """The native event exists: remember its platform id so its RSVPs find our session."""
    prefix = ctx.key("event", "")
    if event.kind != CreateLiveSession.__name__ or not event.key.startswith(prefix) or not event.platform_id:
        return
    session = await ctx.find(Session, event.key.removeprefix(prefix))
    if session is None:
        return
    session.platform_id = event.platform_id
    await ctx.store(session, session.id)
    await ctx.store(EventLink(session=session.id), event.platform_id)


async def on_rsvp(event: RsvpChanged, ctx: Ctx) -> None:
    link = await ctx.find(EventLink, event.session_id)
    session = await ctx.find(Session, link.session) if link is not None else None
    if session is None:
        log.info("RSVP for unknown scheduled event %s ignored", event.session_id)
        return
    if event.attending:
        session.rsvp(event.user.id, True)
    else:  # "not interested any more": no longer an attendee (not a declared no)
        session.withdraw(event.user.id)
    await ctx.store(session, session.id)


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id == CHECK_IN:
        await on_check_in_button(event, ctx)
        return
    if event.action_id in (REMINDERS_OFF, REMINDERS_ON):
        on = event.action_id == REMINDERS_ON
        await set_reminders(ctx, event.actor.user, on)
        ctx.respond(event.interaction, reminders_text(on))
        return
    if event.action_id not in (YES, NO):
        return
    session = await ctx.find(Session, event.value)
    if session is None:
        ctx.respond(event.interaction, "This session is no longer on the calendar.")
        return
    if session.ends_at <= ctx.now:
        ctx.respond(event.interaction, f"**{literal(session.title)}** has already taken place.")
        return
    attending = event.action_id == YES
    changed = session.rsvp(event.actor.user.id, attending)
    await ctx.store(session, session.id)
    when = timestamp(session.starts_at)
    if not attending:
        ctx.respond(event.interaction, "Thanks for letting us know. Maybe next time!")
        return
    text = (
        f"Great, see you at **{literal(session.title)}** on {when}!"
        if changed
        else "You're already on the list."
    )
    offsets = [o for o in ctx.config.reminders if session.starts_at - o > ctx.now]
    if not reminders_wanted(ctx, await ctx.member(event.actor.user)):
        text += " (Session reminders are off for you: `/cohort session reminders on` turns them on.)"
    elif offsets:
        text += f" I'll remind you {' and '.join(format_duration(o) for o in offsets)} before."
    ctx.respond(event.interaction, text)


STEP = Step(
    name="sessions",
    config=SessionsConfig,
    handlers={
        ScheduleFired: on_schedule,
        ActionDelivered: on_delivered,
        RsvpChanged: on_rsvp,
        ButtonPressed: on_button,
    },
    timers={Remind: remind, OpenCheckIn: open_check_in, FollowUp: follow_up, RemindDeadline: remind_deadline},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Session, Deadline, EventLink),
    section=SessionsMember,
    export=privacy.export,
    forget=privacy.forget,
)
