"""The health step as moderators see it: a weekly digest with charts, the same report on
demand, and a ping when a newcomer's question stays unanswered. The digest runs over the
synthetic community of ``tests/unit/synthetic.py`` (its numbers worked out there by hand)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.prompts.records import POSTED_STATE, record_post
from tests.harness import Harness
from tests.unit import synthetic

HEALTH_STEPS = list(STEPS)  # health is registered
PNG = b"\x89PNG\r\n\x1a\n"

PLAYBOOK = """
name: Health cohort
default: true
timezone: UTC
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    weeks: 6
    start: 2026-03-02
    goals:
      - {name: Members invited, metric: members_joined, target: 20, by_week: 3}
      - {name: Introductions, metric: introductions, target: 30, by_week: 6}
"""


async def with_synthetic_community(tmp_path: Path, yaml: str = PLAYBOOK) -> Harness:
    """The synthetic community's five weeks, loaded; the clock on Sunday of week 5, 23:00."""
    bot = await Harness.start(tmp_path, yaml, steps=HEALTH_STEPS, start=synthetic.day(34, 23))
    community = synthetic.build()
    async with bot.database.unit_of_work() as uow:
        for member in community.members:
            await uow.members.save(dataclasses.replace(member, community=bot.community))
        for record in community.records:
            await uow.activity.add(dataclasses.replace(record, community=bot.community))
        await uow.commit()
    await bot.command("mod", "help")  # the community becomes known to the scheduler
    return bot


def lines(post: PostMessage) -> list[str]:
    return post.message.text.splitlines()


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
    doc = None
    for n, (variant, replies) in enumerate([("short", 2), ("short", 4), ("short", 6), ("long", 9)]):
        doc = record_post(
            doc,
            key=f"p{n}",
            schedule="weekly",
            question_id="q",
            posted_at=synthetic.day(7 * n + 1, 9),
            channel="general",
            thread=True,
            variant=variant,
        )
        doc["prompts"][-1].update(replies=replies, repliers=[f"u{i}" for i in range(replies // 2)])
    async with bot.database.unit_of_work() as uow:
        await uow.state.put(bot.community, POSTED_STATE, doc)
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


# ---------------------------------------------------------------------------- on demand


async def test_moderators_get_the_same_report_privately_on_demand(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    answer = await bot.command("mod", "health 3")
    assert answer is not None and answer.ephemeral
    # Sunday Apr 05, 23:00: the last seven days, today included
    assert answer.message.title == "Community health: Test Community, Mar 30 to Apr 05"
    weeks = [line for line in answer.message.text.splitlines() if line.startswith("- week of")]
    assert len(weeks) == 3
    assert [a.filename for a in answer.message.attachments] == [
        "participation.png",
        "channels.png",
        "sentiment.png",
    ]
    refused = await bot.command("alice", "health")
    assert refused is not None and "only moderators" in refused.message.text
    wrong = await bot.command("mod", "health 99")
    assert wrong is not None and wrong.message.text == "weeks must be between 1 and 52."
    assert bot.posts_in("mod-team") == []
    await bot.close()


# ---------------------------------------------------------------------------- newcomer watch

WATCH = """
name: Watch cohort
default: true
timezone: UTC
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    digest: null
    newcomer_watch: {newcomer_for: 14d, unanswered_after: 4h}
"""


async def watched(tmp_path: Path, yaml: str = WATCH) -> Harness:
    bot = await Harness.start(tmp_path, yaml, steps=HEALTH_STEPS)
    await bot.join("alice")
    await bot.join("bob")
    return bot


def pings(bot: Harness) -> list[PostMessage]:
    return bot.posts_in("mod-team")


async def test_an_unanswered_newcomer_question_pings_the_moderators_once(tmp_path: Path) -> None:
    bot = await watched(tmp_path)
    await bot.advance("1d")
    question = await bot.post("alice", "general", "How do I install pandas on Windows?")
    await bot.post("alice", "general", "still wondering", thread=question)  # her own reply doesn't count
    await bot.advance("3h59m")
    assert pings(bot) == []
    await bot.advance("1m")
    [ping] = pings(bot)
    assert ping.message.text.startswith("<@alice> joined 1 day(s) ago and asked a question <t:")
    assert "has no reply yet" in ping.message.text
    assert [(f.name, f.value) for f in ping.message.fields] == [("Where", "<#id-general>")]
    await bot.advance("1d")
    assert len(pings(bot)) == 1
    await bot.close()


async def test_a_reply_in_the_thread_or_to_the_asker_means_no_ping(tmp_path: Path) -> None:
    bot = await watched(tmp_path)
    first = await bot.post("alice", "general", "What is a DataFrame?")
    await bot.advance("1h")
    await bot.post("bob", "general", "A table with named columns", thread=first)
    second = await bot.post("alice", "general", "And a Series?")
    await bot.advance("2h")
    await bot.post("bob", "general", "One column", reply_to=bot.user("alice"), reply_to_message=second)
    await bot.advance("1d")
    assert pings(bot) == []
    await bot.close()


async def test_only_newcomers_top_level_questions_are_watched(tmp_path: Path) -> None:
    bot = await watched(tmp_path)
    await bot.advance("15d")
    await bot.join("carol")
    await bot.post("alice", "general", "Anyone up for a study group?")  # joined 15 days ago
    await bot.post("carol", "general", "Hello everyone!")  # not a question
    parent = await bot.post("bob", "general", "Welcome carol")
    await bot.post("carol", "general", "Thanks, where are the notes?", thread=parent)  # a reply
    await bot.command("carol", "privacy optout")
    await bot.post("carol", "general", "Is the quiz graded?")  # opted out: not watched
    await bot.advance("1d")
    assert pings(bot) == []
    await bot.close()


async def test_without_a_moderators_channel_the_watch_stays_quiet(tmp_path: Path) -> None:
    bot = await watched(tmp_path, WATCH.replace(", moderators: mod-team", ""))
    await bot.post("alice", "general", "Where do I start?")
    await bot.advance("1d")
    assert [a for a in bot.performed if isinstance(a, PostMessage)] == []
    await bot.close()


def test_the_goal_metrics_the_playbook_accepts_are_the_ones_analytics_computes() -> None:
    from typing import get_args

    from cohortbot.playbook.analytics.goals import GOAL_METRICS
    from cohortbot.playbook.steps.health.config import Metric

    assert set(get_args(Metric)) == set(GOAL_METRICS)


SURVEYED = """
name: Surveyed cohort
default: true
timezone: UTC
channels: {moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health: {digest: null}
  surveys:
    surveys:
      - name: pulse
        title: Weekly pulse
        questions:
          - {id: pace, type: scale, text: "How is the pace?"}
          - {id: nps, type: nps}
"""


async def test_survey_scores_come_from_the_surveys_step(tmp_path: Path) -> None:
    from datetime import date

    from cohortbot.playbook.steps.surveys.model import SurveysConfig
    from cohortbot.playbook.steps.surveys.store import Round, record_answers, save_round

    bot = await Harness.start(tmp_path, SURVEYED, steps=HEALTH_STEPS)
    empty = await bot.command("mod", "health")
    assert empty is not None and "No survey answers yet." in empty.message.text
    survey = SurveysConfig.model_validate(
        {
            "surveys": [
                {
                    "name": "pulse",
                    "title": "Weekly pulse",
                    "questions": [
                        {"id": "pace", "type": "scale", "text": "How is the pace?"},
                        {"id": "nps", "type": "nps"},
                    ],
                }
            ]
        }
    ).surveys[0]
    rnd = Round(survey="pulse", round="r1", sent_on="2026-03-02", invited=["a", "b", "c"])
    async with bot.database.unit_of_work() as uow:
        await save_round(uow, bot.community, rnd)
        for member, pace, nps in (("a", "4", "9"), ("b", "5", "6")):
            await record_answers(
                uow, bot.community, survey, rnd, member, {"pace": pace, "nps": nps}, today=date(2026, 3, 2)
            )
        await uow.commit()
    answer = await bot.command("mod", "health")
    assert answer is not None
    # 2 of 3 invited; pace (4 + 5) / 2; NPS: one promoter (9), one detractor (6) of two -> 0
    assert (
        "- Weekly pulse: 2 response(s) of 3 (67%); How is the pace? 4.5/5; NPS +0"
        in answer.message.text.splitlines()
    )
    await bot.close()


async def test_on_demand_the_report_includes_today_and_goals_wait_for_the_cohort_start(
    tmp_path: Path,
) -> None:
    goals = "    goals: [{name: Joined, metric: members_joined, target: 5, by_week: 2}]\n"
    yaml = WATCH + "    start: 2026-03-09\n" + goals
    bot = await watched(tmp_path, yaml)  # Monday Mar 02: alice and bob join
    await bot.post("alice", "general", "Hello everyone")
    answer = await bot.command("mod", "health")
    assert answer is not None
    assert answer.message.title == "Community health: Test Community, Feb 24 to Mar 02"
    text = answer.message.text.splitlines()
    assert "**Messages and replies**: 1 (+1 vs previous period)" in text
    assert "**New members**: 2 (+2 vs previous period)" in text
    assert "The cohort starts Mar 09; goals are tracked from then." in text
    await bot.close()
