"""The welcome step's typed state, its timers across memberships, and its privacy hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cohortbot.playbook.steps import welcome
from cohortbot.playbook.steps.welcome.handlers import export, forget
from cohortbot.playbook.steps.welcome.model import BurstQueue, FollowUpDue, WelcomeMember
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.welcome.test_welcome import PLAYBOOK

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


def test_the_burst_queue_counts_joins_inside_the_window_only() -> None:
    queue = BurstQueue()
    window = timedelta(minutes=10)
    assert queue.count_join(T0, window, cap=100) == 1
    assert queue.count_join(T0 + timedelta(minutes=4), window, cap=100) == 2
    assert queue.count_join(T0 + timedelta(minutes=12), window, cap=100) == 2  # the first one fell out
    four, twelve = (int((T0 + timedelta(minutes=m)).timestamp()) for m in (4, 12))
    assert queue.seconds == [(four, 1), (twelve, 1)]  # joins per second: no one's id


def test_the_burst_queue_forgets_a_member_and_keeps_the_others() -> None:
    queue = BurstQueue()
    a, b, c = WelcomeMember(), WelcomeMember(), WelcomeMember()
    for mine in (a, b, c):
        queue.enqueue(T0, mine)
    assert queue.forget("b", b) is True and queue.waiting == 2 and b.burst is None
    assert a.queued_in(queue) and c.queued_in(queue) and not b.queued_in(queue)
    assert queue.forget("b", b) is False and queue.waiting == 2


def test_state_stored_before_it_was_typed_still_reads() -> None:
    queue = BurstQueue.model_validate({"joins": [T0.isoformat()], "pending": ["a4"]})
    assert queue.joins == [T0] and queue.pending == ["a4"]
    mine = WelcomeMember.model_validate({"welcomed_join": 2, "waiting": True, "reported": True})
    assert (mine.welcomed_join, mine.waiting, mine.reported, mine.predates) == (2, True, True, False)
    assert WelcomeMember().model_dump(exclude_defaults=True) == {}
    assert FollowUpDue.model_validate({"member": "a", "index": 1, "join": 3}).index == 1


async def test_the_member_part_is_kept_under_the_step_name(bot: Harness) -> None:
    await bot.join("alice", pending=True)
    member = await bot.member("alice")
    assert member is not None and member.data["welcome"] == {"welcomed_join": 1, "waiting": True}
    await bot.finish_onboarding("alice")
    member = await bot.member("alice")
    assert member is not None and member.data["welcome"] == {"welcomed_join": 1}


async def test_follow_ups_of_an_earlier_membership_are_void(bot: Harness) -> None:
    await bot.join("alice")
    await bot.leave("alice")
    await bot.join("alice")  # welcome_back: no new follow-ups are planned
    await bot.advance("3d")
    assert [dm.message.text for dm in bot.dms_to("alice")][1:] == ["Welcome back to Test Cohort, alice!"]


async def test_export_and_forget_a_member_waiting_in_a_join_burst(bot: Harness) -> None:
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        await bot.join(name)
    async with bot.database.unit_of_work() as uow:
        ctx = step_context(bot, welcome.STEP, uow)
        assert await export(ctx, bot.user("a5")) == {"join_burst": {"waiting_for_grouped_welcome": True}}
        assert await export(ctx, bot.user("a1")) == {}
        await forget(ctx, bot.user("a5"))
        await uow.commit()
    async with bot.database.unit_of_work() as uow:
        ctx = step_context(bot, welcome.STEP, uow)
        assert await export(ctx, bot.user("a5")) == {}
        raw = await uow.state.get(bot.community, "welcome.burst")
        a5 = await uow.members.get(bot.community, bot.user("a5"))
    assert raw is not None and "a5" not in str(raw) and raw["waiting"] == 2  # the queue names no one
    assert a5 is not None and "burst" not in a5.data["welcome"]  # their mark is gone from their record
    await bot.advance("10m")
    [group] = bot.posts_in("welcome")
    assert "all 2 of you" in group.message.text and "<@a5>" not in group.message.text
    assert "<@a4>" in group.message.text and "<@a6>" in group.message.text


async def test_a_member_waiting_in_a_join_burst_finds_their_place_in_their_own_record(bot: Harness) -> None:
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        await bot.join(name)
    a5 = await bot.member("a5")
    assert a5 is not None and a5.data["welcome"]["burst_place"] == 1  # a4 is first
    await bot.advance("10m")
    a5 = await bot.member("a5")  # welcomed: the mark goes
    assert a5 is not None and a5.data["welcome"] == {"welcomed_join": 1, "grouped": True}
