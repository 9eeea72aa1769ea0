"""Taking attendance: a check-in button (online) or a code read out in the room (in person).

A session takes attendance when its playbook entry (or the step, for created sessions and
recurring ones without their own) has an ``attendance`` section. When the session is opened
its :class:`~.model.CheckIn` is fixed: when check-in opens and closes, and for in-person
check-in a random code (:func:`new_code`: six characters without look-alikes such as 0/O or
1/I/L, shown as ``HXR-47K``). When check-in opens, the card with a **Check in** button goes
to the session's channel and the code to the moderators' channel; ``/cohort session code``
shows it to a moderator any time. Members check in with the button or ``/cohort session checkin
CODE``; a member who types wrong codes gets :data:`WRONG_CODES` tries an hour, so guessing
one (20**6 codes) is hopeless. Check-ins are member ids in the session; the follow-up's
feedback goes to them.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from cohortbot.playbook.events import ButtonPressed, CommandInvoked
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.sessions.config import Attendance, SessionsConfig
from cohortbot.playbook.steps.sessions.model import CheckIn, OpenCheckIn, Session, SessionsMember
from cohortbot.playbook.steps.sessions.ui import channel_for, check_in_card

__all__ = [
    "ALPHABET",
    "WRONG_CODES",
    "check_in",
    "checkin_command",
    "code_command",
    "new_code",
    "normalized",
    "on_check_in_button",
    "open_check_in",
    "plan_check_in",
    "schedule_check_in",
    "shown",
]

log = logging.getLogger("cohortbot.sessions")
Ctx = StepContext[SessionsConfig]

ALPHABET = "ACEFHJKMNPRTWXY34679"  # no 0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V
CODE_LENGTH = 6
EXAMPLE = "HXR-47K"
WRONG_CODES = 5  # wrong codes a member may type per WRONG_WINDOW
WRONG_WINDOW = timedelta(hours=1)
TYPED_MAX = 40  # characters of a typed code looked at (or an id echoed)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """``HXR47K`` as read out and shown: ``HXR-47K``."""
    return f"{code[:3]}-{code[3:]}"


def normalized(typed: str) -> str | None:
    """The code a member typed, as stored (any case, dashes and spaces ignored), or None if it
    cannot be a code at all."""
    if len(typed) > TYPED_MAX:
        return None
    compact = re.sub(r"[\s-]", "", typed).upper()
    if len(compact) != CODE_LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return compact


async def _sessions(ctx: Ctx) -> list[Session]:
    found = [s for sid in await ctx.ids(Session) if (s := await ctx.find(Session, sid))]
    return sorted(found, key=lambda s: s.starts_at)


# ---------------------------------------------------------------------------- opening


def plan_check_in(session: Session, spec: Attendance) -> None:
    """Fix the session's check-in (before it is first stored): closes at its end at the latest."""
    session.check_in = CheckIn(
        mode=spec.check_in,
        opens_at=session.starts_at - spec.opens_before,
        closes_at=min(session.starts_at + spec.closes_after, session.ends_at),
        code=new_code() if spec.code else "",
    )


async def schedule_check_in(ctx: Ctx, session: Session) -> None:
    """Open check-in when it is due (at once for a session created at short notice)."""
    ci = session.check_in
    if ci is None or ci.closes_at <= ctx.now:
        return
    if ci.opens_at > ctx.now:
        await ctx.set_timer(OpenCheckIn(session=session.id), ci.opens_at, name=session.id)
    else:
        _announce(ctx, session, ci)


def _code_text(session: Session, ci: CheckIn) -> str:
    code = shown(ci.code)
    return (
        f"Check-in code for **{literal(session.title)}** ({timestamp(session.starts_at)}): **{code}**\n"
        f"Read it out in the room: members check in with `/cohort session checkin {code}` from "
        f"{timestamp(ci.opens_at)} until {timestamp(ci.closes_at)}."
    )


def _announce(ctx: Ctx, session: Session, ci: CheckIn) -> None:
    if ci.button:
        channel = channel_for(ctx, session.channel)
        if channel is None:
            log.warning("session %s: no channel for its check-in card", session.id)
        else:
            ctx.post(channel, check_in_card(ctx, session), key=ctx.key("check-in", session.id))
    if ci.code:
        moderators = ctx.channel("moderators")
        if moderators is None:
            log.warning("session %s: no moderators channel for its check-in code", session.id)
        else:
            ctx.post(moderators, _code_text(session, ci), key=ctx.key("check-in-code", session.id))


async def open_check_in(payload: OpenCheckIn, ctx: Ctx) -> None:
    session = await ctx.find(Session, payload.session)
    if session is None or session.check_in is None or session.check_in.closes_at <= ctx.now:
        return  # gone, or opened too late to be of use (downtime)
    _announce(ctx, session, session.check_in)


# ---------------------------------------------------------------------------- checking in


async def check_in(ctx: Ctx, session: Session, user: UserRef) -> str:
    """Record ``user`` at ``session`` while its check-in is open; the answer to show them."""
    ci, title = session.check_in, literal(session.title)
    if ci is None:
        return f"**{title}** takes no attendance."
    if ctx.now < ci.opens_at:
        return f"Check-in for **{title}** opens {timestamp(ci.opens_at)}."
    if ctx.now >= ci.closes_at:
        return f"Check-in for **{title}** closed at {timestamp(ci.closes_at)}."
    if not session.check(user.id):
        return f"You're already checked in to **{title}**."
    await ctx.store(session, session.id)
    return f"You're checked in to **{title}**. Enjoy the session!"


async def on_check_in_button(event: ButtonPressed, ctx: Ctx) -> None:
    session = await ctx.find(Session, event.value)
    if session is None:
        ctx.respond(event.interaction, "This session is no longer on the calendar.")
        return
    ctx.respond(event.interaction, await check_in(ctx, session, event.actor.user))


async def checkin_command(event: CommandInvoked, ctx: Ctx) -> None:
    """``/cohort session checkin CODE``: wrong codes are counted per member, malformed ones are not."""
    typed = str(event.options.get("code", "")).strip()
    code = normalized(typed)
    if code is None:
        ctx.respond(
            event.interaction,
            f"A check-in code is {CODE_LENGTH} letters and digits, like {EXAMPLE}: the moderators "
            "read it out in the room. Type `/cohort session checkin CODE`.",
        )
        return
    user = event.actor.user
    member = await ctx.touch_member(user)
    section = ctx.section(member, SessionsMember)
    recent = [t for t in section.wrong_codes if t > ctx.now - WRONG_WINDOW]
    if len(recent) >= WRONG_CODES:
        again = min(recent) + WRONG_WINDOW
        ctx.respond(
            event.interaction,
            f"That's {WRONG_CODES} wrong codes within an hour: you can try again {timestamp(again)}. "
            "Ask a moderator to read the code out again.",
        )
        return
    matching = [s for s in await _sessions(ctx) if s.check_in is not None and s.check_in.code == code]
    if not matching:
        recent.append(ctx.now)
        ctx.set_section(member, section.model_copy(update={"wrong_codes": recent}))
        await ctx.uow.members.save(member)
        left = WRONG_CODES - len(recent)
        tries = f"{left} more tr{'y' if left == 1 else 'ies'} this hour" if left else "no more tries for now"
        ctx.respond(
            event.interaction,
            f"**{shown(code)}** is no session's check-in code. Check it with the moderators ({tries}).",
        )
        return
    # A code is random per occurrence; should two ever be the same, the one open now counts.
    session = next((s for s in matching if s.check_in and s.check_in.is_open(ctx.now)), matching[-1])
    ctx.respond(event.interaction, await check_in(ctx, session, user))


async def code_command(event: CommandInvoked, ctx: Ctx) -> None:
    """``/cohort session code [SESSION]`` (moderators): the code, to read out in the room."""
    sid = str(event.options.get("session") or "").strip()
    sessions = await _sessions(ctx)
    if sid:
        session = next((s for s in sessions if s.id == sid), None)
        if session is None:
            ctx.respond(
                event.interaction,
                f"No session with id {literal(sid[:TYPED_MAX])}. `/cohort session list` shows the ids.",
            )
            return
        ci = session.check_in
        if ci is None or not ci.code:
            how = " (members check in with the button)" if ci is not None else ""
            ctx.respond(event.interaction, f"**{literal(session.title)}** takes no check-in code{how}.")
            return
        ctx.respond(event.interaction, _code_text(session, ci))
        return
    coming = [
        (s, ci) for s in sessions if (ci := s.check_in) is not None and ci.code and ci.closes_at > ctx.now
    ]
    if not coming:
        ctx.respond(
            event.interaction,
            "No session coming up takes attendance by code. A session's `attendance: {check_in: code}` "
            "in the playbook turns it on.",
        )
        return
    (first, ci), *later = coming
    text = _code_text(first, ci)
    if later:
        text += "\nLater: " + ", ".join(f"`{s.id}`" for s, _ in later[:5]) + " (`/cohort session code ID`)."
    ctx.respond(event.interaction, text)
