"""The roster step's privacy hooks: a member's row is in their export and gone when they are
forgotten (with its code and handle entries); everyone else's rows stay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cohortbot.playbook.steps.roster import STEP, api
from tests.harness import Harness
from tests.unit.steps.contexts import step_context
from tests.unit.steps.roster.support import import_rows, join, rows, started


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def test_export_gives_the_member_s_row_and_forget_deletes_it(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        stored = await import_rows(bot)
        await join(bot, "u-ada", email="ada@example.org")
        await join(bot, "u-bob", email="bob@example.org")
        exported = await run(bot, STEP.export, "u-ada")
        assert exported == {
            "roster": [
                {
                    "name": "Ada Lovelace",
                    "email": "ada@example.org",
                    "handle": "ada",
                    "cohort": "spring",
                    "joined_at": bot.clock.now().isoformat().replace("+00:00", "Z"),
                    "matched_by": "email",
                }
            ]
        }
        assert await run(bot, STEP.export, "u-cy") == {}
        await run(bot, STEP.forget, "u-ada")
        async with bot.database.unit_of_work() as uow:
            everything = {
                k: await uow.state.get(bot.community, k)
                for k in await uow.state.keys(bot.community, "roster.")
            }
            assert await api.store(uow, bot.community).by_code(stored["ada@example.org"].code) is None
        text = json.dumps(everything)
        assert "Lovelace" not in text and "ada@" not in text and "u-ada" not in text and '"ada"' not in text
        assert sorted(await rows(bot)) == ["bob@example.org", "cy@example.org", "di@example.org"]
        assert await run(bot, STEP.export, "u-bob") != {}
    finally:
        await bot.close()
