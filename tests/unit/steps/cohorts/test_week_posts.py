"""Each week of a cohort opens with a post: its text, theme, question (with a thread) and
what is due, once per week, only in weeks 1..weeks, in the cohort's channel."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.actions import PostMessage, StartThread
from cohortbot.playbook.events import ScheduleFired
from cohortbot.playbook.ports import Capabilities
from tests.unit.steps.cohorts.support import PLAYBOOK, started, week_posts


def stamp(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}>"


async def test_each_week_of_a_cohort_opens_once_at_post_at_on_its_first_day(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.advance("20h")  # Monday 2 March, 09:00 Berlin (08:00 UTC): spring's week 1
        [first] = week_posts(bot)
        assert first.message.text == "**Spring 2026: week 1 of 4**\nTheme: **Getting started**"
        await bot.advance("27d")  # through every week of spring, and past its end
        assert [p.message.text.splitlines()[0] for p in week_posts(bot)] == [
            "**Spring 2026: week 1 of 4**",
            "**Spring 2026: week 2 of 4**",
            "Week 3 of Spring 2026: Regression! 1 weeks to go.",  # week 3's own message
            "**Spring 2026: week 4 of 4**",
        ]
        posted_at = [a for a in bot.performed if isinstance(a, PostMessage) and ":week:spring:" in a.key]
        assert len(posted_at) == 4  # no week 0 before the start, no week 5 after the end
        # The evening group starts on a Wednesday and posts in its own channel.
        assert [p.message.text for p in week_posts(bot, "evening")] == [
            f"**Evening group: week {n} of 3**" for n in (1, 2, 3)
        ]
    finally:
        await bot.close()


async def test_the_opening_post_holds_the_question_and_what_is_due_in_each_reader_s_time(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path)
    try:
        await bot.advance("8d")  # spring's week 2 opened on Monday 9 March
        [post] = [p for p in week_posts(bot) if p.key.endswith(":spring:2")]
        due = datetime(2026, 3, 13, 22, 59, tzinfo=UTC)  # Friday 13 March 23:59 Berlin (CET)
        assert post.message.text == (
            "**Spring 2026: week 2 of 4**\n"
            "Theme: **Tidy data**\n\n"
            "**Question of the week:** Which messy dataset have you met?\n"
            "Answer in the thread.\n\n"
            "**Due this week:**\n"
            f"- **Tidy \\<@everyone\\> exercise**: due {stamp(due)}"  # a title is text, never a mention
        )
        [thread] = [a for a in bot.of(StartThread) if isinstance(a, StartThread)]
        assert thread.name == "Which messy dataset have you met?"
        assert thread.message == bot.delivered(post)
    finally:
        await bot.close()


async def test_without_threads_the_question_is_answered_below_the_post(tmp_path: Path) -> None:
    bot = await started(tmp_path, capabilities=Capabilities(threads=False))
    try:
        await bot.advance("8d")
        [post] = [p for p in week_posts(bot) if p.key.endswith(":spring:2")]
        assert "Answer below." in post.message.text
        assert bot.of(StartThread) == []
    finally:
        await bot.close()


async def test_an_occurrence_decided_twice_posts_the_week_once(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        monday = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # week 3, 09:00 Berlin
        for event_id in ("replay-1", "replay-2"):  # the same occurrence, fired again (a replay)
            await bot.send(
                ScheduleFired, schedule="cohorts.week-spring", occurrence=monday, event_id=event_id
            )
        assert [p.key.rsplit(":", 2)[-2:] for p in week_posts(bot)] == [["spring", "3"]]
    finally:
        await bot.close()


async def test_an_occurrence_outside_the_cohort_s_weeks_posts_nothing(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        for when in (datetime(2026, 2, 23, 8, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)):
            await bot.send(ScheduleFired, schedule="cohorts.week-spring", occurrence=when)
        assert week_posts(bot) == []
    finally:
        await bot.close()


async def test_without_a_channel_for_the_posts_nothing_is_posted_and_nothing_fails(tmp_path: Path) -> None:
    no_news = PLAYBOOK.replace("channels: {announcements: news, ", "channels: {")
    bot = await started(tmp_path, no_news)
    try:
        await bot.advance("1d")
        assert week_posts(bot) == [] and len(week_posts(bot, "evening")) == 0
        await bot.advance("2d")
        assert len(week_posts(bot, "evening")) == 1  # the evening group names its own channel
    finally:
        await bot.close()
