"""The resources step's privacy hooks: a member's suggestions are exported, then forgotten."""

from __future__ import annotations

import json
from typing import Any

from cohortbot.playbook.steps.resources import STEP
from tests.harness import Harness
from tests.unit.steps.contexts import step_context


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def library(bot: Harness) -> str:
    async with bot.database.unit_of_work() as uow:
        return json.dumps(await uow.state.get(bot.community, "resources.library"))


async def suggest_two(bot: Harness) -> None:
    await bot.command("alice", "resources suggest python https://example.org/kept Kept link")
    await bot.command("alice", "resources suggest sql https://example.org/waiting Waiting link")
    await bot.command("bob", "resources suggest sql https://example.org/bobs Bob's link")
    await bot.command("mod", "resources approve 4")


async def test_export_has_the_suggestions_waiting_and_approved(bot: Harness) -> None:
    await suggest_two(bot)
    exported = await run(bot, STEP.export, "alice")
    assert [(s["id"], s["topic"], s["url"]) for s in exported["suggestions_waiting"]] == [
        (5, "sql", "https://example.org/waiting")
    ]
    assert exported["suggestions_approved"] == [
        {
            "id": 4,
            "topic": "python",
            "title": "Kept link",
            "url": "https://example.org/kept",
            "retired": False,
        }
    ]
    json.dumps(exported)
    assert await run(bot, STEP.export, "carol") == {}


async def test_forget_drops_waiting_suggestions_and_unlinks_approved_ones(bot: Harness) -> None:
    await suggest_two(bot)
    assert '"alice"' in await library(bot)
    await run(bot, STEP.forget, "alice")
    stored = await library(bot)
    assert '"alice"' not in stored and "waiting" not in stored
    assert "Kept link" in (await bot.command("ana", "resources list python") or _none()).message.text
    pending = (await bot.command("mod", "resources list") or _none()).message.text
    assert "Bob's link" in pending and "<@bob>" in pending and "Waiting" not in pending
    assert await run(bot, STEP.export, "alice") == {}


def _none() -> Any:
    raise AssertionError("no answer")
