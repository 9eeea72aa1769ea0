"""A join's handle and email are for matching the member to a roster row only: never stored.

Every step of the example playbook sees the join (core's member record, the welcome, intros,
cohorts, ...) and the days after it run; then no table of any store holds the handle or the
email, while the display name is kept (the member record's one name).
"""

from __future__ import annotations

from pathlib import Path

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.events import MemberJoined
from tests.harness import Harness
from tests.storage.conftest import Store

HANDLE = "zephyrine_k"
EMAIL = "zephyrine.kowalczyk@uni.example"
DISPLAY = "Zuzu Marplestone"


async def test_a_joins_handle_and_email_are_not_stored(store: Store, tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, default_playbook_path().read_text(), database=store)  # type: ignore[arg-type]
    try:
        await bot.send(
            MemberJoined, member=bot.user("u-zed"), display_name=DISPLAY, handle=HANDLE, email=EMAIL
        )
        await bot.join("bob")
        await bot.advance("3d")  # the welcome's follow-ups, intros' nudges, the cohort's first days

        member = await bot.member("u-zed")
        assert member is not None and member.display_name == DISPLAY
        stored = (await bot.stored_text()).lower()
        assert DISPLAY.lower() in stored
        assert "zephyrine" not in stored
        assert "kowalczyk" not in stored
        assert "uni.example" not in stored
    finally:
        await bot.close()
