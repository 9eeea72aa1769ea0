"""Prompt engagement and split tests (A/B), pure: per-variant means with 95% t-intervals.

The interval is Student's t for the mean of replies (and of repliers) per prompt: prompts are
few (one a week per variant), so the normal approximation would be too narrow. Two
variants whose intervals overlap have not been shown to differ.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "T95",
    "Interval",
    "PromptEngagement",
    "PromptStats",
    "VariantStats",
    "prompt_summary",
    "t_interval",
    "variant_engagement",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class PromptEngagement:
    """How one posted prompt did: replies and distinct repliers (counts, never who or what)."""

    schedule: str
    key: str
    question_id: str | None  # None for announcements
    posted_at: datetime
    replies: int
    repliers: int
    manual: bool = False
    late: bool = False
    variant: str = ""  # the split-test variant posted ("" when the schedule has none)


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
