"""The ``/cohort session ...`` and ``/cohort deadline add`` commands of the sessions step.

WHEN is ``YYYY-MM-DD HH:MM`` in the community's time zone. The option values are read as one
line of words from the right (``... DATE TIME DURATION``), so WHEN may be quoted or not and a
title may be several words on every platform.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.durations import format_duration, parse_duration
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.sessions.attendance import checkin_command, code_command
from cohortbot.playbook.steps.sessions.config import SessionsConfig
from cohortbot.playbook.steps.sessions.lifecycle import (
    all_deadlines,
    all_sessions,
    open_deadline,
    open_session,
    set_reminders,
)
from cohortbot.playbook.steps.sessions.model import Deadline, Session, deadline_id, session_id, slug
from cohortbot.playbook.steps.sessions.ui import channel_for, fill, reminders_text
from cohortbot.playbook.steps.sessions.when import WhenError, parse_local

__all__ = ["COMMANDS"]

Ctx = StepContext[SessionsConfig]
MAX_LENGTH = timedelta(days=1)
LISTED = 15
_CLOCK = re.compile(r"^\d{1,2}:\d{2}$")


def _words(event: CommandInvoked, *names: str) -> list[str]:
    """All option values as words: WHEN may be quoted or not, titles may be several words."""
    return " ".join(str(event.options.get(n, "")) for n in names).split()


def _parse_when(ctx: Ctx, text: str) -> str | None:
    """None if fine, else the error to show."""
    try:
        moment = parse_local(text, ctx.playbook.zone)
    except WhenError as exc:
        return str(exc)
    if moment <= ctx.now:
        now = ctx.now.astimezone(ctx.playbook.zone).strftime("%Y-%m-%d %H:%M")
        return (
            f"{literal(text)} is in the past (it is {now} {ctx.playbook.timezone} now); pick a future time."
        )
    return None


async def create(event: CommandInvoked, ctx: Ctx) -> None:
    words = _words(event, "title", "when", "duration")
    usage = 'Usage: `/cohort session create "TITLE" YYYY-MM-DD HH:MM DURATION`, e.g. 2026-03-05 18:00 1h'
    if len(words) >= 3 and _CLOCK.match(words[-1]):
        ctx.respond(event.interaction, f"DURATION is missing. {usage}")
        return
    if len(words) < 4:
        ctx.respond(event.interaction, f"I need a title, a date and time, and a duration. {usage}")
        return
    title, when, length = " ".join(words[:-3]), " ".join(words[-3:-1]), words[-1]
    problem = _parse_when(ctx, when)
    if problem:
        ctx.respond(event.interaction, problem)
        return
    try:
        duration = parse_duration(length)
    except ValueError:
        ctx.respond(event.interaction, f"DURATION must look like 45m, 1h or 1h30m, not {length!r}.")
        return
    if not timedelta(0) < duration <= MAX_LENGTH:
        ctx.respond(event.interaction, "DURATION must be longer than 0 and at most 1d.")
        return
    zone = ctx.playbook.zone
    start = parse_local(when, zone)
    sid = session_id(title, start, zone)
    if await ctx.find(Session, sid) is not None:
        ctx.respond(event.interaction, f"**{literal(title)}** at that time already exists (id `{sid}`).")
        return
    session = Session(
        id=sid,
        name=slug(title),
        title=title,
        starts_at=start,
        ends_at=start + duration,
        location=ctx.config.location,
    )
    await open_session(ctx, session)
    channel = channel_for(ctx, None)
    where = f" and announced in <#{channel.label}>" if channel else " (no channel to announce it in)"
    ctx.respond(
        event.interaction, f"Created **{literal(title)}** on {timestamp(start)}{where}. Its id: `{sid}`."
    )


async def list_sessions(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config
    me = event.actor.user.id
    stored = await all_sessions(ctx)
    known = {s.id for s in stored}
    rows: list[tuple[float, str]] = []
    for s in stored:
        if s.ends_at <= ctx.now:
            continue
        mine = " · you're going" if me in s.going else ""
        came = f" · {len(s.attended)} checked in" if s.check_in and s.check_in.opens_at <= ctx.now else ""
        line = (
            f"- **{literal(s.title)}** — {timestamp(s.starts_at)} · {len(s.going)} going{mine}{came}"
            f" · id `{s.id}`"
        )
        rows.append((s.starts_at.timestamp(), line))
    for rs in cfg.sessions:  # occurrences not announced yet
        until = ctx.now + cfg.list_ahead
        for start in ctx.calendar.occurrences(rs.cron, ctx.playbook.timezone, ctx.now, until):
            if session_id(rs.name, start, ctx.playbook.zone) not in known:
                opens = start - rs.announce_before
                rsvp = f"RSVP from {timestamp(opens)}" if opens > ctx.now else "RSVP opens soon"
                rows.append((start.timestamp(), f"- **{literal(rs.title)}** — {timestamp(start)} · {rsvp}"))
    rows.sort()
    lines = [line for _, line in rows[:LISTED]] or ["No sessions planned."]
    deadlines = [d for d in await all_deadlines(ctx) if d.due > ctx.now]
    if deadlines:
        lines += ["", "**Deadlines**"]
        lines += [f"- **{literal(d.title)}** — closes {timestamp(d.due)}" for d in deadlines[:LISTED]]
    text = "\n".join(fit_lines(lines, ctx.capabilities.max_message_length))
    ctx.respond(event.interaction, text, title="Upcoming sessions")


async def notes(event: CommandInvoked, ctx: Ctx) -> None:
    sid, link = str(event.options["session"]), str(event.options["link"]).strip()
    if not link.startswith(("https://", "http://")):
        ctx.respond(event.interaction, f"LINK must start with https:// (got {literal(repr(link))}).")
        return
    session = await ctx.find(Session, sid)
    if session is None:
        ctx.respond(event.interaction, f"No session with id `{sid}`. `/cohort session list` shows the ids.")
        return
    session.notes = link
    await ctx.store(session, session.id)
    if not session.followed_up:
        ctx.respond(
            event.interaction, f"Saved: the follow-up after **{literal(session.title)}** will link it."
        )
        return
    digest = hashlib.sha256(link.encode()).hexdigest()[:12]
    channel = channel_for(ctx, session.channel)
    if channel is not None:
        text = fill(ctx, ctx.config.notes, session, link=link)
        ctx.post(channel, text, key=ctx.key("notes", session.id, digest))
    ctx.respond(event.interaction, f"Saved and posted the notes for **{literal(session.title)}**.")


async def history(event: CommandInvoked, ctx: Ctx) -> None:
    """Sessions that started (kept 30 days), newest first: RSVPs against who checked in."""
    past = [s for s in await all_sessions(ctx) if s.starts_at <= ctx.now]
    lines = []
    for s in reversed(past):
        line = f"- **{literal(s.title)}** — {timestamp(s.starts_at)} · {len(s.going)} RSVPed yes · "
        if s.check_in is None:
            line += "no attendance taken"
        else:
            unannounced = len(set(s.attended) - set(s.going))
            extra = f", {unannounced} without an RSVP" if unannounced else ""
            line += f"{len(s.attended)} checked in{extra}"
        lines.append(f"{line} · id `{s.id}`")
    body = lines or ["No session has taken place in the last 30 days."]
    text = "\n".join(fit_lines(body, ctx.capabilities.max_message_length))
    ctx.respond(event.interaction, text, title="Past sessions: RSVPs and attendance")


async def reminders(event: CommandInvoked, ctx: Ctx) -> None:
    on = event.options.get("setting") == "on"
    await set_reminders(ctx, event.actor.user, on)
    ctx.respond(event.interaction, reminders_text(on))


async def add_deadline(event: CommandInvoked, ctx: Ctx) -> None:
    words = _words(event, "title", "when")
    if len(words) < 3:
        usage = 'Usage: `/cohort deadline add "TITLE" YYYY-MM-DD HH:MM`'
        ctx.respond(event.interaction, f"I need a title and a date and time. {usage}")
        return
    title, when = " ".join(words[:-2]), " ".join(words[-2:])
    problem = _parse_when(ctx, when)
    if problem:
        ctx.respond(event.interaction, problem)
        return
    zone = ctx.playbook.zone
    due = parse_local(when, zone)
    did = deadline_id(title, due, zone)
    if await ctx.find(Deadline, did) is not None:
        ctx.respond(event.interaction, f"The deadline **{literal(title)}** at that time already exists.")
        return
    offsets = ctx.config.deadline_reminders
    secs = [int(o.total_seconds()) for o in offsets]
    await open_deadline(ctx, Deadline(id=did, title=title, due=due, remind_before=secs))
    before = " and ".join(format_duration(o) for o in offsets)
    ctx.respond(
        event.interaction, f"Added **{literal(title)}**, closing {timestamp(due)}. Reminders {before} before."
    )


_TITLE = OptionSpec(name="title", description="What the session is called")
_WHEN = OptionSpec(name="when", description="YYYY-MM-DD HH:MM, the community's time zone")

COMMANDS: tuple[Command, ...] = (
    command(
        "session create",
        "Plan a live session and announce it with an RSVP",
        create,
        _TITLE,
        _WHEN,
        OptionSpec(name="duration", description="How long: 45m, 1h, 1h30m", rest=True),
        moderator=True,
    ),
    command("session list", "Upcoming sessions with RSVP counts", list_sessions),
    command("session history", "Past sessions: RSVPs and who checked in", history, moderator=True),
    command(
        "session code",
        "The check-in code of a session, to read out in the room",
        code_command,
        OptionSpec(name="session", description="The session id (default: the next one)", required=False),
        moderator=True,
    ),
    command(
        "session checkin",
        "Check in to the session you're at, with the code read out there",
        checkin_command,
        OptionSpec(name="code", description="The code, e.g. HXR-47K", rest=True),
    ),
    command(
        "session notes",
        "Link a session's recording or notes (posted after it)",
        notes,
        OptionSpec(name="session", description="The session id (see /cohort session list)"),
        OptionSpec(name="link", description="https://..."),
        moderator=True,
    ),
    command(
        "session reminders",
        "Turn your session reminders off or on",
        reminders,
        OptionSpec(name="setting", description="off or on", choices=("off", "on")),
    ),
    command(
        "deadline add",
        "Add a deadline; reminders are posted before it closes",
        add_deadline,
        OptionSpec(name="title", description="What closes"),
        OptionSpec(name="when", description="YYYY-MM-DD HH:MM, the community's time zone", rest=True),
        moderator=True,
    ),
)
