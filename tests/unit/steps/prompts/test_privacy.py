"""What the prompts step keeps about a member (their id in the repliers of the prompts they
answered): the export hook shows it, the forget hook removes it and keeps the counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.prompts import STEP
from cohortbot.playbook.steps.prompts.api import engagement
from cohortbot.playbook.steps.prompts.model import PostedLog, Rotation
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.prompts.support import delivered, posted, started

ONE_QUESTION = """
schedules:
  - {name: daily, cron: "0 9 * * *", bank: ["What did you learn today?"], when_exhausted: stop}
"""


async def answered_twice(tmp_path: Path) -> Harness:
    """Two prompts (the second one a moderator added): alice answers the first twice and the
    second once, bob the first once."""
    bot = await started(tmp_path, ONE_QUESTION, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    await bot.command("mod", 'prompt add daily "What would you teach a friend?"')
    await bot.advance("1d2h")  # Monday and Tuesday, 09:00 Berlin
    first, second = bot.posts_in("general")
    for name, post in (("alice", first), ("alice", first), ("bob", first), ("alice", second)):
        await bot.post(name, "general", "an answer", reply_to_message=delivered(bot, post))
    return bot


async def export(bot: Harness, name: str) -> dict[str, Any]:
    assert STEP.export is not None
    async with bot.database.unit_of_work() as uow:
        return await STEP.export(step_context(bot, STEP, uow), bot.user(name))


async def forget(bot: Harness, name: str) -> None:
    assert STEP.forget is not None
    async with bot.database.unit_of_work() as uow:
        await STEP.forget(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()


async def prompts_state(bot: Harness) -> str:
    """Every document of the step, as stored."""
    async with bot.database.unit_of_work() as uow:
        docs = DocumentStore(uow.state, bot.community, STEP.name)
        rotations = [await docs.load(Rotation, n) for n in await docs.ids(Rotation)]
        return str([d.model_dump(mode="json") for d in [await docs.load(PostedLog), *rotations]])


async def test_export_lists_the_prompts_a_member_replied_to(tmp_path: Path) -> None:
    bot = await answered_twice(tmp_path)
    try:
        assert await export(bot, "alice") == {
            "replied_to": [
                {
                    "schedule": "daily",
                    "posted_at": "2026-05-04T07:00:00+00:00",
                    "question": "What did you learn today?",
                },
                {
                    "schedule": "daily",
                    "posted_at": "2026-05-05T07:00:00+00:00",
                    "question": "What would you teach a friend?",  # added by a moderator
                },
            ]
        }
        assert await export(bot, "carol") == {}  # she never replied: nothing kept about her
    finally:
        await bot.close()


async def test_forget_removes_the_member_from_every_replier_list_and_keeps_the_counts(tmp_path: Path) -> None:
    bot = await answered_twice(tmp_path)
    try:
        before = [(p.replies, p.repliers) for p in await posted(bot)]
        assert before == [(3, 2), (1, 1)]
        assert "'alice'" in await prompts_state(bot)
        await forget(bot, "alice")
        assert "alice" not in await prompts_state(bot)
        assert [(p.replies, p.repliers) for p in await posted(bot)] == before  # counts are not personal
        assert await export(bot, "alice") == {}
        bob = await export(bot, "bob")
        assert [r["question"] for r in bob["replied_to"]] == ["What did you learn today?"]
        stats = await bot.command("mod", "prompt stats")
        assert (
            stats is not None and "What did you learn today? — 3 replies from 2 members" in stats.message.text
        )
    finally:
        await bot.close()


async def test_the_published_engagement_is_the_logs_counts_newest_first(tmp_path: Path) -> None:
    bot = await answered_twice(tmp_path)
    try:
        async with bot.database.unit_of_work() as uow:
            found = await engagement(uow, bot.community)
        assert [(p.schedule, p.replies, p.repliers) for p in found] == [("daily", 1, 1), ("daily", 3, 2)]
        assert found[0].posted_at > found[1].posted_at
    finally:
        await bot.close()
