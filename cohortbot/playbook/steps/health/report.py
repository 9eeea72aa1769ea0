"""The community health report, pure: one structure for the chat digest, the command and files.

:func:`build_report` turns the gathered inputs (activity records, members, prompt log, survey
headlines) into headline numbers with their change against the previous period, readable
sections, chart specifications and CSV rows. The digest, ``/cohort health`` and
``cohortbot report`` all show this same report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cohortbot.playbook.analytics.goals import cohort_week, goal_progress, goal_values
from cohortbot.playbook.analytics.metrics import (
    ChannelStats,
    Days,
    Participants,
    PromptEngagement,
    QuestionOutcome,
    WeekStats,
    activation,
    day_start,
    introductions,
    median_first_reply,
    participants,
    participation_mix,
    posts,
    prompt_summary,
    recently_inactive,
    retention,
    stickiness,
    variant_engagement,
    weekly,
)
from cohortbot.playbook.charts import Chart
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import mention, timestamp
from cohortbot.playbook.ports import Member, NewcomerActivity, QuestionCounts, UserActivity
from cohortbot.playbook.refs import ChannelRef
from cohortbot.playbook.steps.health.charts import channel_chart, participation_chart, sentiment_chart
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.window import LAST_WEEK, PERIOD, PREVIOUS, SINCE_START, Window

__all__ = ["Headline", "HealthInputs", "HealthReport", "build_report", "format_delay"]


@dataclass(frozen=True, kw_only=True)
class HealthInputs:
    """What the store answered for the report's window (see ``window.Window`` for the ranges)."""

    window: Window
    members: Sequence[Member]  # including members who left
    days: Days  # from window.first_day to window.last_day
    users: Sequence[UserActivity]  # from window.users_from, for window.periods
    channels: Sequence[ChannelStats]  # the period's
    questions: Sequence[QuestionOutcome]  # asked since window.questions_from
    answered: QuestionCounts | None  # asked since window.goal_from (None without goals)
    newcomers: Sequence[NewcomerActivity]  # joined since window.newcomers_from
    prompts: Sequence[PromptEngagement] = ()
    surveys: Sequence[str] = ()  # one headline per survey (surveys.api.survey_headlines)
    connections: int | None = None  # intros: matches confirmed met, when the intros step runs


@dataclass(frozen=True, slots=True)
class Headline:
    label: str
    value: str
    change: str  # "+12 vs previous 7 days", "" when not comparable


@dataclass(frozen=True, kw_only=True)
class HealthReport:
    title: str
    since: date
    until: date  # exclusive
    headline: list[Headline]
    sections: list[tuple[str, list[str]]]
    charts: list[Chart] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (section, metric, value)

    def text(self, limit: int | None = None) -> str:
        """The report as message text; with ``limit``, cut to it with how many lines were left out."""
        lines = [f"**{h.label}**: {h.value}" + (f" ({h.change})" if h.change else "") for h in self.headline]
        for heading, body in self.sections:
            lines += ["", f"**{heading}**", *body]
        return "\n".join(lines if limit is None else fit_lines(lines, limit))


def format_delay(delta: timedelta | None) -> str:
    if delta is None:
        return "n/a"
    minutes = round(delta.total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _change(now: float, before: float, digits: int = 0, *, unit: str = "") -> str:
    return f"{now - before:+.{digits}f}{unit} vs previous period"


@dataclass(frozen=True, kw_only=True)
class _Period:
    """The report's window and what every section needs from it."""

    inputs: HealthInputs
    cfg: HealthConfig
    w: Window
    now: Participants
    then: Participants
    newcomers: dict[str, NewcomerActivity]

    def asked(self, since: datetime, until: datetime) -> list[QuestionOutcome]:
        return [o for o in self.inputs.questions if since <= o.question.at < until]


def build_report(inputs: HealthInputs, cfg: HealthConfig, *, community: str = "") -> HealthReport:
    """The report for the window's local days ``[since, until)``, compared with the period before it.

    ``history_from`` starts the charts and the weekly table; ``newcomers`` starts the
    newcomers whose activation and retention are measured.
    """
    w = inputs.window
    p = _Period(
        inputs=inputs,
        cfg=cfg,
        w=w,
        now=participants(inputs.users, PERIOD),
        then=participants(inputs.users, PREVIOUS),
        newcomers={n.user: n for n in inputs.newcomers},
    )
    weeks = weekly(inputs.days, w.history_from, w.weeks)
    channels = inputs.channels
    headline = _headline(p)
    sections = [
        _participation(p),
        _newcomers(p),
        _questions(p),
        _channels(channels),
        _prompts(p),
        *([_weeks(weeks)] if cfg.sentiment == "show" else []),
        ("Surveys", list(inputs.surveys) or ["No survey answers yet."]),
        _inactive(p),
        *_goals(p),
    ]
    charts = [participation_chart(inputs.days, w.history_from, w.until), channel_chart(channels)]
    if cfg.sentiment == "show":
        charts.append(sentiment_chart(weeks))
    last = w.until - timedelta(days=1)
    return HealthReport(
        title=f"Community health{f': {community}' if community else ''}, {w.since:%b %d} to {last:%b %d}",
        since=w.since,
        until=w.until,
        headline=headline,
        sections=sections,
        charts=charts if cfg.charts else [],
        rows=_rows(headline, sections, channels, weeks),
    )


def _headline(p: _Period) -> list[Headline]:
    members, w, days = p.inputs.members, p.w, p.inputs.days
    now_mix = participation_mix(p.now, members, w.end)
    then_mix = participation_mix(p.then, members, w.start)
    active, active_before = now_mix.posters + now_mix.reactors_only, then_mix.posters + then_mix.reactors_only
    sticky = stickiness(days, w.until - timedelta(days=1))
    then = stickiness(days, w.since - timedelta(days=1))
    length = w.until - w.since
    posts_now = posts(days, w.since, w.until - timedelta(days=1))
    posts_before = posts(days, w.since - length, w.since - timedelta(days=1))
    joined, joined_before = len(_joined(members, w.start, w.end)), len(_joined(members, w.before, w.start))
    made, _ = introductions(members, w.start, w.end)
    made_before, _ = introductions(members, w.before, w.start)
    asked = p.asked(w.start, w.end)
    answered = sum(1 for o in asked if o.first_reply_at is not None)
    median, median_before = median_first_reply(asked), median_first_reply(p.asked(w.before, w.start))
    ratio, ratio_before = 100 * (sticky.ratio or 0), 100 * (then.ratio or 0)
    return [
        Headline("Active members", str(active), _change(active, active_before)),
        Headline(
            "Average daily active (DAU)", f"{sticky.avg_dau:.1f}", _change(sticky.avg_dau, then.avg_dau, 1)
        ),
        Headline("Stickiness (DAU/MAU)", _pct(sticky.ratio), _change(ratio, ratio_before, unit=" pts")),
        Headline("Messages and replies", str(posts_now), _change(posts_now, posts_before)),
        Headline("New members", str(joined), _change(joined, joined_before)),
        Headline("Introductions", str(made), _change(made, made_before)),
        Headline("Questions answered", f"{answered} of {len(asked)}", ""),
        Headline(
            "Median time to first reply",
            format_delay(median),
            f"was {format_delay(median_before)}" if median_before else "",
        ),
    ]


def _participation(p: _Period) -> tuple[str, list[str]]:
    mix = participation_mix(p.now, p.inputs.members, p.w.end)
    sticky = stickiness(p.inputs.days, p.w.until - timedelta(days=1))
    return (
        "Participation",
        [
            f"{mix.members} members: {mix.posters} posted, {mix.reactors_only} only reacted, "
            f"{mix.lurkers} were silent.",
            f"Active in the last 7 days: {sticky.wau}; in the last 28 days: {sticky.mau}.",
        ],
    )


def _newcomers(p: _Period) -> tuple[str, list[str]]:
    members, w = p.inputs.members, p.w
    _, intro_rate = introductions(members, w.start, w.end)
    activated = activation(p.newcomers, members, w.newcomers, w.end, now=w.end)
    kept = retention(p.newcomers, members, w.newcomers, w.end, now=w.end)
    return (
        "Newcomers",
        [
            f"Joined this period: {len(_joined(members, w.start, w.end))}; "
            f"introduced themselves: {intro_rate}.",
            f"Posted within 7 days of joining: {activated} (joined since {timestamp(w.newcomers)}, "
            "first week over).",
            f"Active again in their second week, of those active in the first: {kept}.",
        ],
    )


def _questions(p: _Period) -> tuple[str, list[str]]:
    asked = p.asked(p.w.start, p.w.end)
    unanswered = [o for o in asked if o.first_reply_at is None]
    lines = [
        f"{len(asked)} asked, {len(unanswered)} without a reply; "
        f"median time to the first reply {format_delay(median_first_reply(asked))}."
    ]
    lines += [
        f"- unanswered: {mention(o.question.user)} in {_where(o.question.channel)} {timestamp(o.question.at)}"
        for o in unanswered[:5]
    ]
    return ("Questions", lines)


def _channels(channels: Sequence[ChannelStats]) -> tuple[str, list[str]]:
    lines = [
        f"- <#{c.channel}>: {c.messages} messages, {c.replies} replies, {c.reactions} reactions, "
        f"{c.participants} people"
        for c in channels[:8]
    ]
    return ("Channels", lines or ["No activity recorded."])


def _prompts(p: _Period) -> tuple[str, list[str]]:
    lines = [
        f"- {s.schedule}: {s.prompts} prompt(s), {s.replies} replies ({s.mean_replies:.1f} each), "
        f"{s.repliers} repliers"
        for s in prompt_summary(p.inputs.prompts, p.w.start, p.w.end)
    ]
    for v in variant_engagement(p.inputs.prompts, since=day_start(p.w.history_from, p.w.zone), until=p.w.end):
        lines.append(
            f"- split test {v.schedule}/{v.variant}: {v.prompts} prompt(s); replies per prompt "
            f"{v.mean_replies:.1f} (95% CI {_ci(v.replies_ci)}); repliers {v.mean_repliers:.1f} "
            f"(95% CI {_ci(v.repliers_ci)})"
        )
    return ("Prompts", lines or ["No prompts posted this period."])


def _weeks(weeks: Sequence[WeekStats]) -> tuple[str, list[str]]:
    return (
        "Volume and sentiment by week",
        [
            f"- week of {w.start:%b %d}: {w.posts} posts, {w.reactions} reactions, "
            f"{w.active} active, sentiment {_signed(w.sentiment)}"
            for w in weeks
        ],
    )


def _inactive(p: _Period) -> tuple[str, list[str]]:
    quiet = recently_inactive(p.inputs.users, p.inputs.members, now=p.w.end)
    limit = p.cfg.inactive_listed
    named = ", ".join(mention(m.user) for m in quiet[:limit])
    more = f" and {len(quiet) - limit} more" if len(quiet) > limit else ""
    return (
        "Recently inactive (silent 7-28 days)",
        [f"{len(quiet)} member(s)" + (f": {named}{more}" if named else "") + "."],
    )


def _rows(
    headline: Sequence[Headline],
    sections: Sequence[tuple[str, list[str]]],
    channels: Sequence[ChannelStats],
    weeks: Sequence[WeekStats],
) -> list[tuple[str, str, str]]:
    rows = [("headline", h.label, h.value) for h in headline]
    per_channel = ("messages", "replies", "reactions", "participants")
    rows += [("channel", f"{c.channel} {k}", str(getattr(c, k))) for c in channels for k in per_channel]
    per_week = ("active", "messages", "replies", "reactions", "sentiment")
    rows += [("week", f"{w.start.isoformat()} {k}", _csv(getattr(w, k))) for w in weeks for k in per_week]
    tabulated = ("Channels", "Volume and sentiment by week")  # already in rows above
    rows += [(heading, "", line) for heading, body in sections if heading not in tabulated for line in body]
    return rows


def _goals(p: _Period) -> list[tuple[str, list[str]]]:
    cfg, inputs, w = p.cfg, p.inputs, p.w
    if not cfg.goals or w.goal_start is None:
        return []
    start, since = w.goal_start, day_start(w.goal_start, w.zone)
    extra = {"connections": float(inputs.connections)} if inputs.connections is not None else None
    first = max(start, w.first_day)
    values = goal_values(
        inputs.members,
        start=since,
        now=w.end,
        messages=posts(inputs.days, first, w.until - timedelta(days=1)),
        since_start=participants(inputs.users, SINCE_START),
        last_week=participants(inputs.users, LAST_WEEK),
        questions=inputs.answered or QuestionCounts(0, 0),
        newcomers=p.newcomers,
        extra=extra,
    )
    week = cohort_week(start, w.until - timedelta(days=1))
    if week < 1:
        return [("Goals", [f"The cohort starts {start:%b %d}; goals are tracked from then."])]
    lines = [f"Cohort week {week} (started {start:%b %d}):"]
    for g in goal_progress(cfg.goals, values, week=week):
        unit = "%" if g.metric.endswith("_rate") else ""
        lines.append(
            f"- {g.name}: {g.value:.0f}{unit} of {g.target:.0f}{unit} by week {g.by_week}: **{g.status}**"
        )
    return [("Goals", lines)]


def _joined(members: Sequence[Member], since: datetime, until: datetime) -> list[Member]:
    return [
        m
        for m in members
        if not m.is_bot
        and not m.analytics_opt_out
        and m.joined_at is not None
        and since <= m.joined_at < until
    ]


def _pct(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "n/a"


def _signed(value: float | None) -> str:
    return f"{value:+.2f}" if value is not None else "n/a"


def _ci(interval: object) -> str:
    low, high = getattr(interval, "low", None), getattr(interval, "high", None)
    if low is None or high is None:
        return "n/a, fewer than 2 prompts"
    return f"{max(0.0, low):.1f} to {high:.1f}"  # counts: a negative bound means 0


def _csv(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _where(channel: ChannelRef | None) -> str:
    return f"<#{channel.name or channel.id}>" if channel else "a channel"  # names read well in files too
