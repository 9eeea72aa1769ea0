"""Delivery: retried with backoff, parked when it keeps failing, never dropped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.base import PermanentDeliveryError, RetryableDeliveryError
from cohortbot.bot.deliverer import backoff
from cohortbot.playbook.actions import SendDirectMessage, StartThread
from cohortbot.playbook.events import ActionDelivered, MemberJoined
from cohortbot.playbook.step import StepContext
from tests.harness import Harness
from tests.unit.steps.prompts.support import DAILY, started

PLAYBOOK = """
name: Delivery test
default: true
channels: {welcome: welcome}
moderators: {users: [mod]}
steps:
  welcome: {message: "Hi {member}"}
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def _stats(bot: Harness) -> tuple[int, int, int]:
    async with bot.database.unit_of_work() as uow:
        stats = await uow.outbox.stats(bot.community)
    return stats.pending, stats.parked, stats.delivered


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff(30) == 900.0


async def test_a_transient_failure_is_retried_after_the_backoff(bot: Harness) -> None:
    bot.adapter.fail_next.append(RetryableDeliveryError("503 from the platform"))
    await bot.join("alice")
    assert bot.dms_to("alice") == []
    assert await _stats(bot) == (1, 0, 0)
    bot.clock.advance(timedelta(seconds=1))
    await bot.runtime.settle()
    assert bot.dms_to("alice") == []  # not before the backoff
    bot.clock.advance(timedelta(seconds=1))
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1
    assert await _stats(bot) == (0, 0, 1)


async def test_retry_after_from_a_rate_limit_is_honoured(bot: Harness) -> None:
    bot.adapter.fail_next.append(RetryableDeliveryError("429", retry_after=30))
    await bot.join("alice")
    bot.clock.advance(timedelta(seconds=29))
    await bot.runtime.settle()
    assert bot.dms_to("alice") == []
    bot.clock.advance(timedelta(seconds=1))
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1


async def test_a_delivery_that_keeps_failing_is_parked_visible_and_can_be_requeued(bot: Harness) -> None:
    attempts = bot.runtime.deliverer.max_attempts
    bot.adapter.fail_next.extend(RetryableDeliveryError(f"boom {n}") for n in range(attempts))
    await bot.join("alice")
    for _ in range(attempts):
        bot.clock.advance(timedelta(hours=1))
        await bot.runtime.settle()
    assert len(bot.adapter.attempts) == attempts
    assert await _stats(bot) == (0, 1, 0)
    answer = await bot.command("mod", "status")
    assert answer is not None and f"boom {attempts - 1}" in answer.message.text
    async with bot.database.unit_of_work() as uow:
        assert await uow.outbox.requeue_parked(bot.community, now=bot.clock.now()) == 1
        await uow.commit()
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1


async def test_a_permanent_failure_is_parked_at_once(bot: Harness) -> None:
    bot.adapter.fail_next.append(PermanentDeliveryError("missing permission: Send Messages"))
    await bot.join("alice")
    assert await _stats(bot) == (0, 1, 0)
    assert len(bot.adapter.attempts) == 1


async def test_an_adapter_bug_does_not_lose_the_action(bot: Harness) -> None:
    bot.adapter.fail_next.append(KeyError("oops"))
    await bot.join("alice")
    assert await _stats(bot) == (1, 0, 0)
    bot.clock.advance(timedelta(seconds=2))
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1


async def test_a_malformed_event_is_logged_and_skipped(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import datetime

    event = MemberJoined(
        community=bot.community,
        occurred_at=datetime(2026, 1, 1),
        event_id="naive",
        member=bot.user("x"),
        display_name="x",
    )
    await bot.runtime.submit(event)
    assert "skipped a malformed MemberJoined event" in caplog.text
    assert bot.runtime.processed == 0
    await bot.join("alice")  # and the bot carries on
    assert len(bot.of(SendDirectMessage)) == 1


async def test_a_failing_step_is_isolated_and_rolled_back(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cohortbot.playbook.steps import welcome

    async def broken(event: MemberJoined, ctx: StepContext[Any]) -> None:
        await ctx.uow.state.put(ctx.community, "half-done", {"written": True})
        raise RuntimeError("step bug")

    monkeypatch.setitem(welcome.STEP.handlers, MemberJoined, broken)  # type: ignore[index]
    await bot.join("alice")
    assert bot.performed == []
    member = await bot.member("alice")  # the core step still recorded the join
    assert member is not None and member.joined_at is not None
    async with bot.database.unit_of_work() as uow:  # the failing step's writes were undone
        assert await uow.state.get(bot.community, "half-done") is None


async def test_a_row_left_by_a_dead_deliverer_is_performed_as_resumed(bot: Harness) -> None:
    await bot.join("alice", settle=False)
    async with bot.database.unit_of_work() as uow:      # a process claims it, then dies
        [claimed] = await uow.outbox.claim_due(bot.clock.now(), limit=10, lease_seconds=120)
        await uow.commit()
    await bot.runtime.settle()
    assert bot.dms_to("alice") == []                     # its lease still runs
    bot.clock.advance(timedelta(seconds=120))
    await bot.runtime.settle()
    assert len(bot.dms_to("alice")) == 1
    assert bot.adapter.resumed == [claimed.action.key]   # the adapter is told it may be a repeat


async def test_a_delivery_and_the_feedback_it_causes_are_recorded_in_one_transaction(
    tmp_path: Path,
) -> None:
    # A prompt's "delivered" opens its thread. Were the two recorded apart, a process killed
    # in between would keep the prompt as delivered and never open the thread.
    bot = await started(tmp_path, DAILY, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    handle = bot.runtime.engine.handle
    failures: list[str] = []
    between_attempts: list[tuple[int, int]] = []

    async def fails_on_the_first_feedback(event: Any, uow: Any, **options: Any) -> Any:
        if isinstance(event, ActionDelivered) and not failures:
            failures.append(event.key)
            raise ConnectionResetError("the database connection dropped")
        return await handle(event, uow, **options)

    async def look_between_attempts(seconds: float) -> None:
        pending, _parked, delivered = await _stats(bot)
        between_attempts.append((pending, delivered))

    bot.runtime.engine.handle = fails_on_the_first_feedback  # type: ignore[method-assign]
    bot.runtime.deliverer._sleep = look_between_attempts
    try:
        await bot.advance("1h")
        assert len(failures) == 1
        assert between_attempts == [(1, 0)]        # the prompt not half-recorded as delivered
        assert len(bot.posts_in("general")) == 1   # posted once: the retry recorded it, not resent
        assert len(bot.of(StartThread)) == 1       # and its thread opened once
        assert await _stats(bot) == (0, 0, 2)
    finally:
        await bot.close()
