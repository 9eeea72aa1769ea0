"""The health report's charts, as pure specifications (the ChartRenderer port draws them)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from cohortbot.playbook.analytics.metrics import (
    ChannelStats,
    Days,
    WeekStats,
    daily_active,
    rolling_weekly_active,
)
from cohortbot.playbook.charts import Chart, Series
from cohortbot.playbook.steps.health.weeks import span

__all__ = ["channel_chart", "participation_chart", "sentiment_chart"]

MAX_CHANNELS = 8


def participation_chart(days: Days, first: date, until: date) -> Chart:
    """Daily active members and the rolling 7-day actives, one point a day (labels weekly)."""
    last = until - timedelta(days=1)
    dau = daily_active(days, first, last)
    wau = rolling_weekly_active(days, first, last)
    labels = tuple(f"{d:%b %d}" if i % 7 == 0 else "" for i, (d, _) in enumerate(dau))
    peak = max((n for _, n in wau), default=0)
    return Chart(
        title="Participation: active members per day and per 7 days",
        labels=labels,
        series=(
            Series(name="daily active (DAU)", values=tuple(float(n) for _, n in dau)),
            Series(name="active in the last 7 days (WAU)", values=tuple(float(n) for _, n in wau)),
        ),
        y_label="members",
        filename="participation.png",
        alt_text=f"{span(first, last)}: {dau[-1][1] if dau else 0} active on {last.day} {last:%b}, "
        f"{wau[-1][1] if wau else 0} in the 7 days to it; at most {peak} in 7 days.",
    )


def channel_chart(channels: Sequence[ChannelStats]) -> Chart:
    """Messages, replies and reactions per channel (the busiest channels).

    Quietest first: the busiest bars stand on the right, clear of the legend (upper left).
    """
    shown = sorted(channels[:MAX_CHANNELS], key=lambda c: (c.total, c.channel))
    labels = tuple(f"#{c.channel}" for c in shown) or ("no activity",)

    def values(kind: str) -> tuple[float, ...]:
        return tuple(float(getattr(c, kind)) for c in shown) or (0.0,)

    return Chart(
        title="Engagement per channel",
        labels=labels,
        series=tuple(
            Series(name=kind, values=values(kind), style="bar")
            for kind in ("messages", "replies", "reactions")
        ),
        y_label="count",
        filename="channels.png",
        alt_text="; ".join(
            f"#{c.channel}: {c.messages} messages, {c.replies} replies, {c.reactions} reactions, "
            f"{c.participants} people"
            for c in shown
        )
        or "No activity.",
    )


def sentiment_chart(weeks: Sequence[WeekStats]) -> Chart:
    """Posts per week (bars) with the mean sentiment beside them (line, right axis, -1..+1)."""
    return Chart(
        title="Volume and sentiment by week",
        labels=tuple(span(w.start, w.end) for w in weeks),
        series=(
            Series(name="messages and replies", values=tuple(float(w.posts) for w in weeks), style="bar"),
            Series(
                name="mean sentiment (-1..+1)",
                values=tuple(math.nan if w.sentiment is None else w.sentiment for w in weeks),
                axis="right",
            ),
        ),
        y_label="posts",
        y2_label="sentiment",
        filename="sentiment.png",
        alt_text="; ".join(
            f"{span(w.start, w.end)}: {w.posts} posts, sentiment "
            + (f"{w.sentiment:+.2f}" if w.sentiment is not None else "n/a")
            for w in weeks
        ),
    )
