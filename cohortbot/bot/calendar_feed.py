"""The calendar feed of one community: its sessions, deadlines, cohort weeks and assignments as
iCalendar (RFC 5545), built with the ``icalendar`` library.

What goes in, from the playbook and the database:

- the sessions step's **recurring sessions**: their occurrences from the cron, in the
  community's zone, from two weeks ago through the end of the last cohort or 26 weeks ahead,
  whichever is later (never more than two years ahead, at most :data:`MAX_OCCURRENCES` each);
  an occurrence already announced is read from its stored document, so the feed shows what
  members were told;
- sessions created with ``/cohort session create`` and **deadlines** the sessions step keeps
  (``/cohort deadline add``, the playbook's ``deadlines:``, each recurring session's exercise),
  plus the playbook's deadlines and exercises not planned yet;
- the cohorts' **weeks**, all-day ("Week 3: Regression"), and their **assignments**, due at
  their moment (``cohorts.api``).

Never in it: who RSVPed, notes, anything a member wrote. Every event keeps its UID from one
export to the next (the kind and the record's own deterministic id, scoped to the community),
so calendar apps update events instead of duplicating them. Times carry the community's TZID
(with its VTIMEZONE), so each reader's calendar shows them in the reader's own zone; text is
escaped by the library.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration

from cohortbot.bot.crontab import CronCalendar, occurrences
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore, LoadedPlaybook
from cohortbot.playbook.steps.cohorts import api as cohorts
from cohortbot.playbook.steps.sessions.config import SessionsConfig
from cohortbot.playbook.steps.sessions.model import Deadline, Session, deadline_id, session_id
from cohortbot.playbook.steps.sessions.when import WhenError, parse_local

__all__ = ["BEFORE", "MAX_AHEAD", "MAX_OCCURRENCES", "FeedEvent", "build_feed", "feed_events", "to_ics"]

log = logging.getLogger("cohortbot.calendar")

BEFORE = timedelta(weeks=2)  # the feed starts this long before now
AHEAD = timedelta(weeks=26)  # ...and reaches at least this far ahead (or the last cohort's end)
MAX_AHEAD = timedelta(days=2 * 365)  # ...but never further
MAX_OCCURRENCES = 400  # per recurring session (a weekly session for 2 years is 104)
SESSIONS = "sessions"
ASSIGNMENTS = "assignments"
PRODID = "-//cohortbot//calendar feed//EN"


@dataclass(frozen=True, kw_only=True)
class FeedEvent:
    """One VEVENT: a timed session, a moment (a deadline), or all-day dates (a cohort week)."""

    kind: str  # session, deadline, week, assignment
    ident: str  # the record's own id: with ``kind``, the UID
    summary: str
    start: datetime | date
    end: datetime | date | None = None  # None: a moment (DTSTART only)
    description: str = ""
    location: str = ""
    url: str = ""
    busy: bool = True  # False: shown but not blocking time (weeks, deadlines)
    categories: tuple[str, ...] = field(default=())

    def sort_key(self, zone: ZoneInfo) -> tuple[datetime, str, str]:
        start = self.start
        if not isinstance(start, datetime):
            start = datetime.combine(start, time(0), tzinfo=zone)
        return (start.astimezone(UTC), self.kind, self.ident)


def window(loaded: LoadedPlaybook, now: datetime) -> tuple[datetime, datetime]:
    """From two weeks ago through the last cohort's end or 26 weeks ahead, whichever is later."""
    ends = [cal.ends_at for cal in cohorts.calendars(loaded)]
    until = max([now + AHEAD, *ends])
    return now - BEFORE, min(until, now + MAX_AHEAD)


def _is_link(text: str) -> bool:
    return text.startswith(("https://", "http://")) and len(text) <= 2000


def _sessions_config(loaded: LoadedPlaybook) -> SessionsConfig | None:
    cfg = loaded.steps.get(SESSIONS)
    return cfg if isinstance(cfg, SessionsConfig) and cfg.enabled else None


def _session_event(session: Session, zone: ZoneInfo) -> FeedEvent:
    return FeedEvent(
        kind="session",
        ident=session.id,
        summary=session.title,
        start=session.starts_at.astimezone(zone),
        end=session.ends_at.astimezone(zone),
        description=session.description,
        location=session.location,
        url=session.location if _is_link(session.location) else "",
        categories=("Live session",),
    )


def _deadline_event(deadline: Deadline, zone: ZoneInfo) -> FeedEvent:
    return FeedEvent(
        kind="deadline",
        ident=deadline.id,
        summary=f"Due: {deadline.title}",
        start=deadline.due.astimezone(zone),
        busy=False,
        categories=("Deadline",),
    )


async def _stored(uow: UnitOfWork, community: CommunityRef) -> tuple[list[Session], list[Deadline]]:
    """The sessions step's sessions and deadlines, as stored (none if it never ran here)."""
    docs = DocumentStore(uow.state, community, SESSIONS)
    sessions = [s for sid in await docs.ids(Session) if (s := await docs.find(Session, sid))]
    deadlines = [d for did in await docs.ids(Deadline) if (d := await docs.find(Deadline, did))]
    return sessions, deadlines


async def _session_events(
    uow: UnitOfWork, community: CommunityRef, loaded: LoadedPlaybook, cron: CronCalendar, now: datetime
) -> list[FeedEvent]:
    cfg = _sessions_config(loaded)
    if cfg is None:
        return []
    zone, zone_name = loaded.community.zone, loaded.community.timezone
    start, until = window(loaded, now)
    stored_sessions, stored_deadlines = await _stored(uow, community)
    sessions = {s.id: s for s in stored_sessions if s.ends_at >= start}
    deadlines = {d.id: d for d in stored_deadlines if d.due >= start}
    for rs in cfg.sessions:
        found = occurrences(cron.trigger(rs.cron, zone_name), start - rs.duration, until)
        planned = list(itertools.islice(found, MAX_OCCURRENCES + 1))
        if len(planned) > MAX_OCCURRENCES:
            log.warning("calendar: session %s recurs more than %d times; the feed shows the first %d",
                        rs.name, MAX_OCCURRENCES, MAX_OCCURRENCES)
            planned = planned[:MAX_OCCURRENCES]
        for begins in planned:
            sid = session_id(rs.name, begins, zone)
            session = sessions.setdefault(
                sid,
                Session(
                    id=sid,
                    name=rs.name,
                    title=rs.title,
                    starts_at=begins,
                    ends_at=begins + rs.duration,
                    description=rs.description,
                    location=rs.location,
                    recurring=True,
                ),
            )
            if rs.deadline is not None:  # the exercise the planner opens with the session
                due = session.ends_at + rs.deadline.after
                deadlines.setdefault(f"dl-{sid}", Deadline(id=f"dl-{sid}", title=rs.deadline.title, due=due))
    for dc in cfg.deadlines:  # the playbook's, before the planner opens them
        try:
            due = parse_local(dc.due, zone)
        except WhenError as exc:
            log.warning("calendar: deadline %r left out: %s", dc.title, exc)
            continue
        if due >= start:
            did = deadline_id(dc.title, due, zone)
            deadlines.setdefault(did, Deadline(id=did, title=dc.title, due=due))
    return [_session_event(s, zone) for s in sessions.values()] + [
        _deadline_event(d, zone) for d in deadlines.values()
    ]


def _course_events(loaded: LoadedPlaybook) -> list[FeedEvent]:
    """Every cohort's weeks (all-day, Monday to Sunday of the cohort's week) and assignments."""
    zone = loaded.community.zone
    calendars = cohorts.calendars(loaded)
    several = len(calendars) > 1
    found: list[FeedEvent] = []
    for cal in calendars:
        prefix = f"{cal.title} · " if several else ""
        for week in range(1, cal.cohort.weeks + 1):
            theme = cal.content(week).theme
            first = cal.cohort.start + timedelta(days=7 * (week - 1))
            found.append(
                FeedEvent(
                    kind="week",
                    ident=f"{cal.name}-{week}",
                    summary=f"{prefix}Week {week}" + (f": {theme}" if theme else ""),
                    start=first,
                    end=first + timedelta(days=7),
                    description=f"{cal.title}, week {week} of {cal.cohort.weeks}.",
                    busy=False,
                    categories=("Cohort week",),
                )
            )
    titles = {cal.name: cal.title for cal in calendars}
    submitting = loaded.enabled(ASSIGNMENTS)   # the step that takes /cohort submit
    for item in cohorts.assignments(loaded):
        spec = item.spec
        suffix = f" ({titles.get(item.cohort, item.cohort)})" if several else ""
        lines = [spec.description] if spec.description else []
        if spec.time_limit is not None:
            minutes = int(spec.time_limit.total_seconds() // 60)
            lines.append(f"Timed: {minutes} minutes from when you start it.")
            if submitting:
                lines.append(f"Start it with /cohort assignment start {spec.name}")
        if submitting:
            lines.append(f"Submit it with /cohort submit {spec.name} LINK [note]")
        if spec.link:
            lines.append(spec.link)
        found.append(
            FeedEvent(
                kind="assignment",
                ident=f"{item.cohort}-{spec.name}",
                summary=f"Due: {spec.title}{suffix}",
                start=item.due_at.astimezone(zone),
                description="\n".join(lines),
                url=spec.link if _is_link(spec.link) else "",
                busy=False,
                categories=("Assignment",),
            )
        )
    return found


async def feed_events(
    uow: UnitOfWork,
    community: CommunityRef,
    loaded: LoadedPlaybook,
    *,
    now: datetime,
    cron: CronCalendar | None = None,
) -> list[FeedEvent]:
    """The community's events, by start (then kind and id): the same input, the same list."""
    found = await _session_events(uow, community, loaded, cron or CronCalendar(), now)
    found += _course_events(loaded)
    zone = loaded.community.zone
    return sorted(found, key=lambda e: e.sort_key(zone))


def community_tag(community: CommunityRef) -> str:
    """The UIDs' domain part: the same for a community in every export, naming no platform id."""
    return hashlib.sha256(f"cohortbot:{community}".encode()).hexdigest()[:16] + ".cohortbot"


def to_ics(
    events: list[FeedEvent], *, community: CommunityRef, loaded: LoadedPlaybook, now: datetime
) -> bytes:
    """The VCALENDAR: the community's name, zone and refresh hint, each event with its UID,
    DTSTAMP (``now``), times in the community's zone (VTIMEZONE included)."""
    tag = community_tag(community)
    name = f"{loaded.community.display_name(community)}: sessions and deadlines"
    calendar = Calendar.new(
        prodid=PRODID,
        uid=f"calendar@{tag}",
        name=name,
        description="Live sessions, deadlines, cohort weeks and assignments, kept up to date by cohortbot.",
        refresh_interval=timedelta(hours=1),
    )
    calendar.add("X-WR-TIMEZONE", loaded.community.timezone)
    calendar.add("X-PUBLISHED-TTL", vDuration(timedelta(hours=1)))
    stamp = now.astimezone(UTC)
    for item in events:
        event = Event.new(
            uid=f"{item.kind}-{item.ident}@{tag}",
            summary=item.summary,
            start=item.start,
            end=item.end,
            stamp=stamp,
            description=item.description or None,
            location=item.location or None,
            url=item.url or None,
            categories=item.categories,
        )
        if not item.busy:
            event.add("TRANSP", "TRANSPARENT")
        calendar.add_component(event)
    if events:
        days = [e.start.date() if isinstance(e.start, datetime) else e.start for e in events]
        calendar.add_missing_timezones(min(days) - timedelta(days=7), max(days) + timedelta(days=14))
    return bytes(calendar.to_ical())


async def build_feed(
    uow: UnitOfWork,
    community: CommunityRef,
    loaded: LoadedPlaybook,
    *,
    now: datetime,
    cron: CronCalendar | None = None,
) -> bytes:
    """The community's ``.ics`` as of ``now``."""
    events = await feed_events(uow, community, loaded, now=now, cron=cron)
    return to_ics(events, community=community, loaded=loaded, now=now)
