"""The weekly digest for the moderators: the synthetic community of ``tests/unit/synthetic.py``
(its numbers worked out there by hand), compared week on week, with charts and goals."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.health.weeks import DASH as N
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
    assert digest.message.title == f"Community health: Test Community, 30 Mar{N}5 Apr 2026"
    text = lines(digest)
    # Every figure says which days it covers, and its change which days it is compared with.
    # week 5: only the core (a0..a29) posts, daily; week 4: all 120 of a on Monday, the core daily
    assert f"**Active members (30 Mar{N}5 Apr)**: 30 (-90 vs 23{N}29 Mar)" in text
    assert f"**DAU (avg over 30 Mar{N}5 Apr)**: 30.0 ({30 - (120 + 6 * 30) / 7:+.1f} vs 23{N}29 Mar)" in text
    # DAU/MAU: average DAU over average 28-day actives. Week 5: 30 over (a 120, b 80, d 40 = 240
    # on days 28..33, 200 on day 34 when b40..b79's week 1 is out); week 4: (300/7) over 240.
    now, before = 100 * 30 / ((240 * 6 + 200) / 7), 100 * (300 / 7) / 240
    assert f"**Stickiness, DAU/MAU (avg over 30 Mar{N}5 Apr)**: {now:.0f}% ({now - before:+.0f} pts" in (
        digest.message.text
    )
    assert f"**Messages and replies (30 Mar{N}5 Apr)**: 210 (-90 vs 23{N}29 Mar)" in text
    assert f"**Questions answered (asked 30 Mar{N}5 Apr)**: n/a, none asked" in text  # not "0 of 0"
    assert f"30 Mar{N}5 Apr: of 340 members, 30 posted, 0 only reacted, 310 were silent." in text
    assert "Active in the 7 days to 5 Apr: 30; in the 28 days to 5 Apr: 200." in text
    assert (
        f"Posted within 7 days of joining, of those who joined 9 Mar{N}5 Apr with that week over: "
        "30/40 (75%)." in text
    )
    assert (
        f"Active again in their second week, of those active in the first (joined 9 Mar{N}5 Apr, "
        "second week over): 20/30 (67%)." in text
    )
    assert f"Joined 30 Mar{N}5 Apr: 0; introduced themselves: n/a, nobody joined." in text
    assert f"None asked 30 Mar{N}5 Apr." in text
    assert "- <#general>: 210 messages, 0 replies, 0 reactions, 30 people" in text
    # six weeks asked for; the cohort started on Monday 2 Mar: the table starts there
    weeks = text[text.index("**Volume and sentiment by week (weeks from Monday)**") + 1 :]
    assert weeks[:5] == [
        f"- 2{N}8 Mar: 840 posts, 560 reactions, 200 active, sentiment +0.50",
        f"- 9{N}15 Mar: 890 posts, 280 reactions, 190 active, sentiment +0.21",
        f"- 16{N}22 Mar: 330 posts, 0 reactions, 150 active, sentiment +0.00",
        f"- 23{N}29 Mar: 300 posts, 0 reactions, 120 active, sentiment -0.40",
        f"- 30 Mar{N}5 Apr: 210 posts, 0 reactions, 30 active, sentiment +0.10",
    ]
    assert f"**Recently inactive (last active 9{N}29 Mar)**" in text
    assert any(line.startswith("170 member(s): <@d20>, <@d21>") and "and 160 more" in line for line in text)
    # goals: cohort started Mar 02, the digest's last day (Apr 05) is in week 5
    assert "Cohort week 5 (started 2 Mar), as of 5 Apr:" in text
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
    assert second.message.title.endswith(f"6{N}12 Apr 2026")
    assert f"**Active members (6{N}12 Apr)**: 0 (-30 vs 30 Mar{N}5 Apr)" in lines(second)
    await bot.close()


async def test_without_a_chart_renderer_the_digest_is_text_only(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    bot.runtime.engine.charts = None
    await bot.advance("10h")
    [digest] = bot.posts_in("mod-team")
    assert digest.message.attachments == ()
    assert f"**Active members (30 Mar{N}5 Apr)**: 30 (-90 vs 23{N}29 Mar)" in lines(digest)
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
        "- split test weekly/short since 2 Mar: 3 prompt(s); replies per prompt 4.0 (95% CI 0.0 to 9.0); "
        "repliers 2.0 (95% CI 0.0 to 4.5)" in text
    )
    assert (
        "- split test weekly/long since 2 Mar: 1 prompt(s); replies per prompt 9.0 "
        "(95% CI n/a, fewer than 2 prompts);" in answer.message.text
    )
    await bot.close()


def test_the_goal_metrics_the_playbook_accepts_are_the_ones_analytics_computes() -> None:
    from typing import get_args

    from cohortbot.playbook.analytics.goals import GOAL_METRICS
    from cohortbot.playbook.steps.health.config import Metric

    assert set(get_args(Metric)) == set(GOAL_METRICS)
