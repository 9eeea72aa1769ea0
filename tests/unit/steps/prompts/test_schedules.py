"""The prompts step, as a facilitator would describe it: questions on a schedule, in the
community's time zone, rotating without repeats, after downtime, as surprises, around quiet
hours and gaps; announcements."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.actions import StartThread
from tests.unit.steps.prompts.support import BERLIN, DAILY, local, posted, prompts_in, started

# ---------------------------------------------------------------------------- rotation and DST


async def test_questions_rotate_once_per_local_day_without_repeats_then_reshuffle_across_dst(
    tmp_path: Path,
) -> None:
    # Europe/Berlin springs forward on Sunday 29 March 2026.
    bot = await started(tmp_path, DAILY, datetime(2026, 3, 26, 12, 0, tzinfo=UTC))
    try:
        await bot.advance("6d")
        asked = prompts_in(bot)
        assert asked[:3] == ["What did you learn today?", "What are you stuck on?", "What will you try next?"]
        assert sorted(asked[3:]) == sorted(asked[:3])  # round two: every question once more
        assert asked[3] != asked[2]  # never the same question twice in a row
        assert [local(p.posted_at) for p in await posted(bot)] == [
            "Fri 27 Mar 09:00",
            "Sat 28 Mar 09:00",
            "Sun 29 Mar 09:00",  # the day of the change: 07:00 UTC instead of 08:00
            "Mon 30 Mar 09:00",
            "Tue 31 Mar 09:00",
            "Wed 01 Apr 09:00",
        ]
    finally:
        await bot.close()


async def test_the_autumn_change_still_posts_once_at_nine_local(tmp_path: Path) -> None:
    bot = await started(tmp_path, DAILY, datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    try:
        await bot.advance("2d")
        times = [p.posted_at for p in await posted(bot)]
        assert [local(t) for t in times] == ["Sun 25 Oct 09:00", "Mon 26 Oct 09:00"]
        assert [t.hour for t in times] == [8, 8]  # 09:00 CET = 08:00 UTC on both days
    finally:
        await bot.close()


async def test_a_bank_that_stops_tells_the_moderators_and_resumes_with_added_questions(
    tmp_path: Path,
) -> None:
    prompts = """
schedules:
  - {name: daily, cron: "0 9 * * *", bank: ["First?", "Second?"], when_exhausted: stop}
"""
    bot = await started(tmp_path, prompts, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("4d")
        assert prompts_in(bot) == ["First?", "Second?"]
        [notice] = prompts_in(bot, "mod-team")  # said once, not every morning
        assert "question bank of the **daily** prompts is used up" in notice
        assert '/cohort prompt add daily "..."' in notice
        answer = await bot.command("mod", 'prompt add daily "Third?"')
        assert answer is not None and "number 1 in line this round" in answer.message.text
        await bot.advance("1d")
        assert prompts_in(bot) == ["First?", "Second?", "Third?"]
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- downtime


async def test_after_an_outage_the_latest_prompt_posts_late_once_inside_its_grace(tmp_path: Path) -> None:
    prompts = DAILY.replace('cron: "0 9 * * *"', 'cron: "0 9 * * *"\n    grace: 2h')
    bot = await started(tmp_path, prompts, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1h")  # Monday 09:00 Berlin: on time
        bot.clock.set(datetime(2026, 5, 7, 8, 30, tzinfo=UTC))  # down until Thursday 10:30 Berlin
        for _ in range(2):  # a second round never posts it again
            await bot.runtime.scheduler.run_due()
            await bot.runtime.settle()
        assert prompts_in(bot) == ["What did you learn today?", "What are you stuck on?"]
        on_time, late = await posted(bot)
        assert not on_time.late and late.late and local(late.posted_at) == "Thu 07 May 10:30"
        status = await bot.command("mod", "status")
        assert status is not None and "Missed schedule occurrences (7 days): 2" in status.message.text
        assert "prompts.daily" in status.message.text
    finally:
        await bot.close()


async def test_after_an_outage_longer_than_the_grace_the_prompt_is_missed_not_posted(tmp_path: Path) -> None:
    prompts = DAILY.replace('cron: "0 9 * * *"', 'cron: "0 9 * * *"\n    grace: 30m')
    bot = await started(tmp_path, prompts, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1h")
        bot.clock.set(datetime(2026, 5, 5, 9, 0, tzinfo=UTC))  # 11:00 Berlin: two hours late
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert prompts_in(bot) == ["What did you learn today?"]
        status = await bot.command("mod", "status")
        assert status is not None and "Missed schedule occurrences (7 days): 1" in status.message.text
        await bot.advance("1d")  # the bank did not move on: the missed question comes next
        assert prompts_in(bot)[-1] == "What are you stuck on?"
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- surprises


async def test_a_surprise_prompt_posts_at_a_random_but_stable_moment_inside_its_window(
    tmp_path: Path,
) -> None:
    prompts = """
schedules:
  - {name: surprise, cron: "0 12 * * fri", within: 6h, bank: ["Show us your desk!"]}
"""
    start = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # Monday
    bot = await started(tmp_path, prompts, start)
    try:
        bot.clock.set(datetime(2026, 5, 8, 9, 59, tzinfo=UTC))  # Friday 11:59 Berlin
        await bot.advance("1m")
        assert prompts_in(bot) == []  # not at the cron time itself...
        await bot.advance("6h")
        [when] = [p.posted_at for p in await posted(bot)]
        local_when = when.astimezone(BERLIN)
        assert local_when.date().isoformat() == "2026-05-08"
        assert 12 <= local_when.hour < 18 and local_when != local_when.replace(hour=12, minute=0, second=0)
        assert prompts_in(bot) == ["Show us your desk!"]
    finally:
        await bot.close()
    (tmp_path / "again").mkdir()
    again = await started(tmp_path / "again", prompts, start)
    try:
        await again.advance("5d")
        assert [p.posted_at for p in await posted(again)] == [when]  # the same moment every run
    finally:
        await again.close()


# ---------------------------------------------------------------------------- announcements


async def test_an_announcement_posts_its_text_and_may_skip_the_thread(tmp_path: Path) -> None:
    prompts = """
schedules:
  - name: office-hours
    kind: announcement
    cron: "0 17 * * fri"
    channel: announcements
    title: "Office hours"
    text: "Office hours in {community} start in one hour. Bring your questions!"
    thread: false
"""
    bot = await started(tmp_path, prompts, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("5d")
        [post] = bot.posts_in("news")  # the playbook's announcements channel
        assert post.message.title == "Office hours"
        assert post.message.text == "Office hours in Test Community start in one hour. Bring your questions!"
        assert bot.of(StartThread) == []
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- quiet hours and gaps


async def test_a_prompt_due_in_quiet_hours_waits_for_their_end(tmp_path: Path) -> None:
    prompts = """
quiet_hours: "22:00-08:00"
schedules:
  - {name: late, cron: "30 22 * * *", bank: ["Night owls, what are you reading?"]}
"""
    bot = await started(tmp_path, prompts, datetime(2026, 5, 4, 19, 0, tzinfo=UTC))  # 21:00 Berlin
    try:
        await bot.advance("2h")  # 23:00 Berlin: due at 22:30, but quiet
        assert prompts_in(bot) == []
        await bot.advance("9h")
        [when] = [p.posted_at for p in await posted(bot)]
        assert local(when) == "Tue 05 May 08:00"
    finally:
        await bot.close()


async def test_prompts_keep_a_minimum_gap_per_channel(tmp_path: Path) -> None:
    prompts = """
min_gap: 2h
schedules:
  - {name: morning, cron: "0 9 * * mon", bank: ["Morning question?"]}
  - {name: warmup, cron: "0 10 * * mon", bank: ["Warm-up question?"]}
  - {name: news, cron: "0 10 * * mon", kind: announcement, channel: announcements, text: "News!"}
"""
    bot = await started(tmp_path, prompts, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("6h")
        times = {p.schedule: local(p.posted_at) for p in await posted(bot)}
        assert times == {
            "morning": "Mon 04 May 09:00",
            "warmup": "Mon 04 May 11:00",  # postponed: two hours after the morning prompt
            "news": "Mon 04 May 10:00",  # another channel: no wait
        }
    finally:
        await bot.close()
