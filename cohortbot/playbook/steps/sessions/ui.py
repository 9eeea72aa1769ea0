"""What members see of a session: the announcement card, links, buttons, texts."""

from __future__ import annotations

from datetime import datetime

from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.messages import Button, ButtonStyle, Field, RichMessage, literal, timestamp
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.cohorts.api import cohorts_of, week_values
from cohortbot.playbook.steps.sessions.config import SessionsConfig
from cohortbot.playbook.steps.sessions.model import Session

__all__ = [
    "CHECK_IN",
    "NO",
    "REMINDERS_OFF",
    "REMINDERS_ON",
    "YES",
    "announcement",
    "channel_for",
    "check_in_card",
    "fill",
    "link_button",
    "reminder",
    "reminders_text",
    "week",
]

Ctx = StepContext[SessionsConfig]

YES = "sessions:yes"  # value: the session id
NO = "sessions:no"
REMINDERS_OFF = "sessions:reminders-off"
REMINDERS_ON = "sessions:reminders-on"
CHECK_IN = "sessions:check-in"  # value: the session id


def channel_for(ctx: Ctx, name: str | None) -> ChannelRef | None:
    """The session's own channel, else the step's, else announcements (else general)."""
    return ctx.resolve(name or ctx.config.channel, default="announcements") or ctx.channel("general")


def _is_link(location: str) -> bool:
    return location.startswith(("https://", "http://"))


def link_button(url: str, label: str) -> tuple[Button, ...]:
    return (Button(label=label, action_id="sessions:link", url=url),) if _is_link(url) else ()


def week(ctx: Ctx, when: datetime, member: Member | None = None) -> dict[str, str]:
    """``{cohort}``, ``{week}``, ``{weeks}``, ``{week_theme}``, ``{weeks_left}`` at ``when``: of
    the member's own cohort when a text goes to one member who is in one, else the cohort
    running then (empty without the cohorts step)."""
    among = (cohorts_of(member) or None) if member is not None else None
    return week_values(ctx.loaded, when, among)


def fill(ctx: Ctx, text: str, session: Session, *, link: str | None = None) -> str:
    """A session's text: ``{title}``, ``{when}``, ``{link}`` and the calendar of its week."""
    values = week(ctx, session.starts_at)
    values.update(
        title=session.title,
        when=timestamp(session.starts_at),
        link=session.location if link is None else link,
    )
    filled = ctx.fill(text, member=None, **values)
    return filled.strip()  # "{link}" at the end of a template may be empty


def announcement(ctx: Ctx, session: Session) -> RichMessage:
    """The card: with RSVP buttons, or (native events carry the RSVP) just the join link."""
    cfg = ctx.config
    length = format_duration(session.ends_at - session.starts_at)
    fields = [Field(name="When", value=f"{timestamp(session.starts_at)} ({length})")]
    if session.location:
        fields.append(Field(name="Where", value=literal(session.location)))
    link = link_button(session.location, "Join link")
    if ctx.capabilities.native_events:
        text, buttons = fill(ctx, cfg.native_announcement, session), link
    else:
        rsvp = (
            Button(label="I'll be there", action_id=YES, value=session.id, style=ButtonStyle.SUCCESS),
            Button(label="Can't make it", action_id=NO, value=session.id),
        )
        text, buttons = fill(ctx, cfg.announcement, session), rsvp + link
    if session.description:
        text = f"{text}\n\n{literal(session.description)}"
    return RichMessage(title=literal(session.title), text=text, fields=tuple(fields), buttons=buttons)


def reminder(ctx: Ctx, session: Session) -> RichMessage:
    return RichMessage(
        text=fill(ctx, ctx.config.reminder, session),
        buttons=(
            *link_button(session.location, "Join link"),
            Button(label="Turn off session reminders", action_id=REMINDERS_OFF),
        ),
    )


def check_in_card(ctx: Ctx, session: Session) -> RichMessage:
    """Posted in the session's channel when check-in opens (beside a native event's post too)."""
    button = Button(label="Check in", action_id=CHECK_IN, value=session.id, style=ButtonStyle.SUCCESS)
    return RichMessage(
        title=literal(session.title),
        text=fill(ctx, ctx.config.check_in, session),
        buttons=(button, *link_button(session.location, "Join link")),
    )


def reminders_text(on: bool) -> str:
    if on:
        return "Session reminders are on: you'll get a DM before sessions you said you'd attend."
    return "Session reminders are off. `/cohort session reminders on` turns them back on."
