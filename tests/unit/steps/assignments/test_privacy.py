"""The assignments step's privacy: a member's submissions and exercise starts are in their
export, and deleting their data takes them (and their window timer) out of the step's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cohortbot.playbook.actions import RespondToInteraction
from tests.harness import Harness
from tests.unit.steps.assignments.support import enrol, started, text


async def exported(bot: Harness, name: str) -> dict[str, Any]:
    await bot.command(name, "privacy export")
    [dm] = [a for a in bot.dms_to(name) if a.message.attachments]
    return json.loads(dm.message.attachments[0].data)  # type: ignore[no-any-return]


async def delete(bot: Harness, name: str) -> None:
    answer = await bot.command(name, "privacy delete")
    assert answer is not None
    [confirm] = answer.message.buttons
    await bot.click(name, confirm)


async def test_the_export_holds_the_members_submissions_and_starts(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    await enrol(bot, "alice", "spring")
    await enrol(bot, "bob", "spring")
    await bot.command("alice", "submit essay https://x.example/alice-essay my note")
    await bot.command("alice", "assignment start sprint")
    await bot.command("bob", "submit essay https://x.example/bob-essay")
    document = await exported(bot, "alice")
    found = {entry["assignment"]: entry for entry in document["steps"]["assignments"]["submissions"]}
    assert found["essay"]["submission"]["link"] == "https://x.example/alice-essay"
    assert found["essay"]["submission"]["note"] == "my note"
    assert found["essay"]["moment"] == "essay-20260306-2359"
    assert "started_at" in found["sprint"] and "submission" not in found["sprint"]
    assert "bob-essay" not in json.dumps(document)
    await bot.close()


async def test_deleting_takes_the_members_links_notes_and_timers_out(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    await enrol(bot, "alice", "spring")
    await enrol(bot, "bob", "spring")
    await bot.command("alice", "submit essay https://x.example/alice-essay secret-note")
    await bot.command("alice", "assignment start sprint")
    await bot.command("bob", "submit essay https://x.example/bob-essay")
    await delete(bot, "alice")
    stored = await bot.stored_text()
    assert "alice-essay" not in stored and "secret-note" not in stored
    assert "https://x.example/bob-essay" in stored  # the others' submissions stay
    await bot.advance("1h")  # her window's reminder is gone too
    assert [dm for dm in bot.dms_to("alice") if ":window:" in dm.key] == []
    progress = await bot.command("mod", "assignment progress spring/essay")
    assert isinstance(progress, RespondToInteraction) and "alice" not in text(progress)
    await bot.close()
