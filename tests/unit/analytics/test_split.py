"""Prompt engagement per schedule and split tests (A/B) with 95% t-intervals."""

from __future__ import annotations

import math

import pytest

from cohortbot.playbook.analytics.split import (
    PromptEngagement,
    prompt_summary,
    t_interval,
    variant_engagement,
)
from tests.unit.synthetic import START, day


def prompt(variant: str, replies: int, repliers: int, d: int, *, manual: bool = False) -> PromptEngagement:
    return PromptEngagement(
        schedule="weekly",
        key=f"k{variant}{d}",
        question_id="q",
        posted_at=day(d, 9),
        replies=replies,
        repliers=repliers,
        variant=variant,
        manual=manual,
    )


SPLIT = [
    prompt("short", 2, 2, 0),
    prompt("short", 4, 3, 7),
    prompt("short", 6, 4, 14),
    prompt("long", 5, 1, 1),
    prompt("long", 7, 1, 8),
    prompt("long", 9, 4, 15),
    prompt("long", 11, 6, 22),
    prompt("long", 50, 50, 23, manual=True),  # by hand: not randomised, not counted
    prompt("", 3, 3, 2),  # no variants
]


def test_engagement_per_prompt_schedule() -> None:
    stats = prompt_summary(SPLIT, START, day(14))
    assert len(stats) == 1
    only = stats[0]
    # posted before day 14: short 2, 4; long 5, 7; the plain one 3
    assert (only.prompts, only.replies, only.repliers) == (5, 2 + 4 + 5 + 7 + 3, 2 + 3 + 1 + 1 + 3)
    assert only.mean_replies == pytest.approx(21 / 5)


def test_split_test_variants_get_95_percent_t_intervals() -> None:
    long, short = variant_engagement(SPLIT)
    assert (short.variant, short.prompts, short.mean_replies) == ("short", 3, 4.0)
    # replies 2, 4, 6: sd 2, t(0.975, df 2) = 4.303 -> 4 ± 4.303 * 2 / sqrt(3)
    half = 4.303 * 2 / math.sqrt(3)
    assert (short.replies_ci.low, short.replies_ci.high) == pytest.approx((4 - half, 4 + half))
    # repliers 2, 3, 4: sd 1 -> 3 ± 4.303 / sqrt(3)
    assert short.mean_repliers == 3.0
    assert short.repliers_ci.high == pytest.approx(3 + 4.303 / math.sqrt(3))
    # long: replies 5, 7, 9, 11 (the manual 50 left out): mean 8, sd sqrt(20/3), t(df 3) = 3.182
    assert (long.variant, long.prompts, long.mean_replies) == ("long", 4, 8.0)
    half = 3.182 * math.sqrt(20 / 3) / 2
    assert (long.replies_ci.low, long.replies_ci.high) == pytest.approx((8 - half, 8 + half))
    week2 = variant_engagement(SPLIT, since=day(7), until=day(14))
    assert [(v.variant, v.prompts, v.replies_ci) for v in week2] == [("long", 1, None), ("short", 1, None)]


def test_t_interval_edges() -> None:
    assert t_interval([3.0]) is None
    same = t_interval([2.0, 2.0, 2.0])
    assert same is not None and (same.low, same.high) == (2.0, 2.0)
    # df 35 lies between 30 and 40: the df-30 value (2.042) is used, conservatively
    values = [float(i % 2) for i in range(36)]
    interval = t_interval(values)
    sd = math.sqrt(sum((v - 0.5) ** 2 for v in values) / 35)
    assert interval is not None and interval.high == pytest.approx(0.5 + 2.042 * sd / 6)
    big = t_interval([float(i % 2) for i in range(200)])
    assert big is not None and big.high == pytest.approx(0.5 + 1.96 * math.sqrt(50 / 199) / math.sqrt(200))
