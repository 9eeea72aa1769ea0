"""The qa step's privacy hooks: a member's questions and votes are exported; forgetting them
unlinks the member while their questions stay, and their votes still count."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.playbook.steps.qa import STEP
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.qa.test_qa import opened, qa_posts, said, started, vote


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    await opened(harness)
    await harness.command("alice", "qa ask Which course comes next?")
    await harness.command("bob", "qa ask Is SQL still worth it?")
    await vote(harness, "alice", 2)
    await vote(harness, "carol", 2)
    yield harness
    await harness.close()


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def qa_state(bot: Harness) -> dict[str, Any]:
    async with bot.database.unit_of_work() as uow:
        keys = await uow.state.keys(bot.community, "qa.")
        return {k: await uow.state.get(bot.community, k) for k in keys}


async def test_export_lists_the_questions_asked_and_the_votes_cast(bot: Harness) -> None:
    exported = await run(bot, STEP.export, "alice")
    assert [(a["question"], a["text"], a["votes"], a["answered"]) for a in exported["asked"]] == [
        (1, "Which course comes next?", 0, False)
    ]
    assert [v["question"] for v in exported["upvoted"]] == [2]
    assert (await run(bot, STEP.export, "grace"))["expert_of"][0]["title"] == "Ask a data scientist"
    assert await run(bot, STEP.export, "dave") == {}


async def test_forget_unlinks_the_member_and_keeps_their_question_and_vote_count(bot: Harness) -> None:
    await run(bot, STEP.forget, "alice")
    stored = json.dumps(await qa_state(bot))
    assert '"alice"' not in stored
    assert "Which course comes next?" in stored  # the question stays, unnamed
    assert await run(bot, STEP.export, "alice") == {}
    listing = said(await bot.command("dave", "qa list"))
    assert "**Q2** · 2 votes · Is SQL still worth it? (asked by bob)" in listing
    assert "Which course comes next?" in listing and "asked by alice" not in listing
    assert "now 3 votes" in await vote(bot, "dave", 2)
    await bot.command("grace", "qa answer Q1 The advanced track.")
    assert qa_posts(bot)[-1].message.title.startswith("Answered: Q1")  # no one to DM any more
    assert not [dm for dm in bot.dms_to("alice") if "advanced track" in dm.message.text]
