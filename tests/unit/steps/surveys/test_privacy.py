"""The surveys step's privacy hooks: rounds and named answers are exported, then forgotten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cohortbot.playbook.steps.surveys import STEP
from cohortbot.playbook.steps.surveys.privacy import ANONYMOUS_NOTE
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.surveys.support import WEEK3, answer_with_forms, ask, documents, invites, started


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def scenario(tmp_path: Path) -> Harness:
    """Everyone answers the anonymous week3; alice and bob answer the named session survey."""
    bot = await started(tmp_path)
    await bot.command("mod", "survey send week3")
    for name, wish in (("alice", "Alice wants examples"), ("bob", "Fewer slides"), ("carol", "More Q&A")):
        await answer_with_forms(bot, name, invites(bot, name)[0], {**WEEK3, "wish": wish})
    await ask(bot, "session", "alice", "bob", "carol", round="w1")
    for name, comment in (("alice", "Loved it, thanks"), ("bob", "Too short")):
        given = {"rating": "5", "comment": comment}
        await answer_with_forms(bot, name, invites(bot, name, "Session feedback")[0], given)
    return bot


async def test_export_has_the_rounds_and_named_answers_but_no_anonymous_answer(tmp_path: Path) -> None:
    bot = await scenario(tmp_path)
    try:
        exported = await run(bot, STEP.export, "alice")
        assert exported == {
            "rounds": [
                {
                    "survey": "week3",
                    "round": "manual-2026-03-02",
                    "sent_on": "2026-03-02",
                    "anonymous": True,
                    "answered": True,
                },
                {
                    "survey": "session",
                    "round": "w1",
                    "sent_on": "2026-03-02",
                    "anonymous": False,
                    "answered": True,
                },
            ],
            "named_answers": [
                {
                    "survey": "session",
                    "round": "w1",
                    "date": "2026-03-02",
                    "answers": {"rating": "5", "comment": "Loved it, thanks"},
                }
            ],
            "note": ANONYMOUS_NOTE,
        }
        assert "Alice wants examples" not in json.dumps(exported)  # anonymous: not linked to her
        assert await run(bot, STEP.export, "dave") == {}
    finally:
        await bot.close()


async def test_forget_removes_the_member_and_their_named_answers_and_keeps_the_others(tmp_path: Path) -> None:
    bot = await scenario(tmp_path)
    try:
        await run(bot, STEP.forget, "alice")
        stored = await documents(bot)
        assert '"alice"' not in json.dumps(stored) and "Loved it" not in json.dumps(stored)
        session = stored["surveys.round.session:w1"]
        assert (session["invited"], session["answered"], session["erased"]) == (["bob", "carol"], ["bob"], 1)
        assert stored["surveys.answers.session"]["sets"] == [
            {
                "round": "w1",
                "member": "bob",
                "date": "2026-03-02",
                "answers": {"rating": "5", "comment": "Too short"},
            }
        ]
        # Anonymous answers are linked to nobody: all three stay (the counts stay right, too).
        assert len(stored["surveys.answers.week3"]["sets"]) == 3
        listing = await bot.command("mod", "survey list")
        assert listing is not None and "1 round(s), 2/3 answered" in listing.message.text
        assert await run(bot, STEP.export, "alice") == {}
        assert (await run(bot, STEP.export, "bob"))["named_answers"][0]["answers"]["comment"] == "Too short"
    finally:
        await bot.close()


async def test_the_privacy_command_deletes_the_survey_data_through_the_hooks(tmp_path: Path) -> None:
    bot = await scenario(tmp_path)
    try:
        answer = await bot.command("alice", "privacy delete")
        assert answer is not None
        await bot.click("alice", answer.message.buttons[0])
        assert '"alice"' not in json.dumps(await documents(bot))
    finally:
        await bot.close()
