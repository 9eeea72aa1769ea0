"""What other steps (and ``bot/``) may use of the cohorts step: the course calendar.

- :func:`calendars` / :func:`calendar`: each cohort's calendar (weeks, their dates, their
  content), from the playbook alone. :func:`current` picks the cohort a community-wide text
  speaks of; :func:`week_values` fills ``{cohort}``, ``{week}``, ``{weeks}``, ``{week_theme}``
  and ``{weeks_left}``.
- :func:`assignments` / :func:`assignment`: every assignment of every cohort's weeks, with its
  due moment (the assignments step takes submissions for them).
- :func:`members` and :func:`cohorts_of`: who is in a cohort, which cohorts a member is in.
- :class:`Enrol` / :class:`Unenrol`: publish one (``ctx.publish``) to put a member into a
  cohort or take them out (the roster step does, when a roster row's member joins).

Weeks: week 1 begins at midnight (community time) of the cohort's ``start`` date, week ``n``
seven days per week later; :meth:`CohortCalendar.week_of` is 0 before the start and
``weeks + 1`` once the last week is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohortbot.playbook.ports import Member, UnitOfWork
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.playbook.step import DocumentStore, LoadedPlaybook, StepMessage
from cohortbot.playbook.steps.cohorts.config import (
    Cohort,
    CohortsConfig,
    Week,
    WeekAssignment,
    parse_clock,
    parse_day_time,
)
from cohortbot.playbook.steps.cohorts.model import STEP_NAME, CohortsMember, Roll, Source

__all__ = [
    "Assignment",
    "CohortCalendar",
    "Enrol",
    "Unenrol",
    "assignment",
    "assignments",
    "calendar",
    "calendars",
    "cohorts_of",
    "config",
    "current",
    "member_ids",
    "members",
    "takes_no_one_in",
    "week_values",
]

WEEK = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class Enrol(StepMessage):
    """Put ``member`` into the cohort named ``cohort`` (ignored, and logged, if there is none)."""

    member: UserRef
    cohort: str
    source: Source


@dataclass(frozen=True, kw_only=True)
class Unenrol(StepMessage):
    member: UserRef
    cohort: str


@dataclass(frozen=True)
class CohortCalendar:
    """One cohort's weeks as moments: every method answers in aware UTC."""

    cohort: Cohort
    zone: ZoneInfo

    @property
    def name(self) -> str:
        return self.cohort.name

    @property
    def title(self) -> str:
        return self.cohort.shown

    def local_moment(self, day: int, clock: time) -> datetime:
        """The moment ``clock`` (community time) on day ``day`` of the cohort (day 0 = start)."""
        local = datetime.combine(self.cohort.start + timedelta(days=day), clock, tzinfo=self.zone)
        return local.astimezone(UTC)

    def week_start(self, week: int) -> datetime:
        """Midnight (community time) of week ``week``'s first day; ``weeks + 1``: the end."""
        return self.local_moment(7 * (week - 1), time(0))

    @property
    def starts_at(self) -> datetime:
        return self.week_start(1)

    @property
    def ends_at(self) -> datetime:
        return self.week_start(self.cohort.weeks + 1)

    def week_of(self, when: datetime) -> int:
        """1..weeks while it runs; 0 before its start, ``weeks + 1`` after its end."""
        if when < self.starts_at:
            return 0
        week = 1
        while week <= self.cohort.weeks and when >= self.week_start(week + 1):
            week += 1
        return week

    def running(self, when: datetime) -> bool:
        return 1 <= self.week_of(when) <= self.cohort.weeks

    def content(self, week: int) -> Week:
        return self.cohort.week.get(week) or Week()

    def on_day(self, week: int, weekday: int, clock: time) -> datetime:
        """The first ``weekday`` (0 = Monday) on or after week ``week``'s first day, at ``clock``."""
        first = self.cohort.start + timedelta(days=7 * (week - 1))
        offset = (weekday - first.weekday()) % 7
        return self.local_moment(7 * (week - 1) + offset, clock)

    def due_at(self, week: int, due: str) -> datetime:
        """``"fri 23:59"`` in week ``week``, as a moment."""
        weekday, clock = parse_day_time(due)
        return self.on_day(week, weekday, clock)

    def opening_post_at(self, week: int, post_at: str) -> datetime:
        return self.local_moment(7 * (week - 1), parse_clock(post_at))

    def values(self, when: datetime) -> dict[str, str]:
        """``{cohort}``, ``{week}``, ``{weeks}``, ``{week_theme}``, ``{weeks_left}`` at ``when``
        (before the start: week 0; after the end: the last week, none left)."""
        week = min(self.week_of(when), self.cohort.weeks)
        return {
            "cohort": self.title,
            "week": str(week),
            "weeks": str(self.cohort.weeks),
            "week_theme": self.content(week).theme if week else "",
            "weeks_left": str(self.cohort.weeks - week) if week else str(self.cohort.weeks),
        }


@dataclass(frozen=True)
class Assignment:
    """An assignment of one cohort's week, with its due moment."""

    cohort: str
    week: int
    due_at: datetime
    spec: WeekAssignment

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title


def config(loaded: LoadedPlaybook) -> CohortsConfig | None:
    cfg = loaded.steps.get(STEP_NAME)
    return cfg if isinstance(cfg, CohortsConfig) and cfg.enabled else None


def calendars(loaded: LoadedPlaybook) -> list[CohortCalendar]:
    """Every cohort of the playbook, in the playbook's order (none if the step is off)."""
    cfg = config(loaded)
    if cfg is None:
        return []
    zone = loaded.community.zone
    return [CohortCalendar(cohort, zone) for cohort in cfg.cohorts]


def calendar(loaded: LoadedPlaybook, name: str) -> CohortCalendar | None:
    return next((c for c in calendars(loaded) if c.name == name), None)


def current(loaded: LoadedPlaybook, when: datetime, among: list[str] | None = None) -> CohortCalendar | None:
    """The cohort a text speaks of at ``when``: of those running, the one that started last;
    else the next to start; else the last to end. ``among``: only these (a member's cohorts)."""
    found = [c for c in calendars(loaded) if among is None or c.name in among]
    running = [c for c in found if c.running(when)]
    if running:
        return max(running, key=lambda c: c.starts_at)
    upcoming = [c for c in found if c.starts_at > when]
    if upcoming:
        return min(upcoming, key=lambda c: c.starts_at)
    return max(found, key=lambda c: c.ends_at) if found else None


def week_values(loaded: LoadedPlaybook, when: datetime, among: list[str] | None = None) -> dict[str, str]:
    """The calendar placeholders' values; empty strings where the playbook has no cohort."""
    found = current(loaded, when, among)
    if found is None:
        return {name: "" for name in ("cohort", "week", "weeks", "week_theme", "weeks_left")}
    return found.values(when)


def assignments(loaded: LoadedPlaybook) -> list[Assignment]:
    """Every assignment of every cohort, by due moment (then cohort, then name)."""
    found = [
        Assignment(cal.name, week, cal.due_at(week, spec.due), spec)
        for cal in calendars(loaded)
        for week, content in sorted(cal.cohort.week.items())
        for spec in content.assignments
    ]
    return sorted(found, key=lambda a: (a.due_at, a.cohort, a.name))


def assignment(loaded: LoadedPlaybook, name: str, cohort: str | None = None) -> list[Assignment]:
    """The assignments named ``name`` (one per cohort that has it; ``cohort`` narrows it)."""
    return [a for a in assignments(loaded) if a.name == name and (cohort is None or a.cohort == cohort)]


async def members(uow: UnitOfWork, community: CommunityRef, cohort: str) -> list[str]:
    """The member ids on a cohort's roll, sorted (see :func:`member_ids` for who is in it)."""
    roll = await DocumentStore(uow.state, community, STEP_NAME).find(Roll, cohort)
    return list(roll.members) if roll is not None else []


def takes_no_one_in(loaded: LoadedPlaybook, cohort: str) -> bool:
    """Whether membership is not used: the playbook's only cohort takes members in by no role,
    no roster and no enrolment. Then everyone present is in it (and whoever a moderator
    enrolled, though present or not)."""
    cfg = config(loaded)
    if cfg is None or len(cfg.cohorts) != 1 or cfg.cohorts[0].name != cohort:
        return False
    way = cfg.cohorts[0].members
    return not (way.role or way.roster or way.enrol)


async def member_ids(
    uow: UnitOfWork, loaded: LoadedPlaybook, community: CommunityRef, cohort: str
) -> list[str]:
    """Who is in a cohort, sorted: its roll; for a cohort that takes no one in, also every
    present member but bots. Reminders, surveys and progress use this."""
    roll = await members(uow, community, cohort)
    if not takes_no_one_in(loaded, cohort):
        return roll
    present = {m.user.id for m in await uow.members.list(community) if m.present and not m.is_bot}
    return sorted(present | set(roll))


def cohorts_of(member: Member, loaded: LoadedPlaybook | None = None) -> list[str]:
    """The cohorts ``member`` is in, in the order they joined them; with ``loaded``, also the
    playbook's cohort that takes no one in (everyone present is in it)."""
    section = CohortsMember.model_validate(member.data.get(STEP_NAME) or {})
    found = list(section.cohorts)
    if loaded is not None and member.present and not member.is_bot:
        found += [
            c.name for c in calendars(loaded) if c.name not in found and takes_no_one_in(loaded, c.name)
        ]
    return found
