"""Community health metrics, pure: functions over activity records and members, no I/O.

Conventions shared by every function here:

- Periods are half-open instants ``[since, until)``, like ``uow.activity.list``.
- Days are local dates in the community's zone (``zone``); a day is ``[00:00, 24:00)`` local.
- "Active" means any record (message, reply or reaction); "posted" means a message or reply.
- Bots and members who opted out of analytics are excluded everywhere: call :func:`counted`
  on the records and :func:`roster` on the members first (the report builder does).
- A question is a top-level message (kind ``message``) with ``is_question``; its first reply
  is the earliest record of kind ``reply`` by someone else, after it, either in its thread
  (``thread_id == question.message_id``) or answering the asker (``reply_to``) in its channel.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from playbook.ports import ActivityRecord, Member
from playbook.prompts_log import PromptEngagement

__all__ = [
    "GOAL_METRICS",
    "ChannelStats",
    "GoalLike",
    "GoalProgress",
    "Interval",
    "ParticipationMix",
    "PromptStats",
    "QuestionOutcome",
    "Rate",
    "Stickiness",
    "VariantStats",
    "WeekStats",
    "activation",
    "active_users",
    "channel_engagement",
    "cohort_week",
    "counted",
    "daily_active",
    "day_start",
    "goal_progress",
    "goal_values",
    "introductions",
    "median_first_reply",
    "participation_mix",
    "prompt_summary",
    "question_outcomes",
    "recently_inactive",
    "retention",
    "rolling_weekly_active",
    "roster",
    "stickiness",
    "t_interval",
    "variant_engagement",
    "weekly",
]

POSTING = frozenset({"message", "reply"})
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


# ---------------------------------------------------------------------------- basics


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` out of ``total``; ``value`` is None when there is nothing to divide."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    def __str__(self) -> str:
        return f"{self.count}/{self.total} ({self.value:.0%})" if self.total else "n/a"


def counted(records: Iterable[ActivityRecord], members: Iterable[Member]) -> list[ActivityRecord]:
    """The records that count: not from bots, not from members who opted out of analytics."""
    excluded = {m.user.id for m in members if m.is_bot or m.analytics_opt_out}
    return [r for r in records if r.user.id not in excluded]


def roster(members: Iterable[Member], *, at: datetime | None = None) -> list[Member]:
    """Human members who count: present, not opted out, joined before ``at`` (if given)."""
    return [
        m
        for m in members
        if not m.is_bot
        and not m.analytics_opt_out
        and m.present
        and (at is None or m.joined_at is None or m.joined_at < at)
    ]


def day_start(day: date, zone: tzinfo) -> datetime:
    """Local midnight of ``day``, as aware UTC (DST-correct: days may be 23 or 25 hours)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _between(records: Iterable[ActivityRecord], since: datetime, until: datetime) -> list[ActivityRecord]:
    return [r for r in records if since <= r.at < until]


def active_users(records: Iterable[ActivityRecord], since: datetime, until: datetime) -> set[str]:
    return {r.user.id for r in records if since <= r.at < until}


def _by_day(records: Iterable[ActivityRecord], zone: tzinfo) -> dict[date, set[str]]:
    days: dict[date, set[str]] = defaultdict(set)
    for r in records:
        days[r.at.astimezone(zone).date()].add(r.user.id)
    return days


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---------------------------------------------------------------------------- participation


def daily_active(
    records: Iterable[ActivityRecord], first: date, last: date, zone: tzinfo
) -> list[tuple[date, int]]:
    """Active members per local day, ``first`` to ``last`` inclusive (DAU series)."""
    days = _by_day(records, zone)
    return [(d, len(days.get(d, ()))) for d in _days(first, last)]


def rolling_weekly_active(
    records: Iterable[ActivityRecord], first: date, last: date, zone: tzinfo
) -> list[tuple[date, int]]:
    """For each day, members active in the 7 days ending that day (WAU series)."""
    days = _by_day(records, zone)
    series = []
    for d in _days(first, last):
        window: set[str] = set()
        for back in range(7):
            window |= days.get(d - timedelta(days=back), set())
        series.append((d, len(window)))
    return series


@dataclass(frozen=True, slots=True)
class Stickiness:
    """Average daily actives over a week, weekly and 28-day actives, and DAU/MAU."""

    avg_dau: float
    wau: int
    mau: int

    @property
    def ratio(self) -> float | None:
        return self.avg_dau / self.mau if self.mau else None


def stickiness(records: Iterable[ActivityRecord], last: date, zone: tzinfo) -> Stickiness:
    """DAU averaged over the 7 days ending ``last``, WAU (7 days), MAU (28 days), DAU/MAU."""
    days = _by_day(records, zone)
    week = [last - timedelta(days=i) for i in range(7)]
    month = [last - timedelta(days=i) for i in range(28)]
    wau: set[str] = set().union(*(days.get(d, set()) for d in week))
    mau: set[str] = set().union(*(days.get(d, set()) for d in month))
    return Stickiness(avg_dau=sum(len(days.get(d, ())) for d in week) / 7, wau=len(wau), mau=len(mau))


@dataclass(frozen=True, slots=True)
class ParticipationMix:
    members: int
    posters: int  # posted at least once
    reactors_only: int  # reacted, never posted
    lurkers: int  # did nothing recorded


def participation_mix(
    records: Iterable[ActivityRecord], members: Iterable[Member], since: datetime, until: datetime
) -> ParticipationMix:
    """Posters, reactors-only and lurkers among the members present who had joined by ``until``."""
    ids = {m.user.id for m in roster(members, at=until)}
    period = _between(records, since, until)
    posters = {r.user.id for r in period if r.kind in POSTING} & ids
    reactors = {r.user.id for r in period if r.kind == "reaction"} & ids - posters
    return ParticipationMix(
        members=len(ids),
        posters=len(posters),
        reactors_only=len(reactors),
        lurkers=len(ids) - len(posters) - len(reactors),
    )


# ---------------------------------------------------------------------------- newcomers


def _newcomers(members: Iterable[Member], since: datetime, until: datetime) -> list[Member]:
    return [m for m in roster(members) if m.joined_at is not None and since <= m.joined_at < until]


def _posts_by_user(records: Iterable[ActivityRecord], kinds: frozenset[str]) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = defaultdict(list)
    for r in records:
        if r.kind in kinds:
            found[r.user.id].append(r.at)
    return found


def _any_in(times: Sequence[datetime], since: datetime, until: datetime) -> bool:
    return any(since <= t < until for t in times)


def activation(
    records: Iterable[ActivityRecord],
    members: Iterable[Member],
    since: datetime,
    until: datetime,
    *,
    now: datetime,
    window: timedelta = WEEK,
) -> Rate:
    """Of members who joined in ``[since, until)`` and whose window closed by ``now``: posted in it."""
    posts = _posts_by_user(records, POSTING)
    due = [m for m in _newcomers(members, since, until) if m.joined_at and m.joined_at + window <= now]
    done = [m for m in due if m.joined_at and _any_in(posts[m.user.id], m.joined_at, m.joined_at + window)]
    return Rate(len(done), len(due))


def retention(
    records: Iterable[ActivityRecord],
    members: Iterable[Member],
    since: datetime,
    until: datetime,
    *,
    now: datetime,
) -> Rate:
    """Of newcomers active in their first week (second week over by ``now``): active in the second."""
    acts = _posts_by_user(records, POSTING | {"reaction"})
    first = [
        m
        for m in _newcomers(members, since, until)
        if m.joined_at
        and m.joined_at + 2 * WEEK <= now
        and _any_in(acts[m.user.id], m.joined_at, m.joined_at + WEEK)
    ]
    kept = [
        m
        for m in first
        if m.joined_at and _any_in(acts[m.user.id], m.joined_at + WEEK, m.joined_at + 2 * WEEK)
    ]
    return Rate(len(kept), len(first))


def introductions(members: Iterable[Member], since: datetime, until: datetime) -> tuple[int, Rate]:
    """Introductions made in the period, and the share of its newcomers who introduced themselves."""
    people = roster(members)
    made = sum(1 for m in people if m.introduced_at is not None and since <= m.introduced_at < until)
    joined = _newcomers(people, since, until)
    return made, Rate(sum(1 for m in joined if m.introduced_at is not None), len(joined))


def recently_inactive(
    records: Iterable[ActivityRecord],
    members: Iterable[Member],
    *,
    now: datetime,
    quiet: timedelta = WEEK,
    horizon: timedelta = 4 * WEEK,
) -> list[Member]:
    """Members who were active, but last so between ``horizon`` and ``quiet`` ago (7-28 days)."""
    last: dict[str, datetime] = {}
    for r in records:
        if r.at < now and (r.user.id not in last or r.at > last[r.user.id]):
            last[r.user.id] = r.at
    found = [
        m for m in roster(members) if m.user.id in last and now - horizon <= last[m.user.id] < now - quiet
    ]
    return sorted(found, key=lambda m: (last[m.user.id], m.display_name))


# ---------------------------------------------------------------------------- questions


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    question: ActivityRecord
    first_reply_at: datetime | None

    @property
    def delay(self) -> timedelta | None:
        return self.first_reply_at - self.question.at if self.first_reply_at else None


def question_outcomes(
    records: Sequence[ActivityRecord], since: datetime, until: datetime
) -> list[QuestionOutcome]:
    """Questions asked in the period, each with its first reply (from any later record given)."""
    by_thread: dict[str, list[ActivityRecord]] = defaultdict(list)
    by_asker: dict[tuple[str, str], list[ActivityRecord]] = defaultdict(list)
    for r in records:
        if r.kind != "reply":
            continue
        if r.thread_id:
            by_thread[r.thread_id].append(r)
        if r.reply_to is not None and r.channel is not None:
            by_asker[(r.channel.id or r.channel.name, r.reply_to.id)].append(r)
    outcomes = []
    for q in records:
        if q.kind != "message" or not q.is_question or not since <= q.at < until:
            continue
        where = (q.channel.id or q.channel.name) if q.channel else ""
        candidates = by_thread.get(q.message_id, []) if q.message_id else []
        candidates = candidates + by_asker.get((where, q.user.id), [])
        times = [r.at for r in candidates if r.user != q.user and r.at > q.at]
        outcomes.append(QuestionOutcome(question=q, first_reply_at=min(times, default=None)))
    return outcomes


def median_first_reply(outcomes: Iterable[QuestionOutcome]) -> timedelta | None:
    delays = [o.delay for o in outcomes if o.delay is not None]
    return timedelta(seconds=statistics.median(d.total_seconds() for d in delays)) if delays else None


# ---------------------------------------------------------------------------- channels and weeks


@dataclass(frozen=True, slots=True)
class ChannelStats:
    channel: str
    messages: int
    replies: int
    reactions: int
    participants: int

    @property
    def total(self) -> int:
        return self.messages + self.replies + self.reactions


def channel_engagement(
    records: Iterable[ActivityRecord], since: datetime, until: datetime
) -> list[ChannelStats]:
    """Per channel (by name, else id): messages, replies, reactions, distinct participants."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people: dict[str, set[str]] = defaultdict(set)
    for r in _between(records, since, until):
        name = (r.channel.name or r.channel.id) if r.channel else "(unknown)"
        counts[name][r.kind] += 1
        people[name].add(r.user.id)
    found = [
        ChannelStats(
            channel=name,
            messages=c["message"],
            replies=c["reply"],
            reactions=c["reaction"],
            participants=len(people[name]),
        )
        for name, c in counts.items()
    ]
    return sorted(found, key=lambda s: (-s.total, s.channel))


@dataclass(frozen=True, slots=True)
class WeekStats:
    start: date
    active: int
    messages: int
    replies: int
    reactions: int
    sentiment: float | None  # mean over scored messages and replies; None when none

    @property
    def posts(self) -> int:
        return self.messages + self.replies


def weekly(records: Iterable[ActivityRecord], first: date, weeks: int, zone: tzinfo) -> list[WeekStats]:
    """Seven-day weeks from ``first``: actives, volume by kind and mean sentiment, side by side."""
    found = []
    items = list(records)
    for i in range(weeks):
        start = first + timedelta(weeks=i)
        period = _between(items, day_start(start, zone), day_start(start + WEEK, zone))
        scores = [r.sentiment for r in period if r.kind in POSTING and r.sentiment is not None]
        found.append(
            WeekStats(
                start=start,
                active=len({r.user.id for r in period}),
                messages=sum(1 for r in period if r.kind == "message"),
                replies=sum(1 for r in period if r.kind == "reply"),
                reactions=sum(1 for r in period if r.kind == "reaction"),
                sentiment=sum(scores) / len(scores) if scores else None,
            )
        )
    return found


# ---------------------------------------------------------------------------- prompts and split tests


@dataclass(frozen=True, slots=True)
class PromptStats:
    schedule: str
    prompts: int
    replies: int
    repliers: int  # summed over prompts (a member answering two prompts counts twice)

    @property
    def mean_replies(self) -> float:
        return self.replies / self.prompts if self.prompts else 0.0


def prompt_summary(
    engagement: Iterable[PromptEngagement], since: datetime, until: datetime
) -> list[PromptStats]:
    """Per schedule: prompts posted in the period, their replies and repliers."""
    groups: dict[str, list[PromptEngagement]] = defaultdict(list)
    for p in engagement:
        if since <= p.posted_at < until:
            groups[p.schedule].append(p)
    return [
        PromptStats(
            schedule=name,
            prompts=len(ps),
            replies=sum(p.replies for p in ps),
            repliers=sum(p.repliers for p in ps),
        )
        for name, ps in sorted(groups.items())
    ]


# Two-sided 95% critical values of Student's t by degrees of freedom; between two entries
# the smaller df is used (a slightly wider, conservative interval); beyond 120: the normal 1.96.
_T95_TO_30 = (
    *(12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228),
    *(2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086),
    *(2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042),
)
T95 = {**dict(enumerate(_T95_TO_30, start=1)), 40: 2.021, 60: 2.000, 120: 1.980}


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def t_interval(values: Sequence[float]) -> Interval | None:
    """95% confidence interval of the mean (Student's t); None for fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    df = n - 1
    critical = 1.96 if df > 120 else T95[max(k for k in T95 if k <= df)]
    mean = statistics.fmean(values)
    half = critical * statistics.stdev(values) / math.sqrt(n)
    return Interval(mean - half, mean + half)


@dataclass(frozen=True, slots=True)
class VariantStats:
    schedule: str
    variant: str
    prompts: int
    mean_replies: float
    replies_ci: Interval | None
    mean_repliers: float
    repliers_ci: Interval | None


def variant_engagement(
    engagement: Iterable[PromptEngagement], *, since: datetime | None = None, until: datetime | None = None
) -> list[VariantStats]:
    """Split tests: per schedule and variant, mean replies and repliers per prompt, 95% t-intervals.

    Only scheduled prompts with a variant count (posts by hand are not randomised).
    """
    groups: dict[tuple[str, str], list[PromptEngagement]] = defaultdict(list)
    for p in engagement:
        inside = (since is None or p.posted_at >= since) and (until is None or p.posted_at < until)
        if p.variant and not p.manual and inside:
            groups[(p.schedule, p.variant)].append(p)
    found = []
    for (schedule, variant), ps in sorted(groups.items()):
        replies = [float(p.replies) for p in ps]
        repliers = [float(p.repliers) for p in ps]
        found.append(
            VariantStats(
                schedule=schedule,
                variant=variant,
                prompts=len(ps),
                mean_replies=statistics.fmean(replies),
                replies_ci=t_interval(replies),
                mean_repliers=statistics.fmean(repliers),
                repliers_ci=t_interval(repliers),
            )
        )
    return found


# ---------------------------------------------------------------------------- goals

# metric name -> (what it counts, whether it is a percentage)
GOAL_METRICS: dict[str, tuple[str, bool]] = {
    "members_joined": ("members who joined since the cohort start", False),
    "introductions": ("introductions made since the cohort start", False),
    "active_members": ("members active in the last 7 days", False),
    "posters": ("members who posted since the cohort start", False),
    "messages": ("messages and replies since the cohort start", False),
    "activation_rate": ("% of newcomers who posted within 7 days of joining", True),
    "retention_rate": ("% of newcomers active in their first week who were active in the second", True),
    "answered_rate": ("% of questions asked since the start that got a reply", True),
    "connections": ("introductions the bot matched that were confirmed as met", False),
}


class GoalLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def target(self) -> float: ...
    @property
    def by_week(self) -> int: ...


@dataclass(frozen=True, slots=True)
class GoalProgress:
    name: str
    metric: str
    value: float
    target: float
    by_week: int
    week: int
    status: str  # "met" | "on track" | "behind" | "below target" | "missed"


def cohort_week(start: date, today: date) -> int:
    """Week number of ``today`` in a cohort starting ``start`` (week 1 is its first 7 days)."""
    return (today - start).days // 7 + 1


def goal_values(
    records: Sequence[ActivityRecord],
    members: Iterable[Member],
    *,
    start: datetime,
    now: datetime,
    extra: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The value of every metric of :data:`GOAL_METRICS` (``extra`` supplies ``connections``)."""
    people = [m for m in members if not m.is_bot and not m.analytics_opt_out]
    since_start = [r for r in records if start <= r.at < now]
    outcomes = question_outcomes(records, start, now)
    rates = {
        "activation_rate": activation(records, people, start, now, now=now),
        "retention_rate": retention(records, people, start, now, now=now),
        "answered_rate": Rate(sum(1 for o in outcomes if o.first_reply_at), len(outcomes)),
    }
    values: dict[str, float] = {
        "members_joined": sum(1 for m in people if m.joined_at is not None and start <= m.joined_at < now),
        "introductions": sum(
            1 for m in people if m.introduced_at is not None and start <= m.introduced_at < now
        ),
        "active_members": len(active_users(records, now - WEEK, now)),
        "posters": len({r.user.id for r in since_start if r.kind in POSTING}),
        "messages": sum(1 for r in since_start if r.kind in POSTING),
        **{name: 100.0 * (rate.value or 0.0) for name, rate in rates.items()},
        "connections": 0.0,
    }
    values.update(extra or {})
    return values


def goal_progress(goals: Iterable[GoalLike], values: Mapping[str, float], *, week: int) -> list[GoalProgress]:
    """Each goal's value against its target and timeline.

    Counts are on track when at least ``target * week / by_week`` (a straight line to the
    target); percentages have no pace, only "below target" until their week has passed.
    """
    found = []
    for goal in goals:
        value = float(values.get(goal.metric, 0.0))
        rate = GOAL_METRICS.get(goal.metric, ("", False))[1]
        if value >= goal.target:
            status = "met"
        elif week > goal.by_week:
            status = "missed"
        elif rate:
            status = "below target"
        else:
            status = "on track" if value >= goal.target * week / goal.by_week else "behind"
        found.append(
            GoalProgress(
                name=goal.name,
                metric=goal.metric,
                value=value,
                target=goal.target,
                by_week=goal.by_week,
                week=week,
                status=status,
            )
        )
    return found
