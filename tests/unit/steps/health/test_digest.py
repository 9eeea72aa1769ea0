"""The weekly digest for the moderators: the synthetic community of ``tests/unit/synthetic.py``
(its numbers worked out there by hand), compared week on week, with charts and goals."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.prompts.model import STEP_NAME as PROMPTS
from cohortbot.playbook.steps.prompts.model import PostedLog, PostedPrompt
from tests.unit import synthetic
from tests.unit.steps.health.support import PNG, lines, with_synthetic_community

# ---------------------------------------------------------------------------- the weekly digest


async def test_the_monday_digest_compares_last_week_with_the_week_before(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    await bot.advance("9h")
    assert bot.posts_in("mod-team") == []  # Monday 08:00: not yet
    await bot.advance("1h")
    [digest] = bot.posts_in("mod-team")
    assert digest.message.title == "Community health: Test Community, Mar 30 to Apr 05"
    text = lines(digest)
    # week 5: only the core (a0..a29) posts, daily; week 4: all 120 of a on Monday, the core daily
    assert "**Active members**: 30 (-90 vs previous period)" in text
    assert f"**Average daily active (DAU)**: 30.0 ({30 - (120 + 6 * 30) / 7:+.1f} vs previous period)" in text
    # DAU/MAU: 30 / 200 now; week 4: (300/7) / (a 120 + b0..b39 + d 40 = 200, days 0..27: +b40..b79 = 240)
    assert f"**Stickiness (DAU/MAU)**: 15% ({15 - 100 * (300 / 7) / 240:+.0f} pts vs previous period)" in text
    assert "**Messages and replies**: 210 (-90 vs previous period)" in text
    assert "340 members: 30 posted, 0 only reacted, 310 were silent." in text
    assert "Active in the last 7 days: 30; in the last 28 days: 200." in text
    assert any(line.startswith("Posted within 7 days of joining: 30/40 (75%)") for line in text)
    assert "Active again in their second week, of those active in the first: 20/30 (67%)." in text
    assert "- <#general>: 210 messages, 0 replies, 0 reactions, 30 people" in text
    assert "- week of Mar 09: 890 posts, 280 reactions, 190 active, sentiment +0.21" in text
    assert "- week of Mar 30: 210 posts, 0 reactions, 30 active, sentiment +0.10" in text
    assert any(line.startswith("170 member(s): <@d20>, <@d21>") and "and 160 more" in line for line in text)
    # goals: cohort started Mar 02, the digest's last day (Apr 05) is in week 5
    assert "Cohort week 5 (started Mar 02):" in text
    assert "- Members invited: 40 of 20 by week 3: **met**" in text
    assert "- Introductions: 25 of 30 by week 6: **on track**" in text  # 25 >= 30 * 5/6
    assert "No survey answers yet." in text
    charts = {a.filename: a for a in digest.message.attachments}
    assert sorted(charts) == ["channels.png", "participation.png", "sentiment.png"]
    assert all(a.content_type == "image/png" and a.data.startswith(PNG) for a in charts.values())
    await bot.close()


async def test_one_digest_per_week(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    await bot.advance("1d")
    await bot.advance("2h")
    assert len(bot.posts_in("mod-team")) == 1
    await bot.advance("7d")
    first, second = bot.posts_in("mod-team")
    assert first.key != second.key
    assert second.message.title.endswith("Apr 06 to Apr 12")
    assert "**Active members**: 0 (-30 vs previous period)" in lines(second)
    await bot.close()


async def test_without_a_chart_renderer_the_digest_is_text_only(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    bot.runtime.engine.charts = None
    await bot.advance("10h")
    [digest] = bot.posts_in("mod-team")
    assert digest.message.attachments == ()
    assert "**Active members**: 30 (-90 vs previous period)" in lines(digest)
    await bot.close()


async def test_split_test_engagement_is_in_the_report(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    log = PostedLog()
    for n, (variant, replies) in enumerate([("short", 2), ("short", 4), ("short", 6), ("long", 9)]):
        log.record(
            PostedPrompt(
                key=f"p{n}",
                schedule="weekly",
                question="q",
                posted_at=synthetic.day(7 * n + 1, 9),
                channel="general",
                want_thread=True,
                variant=variant,
                replies=replies,
                repliers=[f"u{i}" for i in range(replies // 2)],
            )
        )
    async with bot.database.unit_of_work() as uow:
        await DocumentStore(uow.state, bot.community, PROMPTS).store(log)
        await uow.commit()
    answer = await bot.command("mod", "health")
    assert answer is not None
    text = answer.message.text.splitlines()
    # short: 2, 4, 6 -> 4 ± 4.303 * 2 / sqrt(3) = 4 ± 4.97, shown from 0; repliers 1, 2, 3 -> 2 ± 2.48
    assert (
        "- split test weekly/short: 3 prompt(s); replies per prompt 4.0 (95% CI 0.0 to 9.0); "
        "repliers 2.0 (95% CI 0.0 to 4.5)" in text
    )
    assert (
        "- split test weekly/long: 1 prompt(s); replies per prompt 9.0 (95% CI n/a, fewer than 2 prompts);"
        in (answer.message.text)
    )
    await bot.close()


def test_the_goal_metrics_the_playbook_accepts_are_the_ones_analytics_computes() -> None:
    from typing import get_args

    from cohortbot.playbook.analytics.goals import GOAL_METRICS
    from cohortbot.playbook.steps.health.config import Metric

    assert set(get_args(Metric)) == set(GOAL_METRICS)
