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

from cohortbot.playbook.analytics.metrics import (
    ChannelStats,
    Participants,
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
from cohortbot.playbook.ports import Member, NewcomerActivity
from cohortbot.playbook.steps.health.attendance import sessions_section
from cohortbot.playbook.steps.health.charts import channel_chart, participation_chart, sentiment_chart
from cohortbot.playbook.steps.health.cohorts import cohort_sections, running
from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.goals import goals_section
from cohortbot.playbook.steps.health.inputs import HealthInputs
from cohortbot.playbook.steps.health.text import (
    WEEKS,
    ci,
    csv_value,
    day_label,
    format_delay,
    pct,
    weeks_section,
    where,
)
from cohortbot.playbook.steps.health.weeks import span
from cohortbot.playbook.steps.health.window import LAST_ROW, PERIOD, PREVIOUS, Window

__all__ = ["Headline", "HealthInputs", "HealthReport", "build_report"]

CHANNELS = "Channels"  # tabulated in the CSV rows, as the weekly table is


@dataclass(frozen=True, slots=True)
class Headline:
    label: str  # what it counts, the same in every report ("Active members")
    value: str
    change: str  # "+12 vs 23-29 Mar", "" when not comparable
    span: str = ""  # the days it covers ("avg over 30 Mar-5 Apr")

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.span})" if self.span else self.label


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
        lines = [
            f"**{h.heading}**: {h.value}" + (f" ({h.change})" if h.change else "") for h in self.headline
        ]
        for heading, body in self.sections:
            lines += ["", f"**{heading}**", *body]
        return "\n".join(lines if limit is None else fit_lines(lines, limit))


@dataclass(frozen=True, kw_only=True)
class _Period:
    """The report's window and what every section needs from it."""

    inputs: HealthInputs
    cfg: HealthConfig
    w: Window
    now: Participants
    then: Participants
    newcomers: dict[str, NewcomerActivity]

    @property
    def last(self) -> date:
        return self.w.until - timedelta(days=1)

    @property
    def span(self) -> str:
        """The period's days, as labels show them ("30 Mar-5 Apr")."""
        return span(self.w.since, self.last)

    def change(self, now: float | None, before: float | None, digits: int = 0, *, unit: str = "") -> str:
        """Against the period before, unless it is wholly before the cohort's start."""
        if now is None or before is None or not self.w.compared:
            return ""
        previous = span(self.w.since - (self.w.until - self.w.since), self.w.since - timedelta(days=1))
        return f"{now - before:+.{digits}f}{unit} vs {previous}"

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
    weeks = weekly(
        inputs.days,
        w.history_from,
        w.weeks,
        last=w.last_day,
        active_last=len(participants(inputs.users, LAST_ROW).active),
    )
    channels = inputs.channels
    headline = _headline(p)
    shown = frozenset(c.name for c in running(inputs))
    sections = [
        *cohort_sections(inputs, cfg, p.newcomers),
        _participation(p),
        _newcomers(p),
        _questions(p),
        _channels(channels, p.span),
        _prompts(p),
        *([weeks_section(weeks, w.weekday)] if cfg.sentiment == "show" else []),
        ("Surveys (every round so far)", list(inputs.surveys) or ["No survey answers yet."]),
        *sessions_section(inputs.sessions, w.start, w.end, p.span),
        _inactive(p),
        *goals_section(inputs, cfg, p.newcomers, shown=shown),
    ]
    charts = [participation_chart(inputs.days, w.history_from, w.until), channel_chart(channels)]
    if cfg.sentiment == "show":
        charts.append(sentiment_chart(weeks))
    year = "" if w.since.year != p.last.year else f" {p.last.year}"
    return HealthReport(
        title=f"Community health{f': {community}' if community else ''}, {p.span}{year}",
        since=w.since,
        until=w.until,
        headline=headline,
        sections=sections,
        charts=charts if cfg.charts else [],
        rows=_rows(headline, sections, channels, weeks),
    )


def _headline(p: _Period) -> list[Headline]:
    members, w, days, period = p.inputs.members, p.w, p.inputs.days, p.span
    now_mix = participation_mix(p.now, members, w.end)
    then_mix = participation_mix(p.then, members, w.start)
    active, active_before = now_mix.posters + now_mix.reactors_only, then_mix.posters + then_mix.reactors_only
    length = w.until - w.since
    sticky = stickiness(days, w.since, p.last)
    then = stickiness(days, w.since - length, w.since - timedelta(days=1))
    posts_now = posts(days, w.since, p.last)
    posts_before = posts(days, w.since - length, w.since - timedelta(days=1))
    joined, joined_before = len(_joined(members, w.start, w.end)), len(_joined(members, w.before, w.start))
    made, _ = introductions(members, w.start, w.end)
    made_before, _ = introductions(members, w.before, w.start)
    asked = p.asked(w.start, w.end)
    answered = sum(1 for o in asked if o.first_reply_at is not None)
    median, median_before = median_first_reply(asked), median_first_reply(p.asked(w.before, w.start))
    ratio, ratio_before = sticky.ratio, then.ratio
    return [
        Headline("Active members", str(active), p.change(active, active_before), period),
        Headline(
            "DAU",
            f"{sticky.avg_dau:.1f}",
            p.change(sticky.avg_dau, then.avg_dau, 1),
            f"avg over {period}",
        ),
        Headline(
            "Stickiness, DAU/MAU",
            pct(ratio),
            p.change(
                None if ratio is None else 100 * ratio,
                None if ratio_before is None else 100 * ratio_before,
                unit=" pts",
            ),
            f"avg over {period}",
        ),
        Headline("Messages and replies", str(posts_now), p.change(posts_now, posts_before), period),
        Headline("New members", str(joined), p.change(joined, joined_before), period),
        Headline("Introductions", str(made), p.change(made, made_before), period),
        Headline(
            "Questions answered",
            f"{answered} of {len(asked)}" if asked else "n/a, none asked",
            "",
            f"asked {period}",
        ),
        Headline(
            "Median time to first reply",
            format_delay(median),
            f"was {format_delay(median_before)}" if median_before and w.compared else "",
            f"questions asked {period}",
        ),
    ]


def _participation(p: _Period) -> tuple[str, list[str]]:
    mix = participation_mix(p.now, p.inputs.members, p.w.end)
    sticky = stickiness(p.inputs.days, p.w.since, p.last)
    return (
        "Participation",
        [
            f"{p.span}: of {mix.members} members, {mix.posters} posted, {mix.reactors_only} only reacted, "
            f"{mix.lurkers} were silent.",
            f"Active in the 7 days to {day_label(p.last)}: {sticky.wau}; in the 28 days to "
            f"{day_label(p.last)}: {sticky.mau}.",
        ],
    )


def _newcomers(p: _Period) -> tuple[str, list[str]]:
    members, w = p.inputs.members, p.w
    _, intro_rate = introductions(members, w.start, w.end)
    activated = activation(p.newcomers, members, w.newcomers, w.end, now=w.end)
    kept = retention(p.newcomers, members, w.newcomers, w.end, now=w.end)
    joined = span(w.newcomers.astimezone(w.zone).date(), p.last)
    return (
        "Newcomers",
        [
            f"Joined {p.span}: {len(_joined(members, w.start, w.end))}; introduced themselves: "
            + (f"{intro_rate}." if intro_rate.total else "n/a, nobody joined."),
            f"Posted within 7 days of joining, of those who joined {joined} with that week over: "
            + (f"{activated}." if activated.total else "n/a, no newcomer's first week is over yet."),
            f"Active again in their second week, of those active in the first (joined {joined}, "
            "second week over): " + (f"{kept}." if kept.total else "n/a, no such newcomer yet."),
        ],
    )


def _questions(p: _Period) -> tuple[str, list[str]]:
    asked = p.asked(p.w.start, p.w.end)
    unanswered = [o for o in asked if o.first_reply_at is None]
    if not asked:
        return ("Questions", [f"None asked {p.span}."])
    lines = [
        f"Asked {p.span}: {len(asked)}, {len(unanswered)} without a reply; "
        f"median time to the first reply {format_delay(median_first_reply(asked))}."
    ]
    lines += [
        f"- unanswered: {mention(o.question.user)} in {where(o.question.channel)} {timestamp(o.question.at)}"
        for o in unanswered[:5]
    ]
    return ("Questions", lines)


def _channels(channels: Sequence[ChannelStats], period: str) -> tuple[str, list[str]]:
    lines = [
        f"- <#{c.channel}>: {c.messages} messages, {c.replies} replies, {c.reactions} reactions, "
        f"{c.participants} people"
        for c in channels[:8]
    ]
    return (f"{CHANNELS} ({period})", lines or ["No activity recorded."])


def _prompts(p: _Period) -> tuple[str, list[str]]:
    lines = [
        f"- {s.schedule}: {s.prompts} prompt(s), {s.replies} replies ({s.mean_replies:.1f} each), "
        f"{s.repliers} repliers"
        for s in prompt_summary(p.inputs.prompts, p.w.start, p.w.end)
    ]
    for v in variant_engagement(p.inputs.prompts, since=day_start(p.w.history_from, p.w.zone), until=p.w.end):
        lines.append(
            f"- split test {v.schedule}/{v.variant} since {day_label(p.w.history_from)}: "
            f"{v.prompts} prompt(s); replies per prompt "
            f"{v.mean_replies:.1f} (95% CI {ci(v.replies_ci)}); repliers {v.mean_repliers:.1f} "
            f"(95% CI {ci(v.repliers_ci)})"
        )
    return (f"Prompts ({p.span})", lines or ["No prompts posted."])


def _inactive(p: _Period) -> tuple[str, list[str]]:
    quiet = recently_inactive(p.inputs.users, p.inputs.members, now=p.w.end)
    limit = p.cfg.inactive_listed
    named = ", ".join(mention(m.user) for m in quiet[:limit])
    more = f" and {len(quiet) - limit} more" if len(quiet) > limit else ""
    quiet_days = span(p.w.until - timedelta(days=28), p.w.until - timedelta(days=8))
    return (
        f"Recently inactive (last active {quiet_days})",
        [f"{len(quiet)} member(s)" + (f": {named}{more}" if named else "") + "."],
    )


def _rows(
    headline: Sequence[Headline],
    sections: Sequence[tuple[str, list[str]]],
    channels: Sequence[ChannelStats],
    weeks: Sequence[WeekStats],
) -> list[tuple[str, str, str]]:
    rows = [("headline", h.label, h.value) for h in headline]  # the range: the file's columns
    per_channel = ("messages", "replies", "reactions", "participants")
    rows += [("channel", f"{c.channel} {k}", str(getattr(c, k))) for c in channels for k in per_channel]
    per_week = ("active", "messages", "replies", "reactions", "sentiment")
    rows += [
        ("week", f"{w.start.isoformat()} {k}", csv_value(getattr(w, k))) for w in weeks for k in per_week
    ]
    tabulated = (CHANNELS, WEEKS)  # already in rows above
    rows += [
        (heading, "", line)
        for heading, body in sections
        if not heading.startswith(tabulated)
        for line in body
    ]
    return rows


def _joined(members: Sequence[Member], since: datetime, until: datetime) -> list[Member]:
    return [
        m
        for m in members
        if not m.is_bot
        and not m.analytics_opt_out
        and m.joined_at is not None
        and since <= m.joined_at < until
    ]
