"""Schedules: cron in the community's zone, DST-correct, exactly once, downtime handled."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.events import ScheduleFired
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.model import CommunityPlaybook, StepConfig
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness


class TickConfig(StepConfig):
    cron: str = "0 9 * * *"
    grace: str = "1h"


async def on_fired(event: ScheduleFired, ctx: StepContext[TickConfig]) -> None:
    ctx.emit(
        PostMessage(
            key=f"tick:{ctx.community}:{event.occurrence.isoformat()}",
            community=ctx.community,
            channel=ctx.channel("general") or ctx.channel("welcome"),  # type: ignore[arg-type]
            message=RichMessage(text=f"tick {event.occurrence.isoformat()} late={event.late}"),
        )
    )


def schedules(cfg: TickConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    from cohortbot.playbook.durations import parse_duration

    return [ScheduleSpec(name="daily", cron=cfg.cron, grace=parse_duration(cfg.grace), where=("cron",))]


TICK = Step(name="tick", config=TickConfig, handlers={ScheduleFired: on_fired}, schedules=schedules)
STEPS_WITH_TICK: list[Step[Any]] = [*STEPS, TICK]


def playbook(cron: str = "0 9 * * *", grace: str = "1h") -> str:
    return f"""
name: Ticks
default: true
timezone: Europe/Berlin
channels: {{general: general}}
moderators: {{users: [mod]}}
steps:
  tick: {{cron: "{cron}", grace: "{grace}"}}
"""


async def started(tmp_path: Path, yaml: str, start: datetime) -> Harness:
    bot = await Harness.start(tmp_path, yaml, steps=STEPS_WITH_TICK, start=start)
    await bot.join("alice")  # the community becomes known to the scheduler
    return bot


def ticks(bot: Harness) -> list[str]:
    return [a.message.text for a in bot.posts_in("general")]


async def test_a_daily_09_00_berlin_schedule_fires_once_per_local_day_across_dst(tmp_path: Path) -> None:
    # Europe/Berlin springs forward on 29 March 2026 and falls back on 25 October 2026.
    bot = await started(tmp_path, playbook(), datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    try:
        await bot.advance("4d")
        fired = [t.split()[1] for t in ticks(bot)]
        assert fired == [
            "2026-03-28T08:00:00+00:00",  # 09:00 CET  (UTC+1)
            "2026-03-29T07:00:00+00:00",  # 09:00 CEST (UTC+2), the day of the change
            "2026-03-30T07:00:00+00:00",
            "2026-03-31T07:00:00+00:00",
        ]
    finally:
        await bot.close()


async def test_across_the_autumn_change_too(tmp_path: Path) -> None:
    bot = await started(tmp_path, playbook(), datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    try:
        await bot.advance("2d")
        fired = [t.split()[1] for t in ticks(bot)]
        assert fired == ["2026-10-25T08:00:00+00:00", "2026-10-26T08:00:00+00:00"]
    finally:
        await bot.close()


async def test_after_downtime_the_latest_occurrence_within_grace_posts_late_once_and_older_are_missed(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path, playbook(grace="2h"), datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1h")  # 09:00 Berlin = 07:00 UTC: fires on time
        assert len(ticks(bot)) == 1
        # Down for three days: the clock jumps with nobody running the scheduler.
        bot.clock.set(datetime(2026, 5, 7, 8, 30, tzinfo=UTC))  # 10:30 Berlin, inside the grace
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert ticks(bot)[1:] == ["tick 2026-05-07T07:00:00+00:00 late=True"]
        await bot.runtime.scheduler.run_due()  # never twice
        await bot.runtime.settle()
        assert len(ticks(bot)) == 2
        async with bot.database.unit_of_work() as uow:
            claims = await uow.claims.list(bot.community)
        by_status = {(when.isoformat(), status) for name, when, status in claims}
        assert by_status == {
            ("2026-05-04T07:00:00+00:00", "fired"),
            ("2026-05-05T07:00:00+00:00", "missed"),
            ("2026-05-06T07:00:00+00:00", "missed"),
            ("2026-05-07T07:00:00+00:00", "late"),
        }
        answer = await bot.command("mod", "status")
        assert answer is not None and "Missed schedule occurrences (7 days): 2" in answer.message.text
    finally:
        await bot.close()


async def test_an_occurrence_older_than_the_grace_is_recorded_as_missed_not_posted(tmp_path: Path) -> None:
    bot = await started(tmp_path, playbook(grace="30m"), datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1h")
        bot.clock.set(datetime(2026, 5, 5, 9, 0, tzinfo=UTC))  # 11:00 Berlin: 2h late > 30m grace
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert len(ticks(bot)) == 1
        async with bot.database.unit_of_work() as uow:
            missed = await uow.claims.list(bot.community, status="missed")
        assert [when.isoformat() for _, when, _ in missed] == ["2026-05-05T07:00:00+00:00"]
    finally:
        await bot.close()


async def test_a_new_community_starts_its_schedules_at_first_sight_with_nothing_missed_before(
    tmp_path: Path,
) -> None:
    # Hourly with a 12-hour grace: looking back from first sight would find twelve occurrences.
    hourly = playbook(cron="0 * * * *", grace="12h")
    bot = await started(tmp_path, hourly, datetime(2026, 5, 4, 12, 20, tzinfo=UTC))
    try:
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert ticks(bot) == []
        await bot.advance("1h")  # 13:00 UTC, the first occurrence after first sight: on time
        assert ticks(bot) == ["tick 2026-05-04T13:00:00+00:00 late=False"]
        # Down overnight: downtime is still handled as before (latest late once, others missed).
        bot.clock.set(datetime(2026, 5, 5, 2, 30, tzinfo=UTC))
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert ticks(bot)[1:] == ["tick 2026-05-05T02:00:00+00:00 late=True"]
        async with bot.database.unit_of_work() as uow:
            claims = await uow.claims.list(bot.community)
        assert min(when for _, when, _ in claims) == datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
        assert [status for _, _, status in claims].count("missed") == 12  # 14:00 .. 01:00
    finally:
        await bot.close()


async def test_an_occurrence_at_the_very_moment_of_first_sight_fires(tmp_path: Path) -> None:
    hourly = playbook(cron="0 * * * *", grace="12h")
    bot = await started(tmp_path, hourly, datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    try:
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert ticks(bot) == ["tick 2026-05-04T12:00:00+00:00 late=False"]
        async with bot.database.unit_of_work() as uow:
            assert await uow.claims.list(bot.community, status="missed") == []
    finally:
        await bot.close()


async def test_two_runtimes_on_one_database_fire_each_occurrence_once(tmp_path: Path) -> None:
    first = await started(tmp_path, playbook(), datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    second = await Harness.start(
        tmp_path, playbook(), steps=STEPS_WITH_TICK, start=datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
    )
    try:
        for bot in (first, second, first, second):
            bot.clock.set(datetime(2026, 5, 4, 7, 0, 5, tzinfo=UTC))
            await bot.runtime.scheduler.run_due()
            await bot.runtime.settle()
        assert len(ticks(first)) + len(ticks(second)) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_bad_cron_expression_is_a_load_error_naming_the_field(tmp_path: Path) -> None:
    import pytest

    from cohortbot.config.playbook import PlaybookError, load_playbook

    file = tmp_path / "p.yaml"
    file.write_text(playbook(cron="61 25 * * *"))
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file, STEPS_WITH_TICK)
    [issue] = caught.value.issues
    assert issue.line == 8 and issue.field == "steps.tick.cron"
    assert "bad cron expression '61 25 * * *'" in issue.message


async def test_rounds_that_fall_behind_still_fire_every_occurrence_late_none_missed(tmp_path: Path) -> None:
    # A busy machine: the round after 12:00 comes only at 12:20. The process was up all along,
    # so 12:05, 12:10 and 12:15 were not missed by a downtime: each fires, late.
    every_5 = playbook(cron="*/5 * * * *", grace="1h")
    bot = await started(tmp_path, every_5, datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    try:
        await bot.runtime.scheduler.run_due()
        bot.clock.set(datetime(2026, 5, 4, 12, 20, tzinfo=UTC))
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert ticks(bot) == [
            "tick 2026-05-04T12:00:00+00:00 late=False",
            "tick 2026-05-04T12:05:00+00:00 late=True",
            "tick 2026-05-04T12:10:00+00:00 late=True",
            "tick 2026-05-04T12:15:00+00:00 late=True",
            "tick 2026-05-04T12:20:00+00:00 late=False",
        ]
        async with bot.database.unit_of_work() as uow:
            assert await uow.claims.list(bot.community, status="missed") == []
    finally:
        await bot.close()
