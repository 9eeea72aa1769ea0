"""Engine flows on real databases: a cohort's first week decides the same on every store.

The step specs run on the in-memory store (the unit layer). This runs one scenario through
every step of the example playbook on SQLite and PostgreSQL too, and compares each action the
bot took with the in-memory run: a difference is a storage behaviour the memory store fakes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.messages import RichMessage
from cohortbot.storage.memory import MemoryStore
from tests.harness import Harness
from tests.storage.conftest import Store
from tests.unit.steps.surveys.support import answer_with_forms

MEMBERS = ["ana", "ben", "cleo", "dev", "eli"]


_FORM = re.compile(r"form-[0-9a-f]{8}")  # the test's own random interaction ids


def _text(action: Any) -> str:
    message = getattr(action, "message", None)
    return message.text if isinstance(message, RichMessage) else ""


async def _first_week(store: Store, tmp_path: Path) -> list[tuple[str, str, str]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    playbook = default_playbook_path().read_text()
    bot = await Harness.start(tmp_path, playbook, database=store)  # type: ignore[arg-type]
    try:
        for name in MEMBERS:
            await bot.join(name)
        for name in MEMBERS[:4]:
            await bot.click(name, bot.button(bot.dms_to(name), "accept"))
            intro = f"Hi, I'm {name}: I use pandas and want to learn statistics."
            await bot.post(name, "introductions", intro)
        question = await bot.post("ben", "general", "How do I pivot a dataframe?")
        await bot.post("ana", "general", "df.pivot(index=..., columns=...)", reply_to=bot.user("ben"))
        await bot.post("ben", "general", "Thanks <@ana>, that did it!", reply_to=bot.user("ana"))
        await bot.react("cleo", question, "👍", author="ben")
        await bot.advance("2h")  # Monday: the question of the week, a match round
        [weekly] = [p for p in bot.posts_in("general") if p.message.title == "Question of the week"]
        await bot.post("cleo", "general", "Window functions!", thread=bot.delivered(weekly))
        cards = [p for p in bot.posts_in("announcements") if p.message.buttons]
        for name in ("ana", "dev"):
            await bot.click(name, bot.button(cards, "be there"))
        await bot.advance("1d8h")  # Tuesday evening: reminders, the session, its follow-up
        await bot.command("facilitator", "survey send final")
        for name, story in (("ana", "The office hours"), ("ben", "Pairing with ana")):
            invite = [d for d in bot.dms_to(name) if d.message.title == "End of cohort survey"][-1]
            answers = {"goal": "4", "nps": "9", "next": "A study group", "story": story}
            await answer_with_forms(bot, name, invite, answers)
        await bot.advance("3d")  # nudges, champions' Friday, survey reminders
        await bot.command("facilitator", "survey results final")
        return [(type(a).__name__, _FORM.sub("form-*", a.key), _text(a)) for a in bot.performed]
    finally:
        await bot.close()


async def test_a_cohorts_first_week_decides_the_same_on_every_store(store: Store, tmp_path: Path) -> None:
    on_store = await _first_week(store, tmp_path / "store")
    in_memory = await _first_week(MemoryStore(), tmp_path / "memory")
    kinds = {kind for kind, _key, _text in on_store}
    assert {"SendDirectMessage", "PostMessage", "RespondToInteraction", "GrantRole", "OpenForm"} <= kinds
    assert len(on_store) > 50
    # The bot first sees the community on Monday at 09:00 (Berlin), the digest's time: no digest
    # about the week before, which it never saw.
    assert not [key for _kind, key, _text in on_store if ":digest:" in key]
    assert on_store == in_memory
