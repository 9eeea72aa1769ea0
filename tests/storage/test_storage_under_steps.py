"""The database failing under a step fails the event, which is decided again: nothing is lost.

A step's own bug is isolated (the other steps' work commits). A database error under a step
is not the step's: a deadlock with another process, a lock timeout, a dropped connection.
Isolating it would commit what the rest of the transaction holds (a schedule's claim, the
event's inbox record) without the step's work, so a scheduled prompt would be claimed and
never posted. This happened in the fleet proof on PostgreSQL: 1,008 occurrences claimed,
1,007 posted.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from cohortbot.bot.intake import Intake
from cohortbot.playbook.actions import RespondToInteraction
from cohortbot.storage._sql import CLAIMS
from cohortbot.storage.repositories import SqlStateRepository
from tests.harness import Harness
from tests.storage.conftest import Backend
from tests.unit.steps.prompts.support import ALL_STEPS, DAILY, playbook

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)   # the daily prompt is due at 07:00 UTC (09:00 Berlin)


class DeadlockDetectedError(Exception):
    """What asyncpg raises when PostgreSQL broke a deadlock by failing this transaction."""

    sqlstate = "40P01"


def deadlock_once(monkeypatch: pytest.MonkeyPatch, step_key: str) -> list[str]:
    """The next write of a ``step_key`` document meets a deadlock, as PostgreSQL reports one."""
    put = SqlStateRepository.put
    failed: list[str] = []

    async def put_or_deadlock(self: SqlStateRepository, community: object, key: str, value: object) -> None:
        if key.startswith(step_key) and not failed:
            failed.append(key)
            raise OperationalError("UPDATE state ...", {}, DeadlockDetectedError("deadlock detected"))
        await put(self, community, key, value)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlStateRepository, "put", put_or_deadlock)
    return failed


async def claims(bot: Harness) -> list[str]:
    async with bot.database.unit_of_work() as uow:
        return list((await uow._session.execute(select(CLAIMS.c.status))).scalars())  # type: ignore[union-attr]


async def test_a_prompt_whose_step_meets_a_deadlock_is_posted_by_the_next_round(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    database = backend.database()
    bot = await Harness.start(tmp_path, playbook(DAILY), database=database, steps=ALL_STEPS, start=START)
    try:
        await bot.join("alice")
        failed = deadlock_once(monkeypatch, "prompts")
        with pytest.raises(Exception, match=r"DeadlockDetectedError \(SQLSTATE 40P01\)"):
            await bot.advance("1h")          # the round that fires it fails, and says so
        assert failed, "the deadlock was not met: the test proves nothing"
        assert await claims(bot) == []       # not claimed without its post
        assert bot.posts_in("general") == []
        await bot.advance("1m")              # the next round
        assert len(bot.posts_in("general")) == 1
        assert await claims(bot) == ["fired"]
        await bot.advance("1h")
        assert len(bot.posts_in("general")) == 1   # and posted once
    finally:
        await bot.close()
        await database.dispose()


async def test_a_command_whose_step_meets_a_deadlock_is_stored_again_and_answered(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The intake buffers an event it could not store and replays it: the moderator's command
    # is then done and answered, not answered "didn't work" for a deadlock that was not theirs.
    database = backend.database()
    bot = await Harness.start(tmp_path, playbook(DAILY), database=database, steps=ALL_STEPS, start=START)
    try:
        intake = Intake(bot.runtime.process, bot.runtime._store_answers, sleep=lambda _s: asyncio.sleep(0))
        bot.runtime.intake = intake
        failed = deadlock_once(monkeypatch, "prompts")
        answer = await bot.command("mod", 'prompt add daily "What surprised you?"')
        assert failed and answer is None and intake.waiting == 1   # buffered, not answered yet
        stop = asyncio.Event()
        stop.set()
        await asyncio.wait_for(intake.run(stop), timeout=10)
        await bot.runtime.settle()
        answers = [a.message.text for a in bot.of(RespondToInteraction)]  # type: ignore[attr-defined]
        assert len(answers) == 1 and "didn't work" not in answers[0], answers
        listing = await bot.command("mod", "prompt list daily")
        assert listing is not None and "What surprised you?" in listing.message.text
    finally:
        await bot.close()
        await database.dispose()
