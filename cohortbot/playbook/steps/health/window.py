"""The report's window: the period, the one before it, the history and what the store is asked.

Shared by :mod:`.data` (which asks the store for these ranges) and :mod:`.report` (which reads
the answers), so both agree on every range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from cohortbot.playbook.analytics.metrics import WEEK, day_start
from cohortbot.playbook.ports import Member
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.weeks import cohort_start, first_weekday, week_start

__all__ = [
    "LAST_ROW",
    "LAST_WEEK",
    "LOOKBACK",
    "PERIOD",
    "PREVIOUS",
    "SINCE_START",
    "Window",
    "goals_start",
    "window",
]

LOOKBACK = timedelta(days=35)  # 28-day actives and recently-inactive members need this much before
# The periods of ``ActivityRepository.users`` the report asks for, by index.
# LAST_ROW: the weekly table's last week, up to the window's end (a week not over yet).
PERIOD, PREVIOUS, LAST_WEEK, SINCE_START, LAST_ROW = range(5)
SINCE_COHORT = 5  # then one period per start of a cohort goals name (``Window.cohort_starts``)


@dataclass(frozen=True, kw_only=True)
class Window:
    zone: tzinfo
    since: date
    until: date  # exclusive
    start: datetime  # local midnight of since, as UTC
    end: datetime  # local midnight of until: nothing at or after it is read
    before: datetime  # the start of the previous period (same length)
    history_from: date  # the charts and the weekly table start here (a week's first day)
    weeks: int  # weeks of the weekly table, the last one the week of until - 1
    weekday: int  # weeks start on this weekday (0 = Monday)
    cohort_start: date | None  # the cohort's first day, when known
    newcomers: datetime  # newcomers joined since then are measured
    goal_start: date | None  # the cohort's start, when the playbook has goals about the community
    loaded_from: datetime  # nothing before it is read
    cohort_starts: tuple[date, ...] = ()  # the first days of the cohorts goals are about

    @property
    def first_day(self) -> date:
        """The first local day the store is asked about (``loaded_from``'s)."""
        return self.loaded_from.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The last local day asked about: the period's."""
        return self.until - timedelta(days=1)

    @property
    def last_row(self) -> date:
        """The first day of the weekly table's last week."""
        return self.history_from + timedelta(weeks=self.weeks - 1)

    @property
    def compared(self) -> bool:
        """Whether the period before is worth comparing with: not wholly before the cohort began."""
        return self.cohort_start is None or self.since > self.cohort_start

    @property
    def goal_from(self) -> datetime | None:
        """The cohort's start as an instant, never before what is read."""
        if self.goal_start is None:
            return None
        return max(day_start(self.goal_start, self.zone), self.loaded_from)

    def cohort_from(self, start: date) -> datetime:
        """A cohort's start as an instant, never before what is read nor after the window."""
        return min(max(day_start(start, self.zone), self.loaded_from), self.end)

    def since_cohort(self, start: date) -> int:
        """The index of the period from the cohort start ``start`` (one of ``cohort_starts``)."""
        return SINCE_COHORT + self.cohort_starts.index(start)

    @property
    def periods(self) -> list[tuple[datetime, datetime]]:
        """``PERIOD``, ``PREVIOUS``, ``LAST_WEEK``, ``SINCE_START`` (empty without goals), ``LAST_ROW``,
        then from each of ``cohort_starts`` (``since_cohort``)."""
        since_start = self.goal_from or self.end
        return [
            (self.start, self.end),
            (self.before, self.start),
            (self.end - WEEK, self.end),
            (since_start, self.end),
            (max(day_start(self.last_row, self.zone), self.loaded_from), self.end),
            *((self.cohort_from(s), self.end) for s in self.cohort_starts),
        ]

    @property
    def users_from(self) -> datetime:
        """Where ``users`` starts: the previous period, the recently-inactive horizon, goals."""
        cohorts = (self.cohort_from(s) for s in self.cohort_starts)
        wanted = min(self.before, self.end - 4 * WEEK, self.goal_from or self.end, *cohorts)
        return max(wanted, self.loaded_from)

    @property
    def questions_from(self) -> datetime:
        """Questions read one by one: those asked since the previous period began (the goals'
        answered rate since the cohort's start is only counted: ``question_counts``)."""
        return self.before

    @property
    def newcomers_from(self) -> datetime:
        goals = day_start(self.goal_start, self.zone) if self.goal_start is not None else self.newcomers
        return min(self.newcomers, goals, *(day_start(s, self.zone) for s in self.cohort_starts))


def goals_start(cfg: HealthConfig, cohorts: Mapping[str, date], began: date | None) -> date | None:
    """Where the community's goals (those naming no cohort) count weeks from: ``health.start``,
    else the first cohort's start (the earliest of ``steps.cohorts``), else ``began`` (the
    day the bot first saw the community)."""
    return cfg.start or min(cohorts.values(), default=None) or began


def window(
    cfg: HealthConfig,
    members: Sequence[Member],
    zone: tzinfo,
    *,
    since: date,
    until: date,
    history_from: date | None = None,
    newcomers_from: date | None = None,
    first_seen: datetime | None = None,
    cohorts: Mapping[str, date] | None = None,
) -> Window:
    """The window of the report on the local days ``[since, until)``.

    The weekly table runs from the week of ``history_from`` (or of ``since``), but not from
    before the cohort's week (``cohort_start``: the playbook's ``start`` or ``first_seen``),
    to the week of ``until - 1``. ``cohorts``: the first day of each cohort of
    ``steps.cohorts`` by name (goals about one count from its start).
    """
    cohorts = cohorts or {}
    weekday = first_weekday(cfg)
    began = cohort_start(cfg, first_seen, zone)
    history = week_start(min(history_from or since, since), weekday)
    if began is not None:
        last_week = week_start(until - timedelta(days=1), weekday)
        history = max(history, min(week_start(began, weekday), last_week))
    earliest = min(history, newcomers_from or since, since - (until - since)) - LOOKBACK
    goal_start = None
    if any(g.cohort is None for g in cfg.goals):
        joins = [m.joined_at.astimezone(zone).date() for m in members if m.joined_at and not m.is_bot]
        goal_start = goals_start(cfg, cohorts, began) or min(joins, default=history)
    named = {cohorts[g.cohort] for g in cfg.goals if g.cohort is not None and g.cohort in cohorts}
    return Window(
        zone=zone,
        since=since,
        until=until,
        start=day_start(since, zone),
        end=day_start(until, zone),
        before=day_start(since - (until - since), zone),
        history_from=history,
        weeks=(until - timedelta(days=1) - history).days // 7 + 1,
        weekday=weekday,
        cohort_start=began,
        newcomers=day_start(newcomers_from or since, zone),
        goal_start=goal_start,
        loaded_from=day_start(earliest, zone),
        cohort_starts=tuple(sorted(named)),
    )
