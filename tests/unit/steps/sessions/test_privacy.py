"""The sessions step's privacy hooks: a member's RSVPs are exported, then forgotten."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.playbook.steps.sessions import STEP
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.sessions.test_sessions import FIRST, FIRST_ID, rsvp, started


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def sessions_documents(bot: Harness) -> dict[str, Any]:
    async with bot.database.unit_of_work() as uow:
        keys = await uow.state.keys(bot.community, "sessions.")
        return {k: await uow.state.get(bot.community, k) for k in keys}


async def test_export_lists_the_members_rsvps(bot: Harness) -> None:
    await rsvp(bot, "alice", "I'll be there")
    await rsvp(bot, "bob", "Can't make it")
    assert await run(bot, STEP.export, "alice") == {
        "rsvps": [
            {"session": FIRST_ID, "title": "Office hours", "starts_at": FIRST.isoformat(), "rsvp": "going"}
        ]
    }
    assert (await run(bot, STEP.export, "bob"))["rsvps"][0]["rsvp"] == "declined"
    assert await run(bot, STEP.export, "carol") == {}


async def test_forget_takes_the_member_off_every_rsvp_list_and_keeps_the_others(bot: Harness) -> None:
    await rsvp(bot, "alice", "I'll be there")
    await rsvp(bot, "dave", "I'll be there")
    await rsvp(bot, "bob", "Can't make it")
    await bot.command("alice", "session reminders off")
    await run(bot, STEP.forget, "alice")
    stored = await sessions_documents(bot)
    assert '"alice"' not in json.dumps(stored)
    session = stored[f"sessions.session.{FIRST_ID}"]
    assert (session["going"], session["declined"]) == (["dave"], ["bob"])
    assert await run(bot, STEP.export, "alice") == {}
    listed = await bot.command("dave", "session list")
    assert listed is not None and "1 going · you're going" in listed.message.text


async def test_the_reminder_setting_is_the_members_sessions_section(bot: Harness) -> None:
    await bot.command("alice", "session reminders off")
    member = await bot.member("alice")
    assert member is not None and member.data["sessions"] == {"reminders": False}
    await bot.command("alice", "session reminders on")
    member = await bot.member("alice")
    assert member is not None and member.data.get("sessions", {}).get("reminders", True) is True
