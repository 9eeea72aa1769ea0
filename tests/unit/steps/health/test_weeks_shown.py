"""What facilitators read in the first weeks: the digest and ``/cohort health`` cut the same
weeks, no digest comes about the weeks before the cohort (or before the bot was there), and a
rate with nothing to count reads "n/a", never 0% "missed"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.steps.health.weeks import DASH as N
from tests.harness import Harness
from tests.unit.steps.health.support import HEALTH_STEPS, PLAYBOOK, lines, with_synthetic_community

COHORT = """
name: New cohort
default: true
timezone: Europe/Paris
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    goals:
      - {name: Newcomers who post, metric: activation_rate, target: 60, by_week: 1}
      - {name: Joined, metric: members_joined, target: 10, by_week: 4}
"""


def week_rows(text: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(text) if line.startswith("**Volume and sentiment by week"))
    end = text.index("", start)
    return text[start + 1 : end]


async def test_the_digest_and_the_command_cut_the_same_weeks(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path, PLAYBOOK)  # Sunday 5 Apr, 23:00
    await bot.advance("10h")  # Monday's digest: 30 Mar-5 Apr, weeks from the cohort's Monday
    [digest] = bot.posts_in("mod-team")
    await bot.advance("2d")  # Wednesday 8 Apr, 09:00
    answer = await bot.command("mod", "health 6")
    assert answer is not None
    on_demand = week_rows(answer.message.text.splitlines())
    # the same Monday-to-Sunday weeks, then this week so far (not seven days back from today)
    assert on_demand[:-1] == week_rows(lines(digest))  # from the cohort's first week, 2 Mar
    assert on_demand[-1].startswith(f"- 6{N}8 Apr (its first 3 days): 0 posts")
    await bot.close()


async def test_a_bot_started_on_monday_morning_sends_no_digest_about_the_week_before(tmp_path: Path) -> None:
    start = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # Monday 08:30 in Paris; the digest is at 09:00
    bot = await Harness.start(tmp_path, COHORT, steps=HEALTH_STEPS, start=start)
    try:
        await bot.join("alice")  # the bot first sees the community
        await bot.advance("2h")
        assert bot.posts_in("mod-team") == []  # 23 Feb-1 Mar: the bot saw none of it
        await bot.post("alice", "general", "Hello!")
        await bot.advance("7d")
        [digest] = bot.posts_in("mod-team")
        assert digest.message.title.endswith(f"2{N}8 Mar 2026")
        text = lines(digest)
        # the week before the bot came is not "the previous period": no change shown
        assert f"**Active members (2{N}8 Mar)**: 1" in text
        assert f"**Questions answered (asked 2{N}8 Mar)**: n/a, none asked" in text
        # alice's first week ends Monday 08:30, before the digest's end: the rate has no newcomer
        # whose week is over by 8 Mar 24:00 -> no data, even though the goal's week 1 is over
        assert "- Newcomers who post: n/a of 60% by week 1: **no data yet**" in text
        assert "- Joined: 1 of 10 by week 4: **behind**" in text
    finally:
        await bot.close()


async def test_no_digest_for_the_weeks_before_the_cohort_starts(tmp_path: Path) -> None:
    planned = COHORT + "    start: 2026-03-16\n"
    bot = await Harness.start(tmp_path, planned, steps=HEALTH_STEPS)  # Monday 2 Mar
    try:
        await bot.join("alice")
        await bot.advance("7d")  # 9 Mar: about 2-8 Mar
        await bot.advance("7d")  # 16 Mar: about 9-15 Mar, the day before the start
        assert bot.posts_in("mod-team") == []
        await bot.advance("7d")  # 23 Mar: the cohort's first week
        [digest] = bot.posts_in("mod-team")
        assert digest.message.title.endswith(f"16{N}22 Mar 2026")
        assert "Cohort week 1 (started 16 Mar), as of 22 Mar:" in lines(digest)
    finally:
        await bot.close()
