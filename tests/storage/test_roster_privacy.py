"""The roster in the privacy round trip, on every store: a member matched to their roster row
(by join code) exports it, deletes their data, and neither their name, email, handle, id nor
join code is anywhere in the database afterwards; the others' rows stay."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.steps.roster import api
from tests.dump import stored_text
from tests.harness import Harness
from tests.storage.conftest import Store

ID = "quillon"
TRACES = re.compile(r"quillon|o'hara|\bhara\b|q\.ohara", re.IGNORECASE)
ROSTER = (
    "name,email,handle,cohort\n"
    "Quillon O'Hara,Q.OHara@example.org,quill,spring\n"
    "Bob Byte,bob@example.org,bob,spring\n"
    "Cy Loner,cy@example.org,,\n"
)


async def test_a_forgotten_member_s_roster_row_leaves_no_trace(store: Store, tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, default_playbook_path().read_text(), database=store)  # type: ignore[arg-type]
    try:
        async with bot.database.unit_of_work() as uow:
            rows = api.store(uow, bot.community)
            merged = await api.merge(
                rows,
                api.parse_roster(ROSTER.encode(), [("spring", "Spring 2026")]).entries,
                now=bot.clock.now(),
            )
            await rows.flush()
            await uow.commit()
        code = merged.rows[api.row_id("q.ohara@example.org")].code
        await bot.join(ID, display_name="Quillon O'Hara")
        answer = await bot.command(ID, f"course join {code}")
        assert answer is not None and "you're on the roster" in answer.message.text
        await bot.send(MemberJoined, member=bot.user("bob"), display_name="Bob", handle="bob")
        before = await stored_text(bot.database)
        assert re.search(r'"table": "state".*q\.ohara@example\.org', before, re.IGNORECASE)

        await bot.command(ID, "privacy export")
        [export] = [dm for dm in bot.dms_to(ID) if dm.message.attachments]
        assert isinstance(export, SendDirectMessage)
        document = json.loads(export.message.attachments[0].data)
        [row] = document["steps"]["roster"]["roster"]
        assert (row["name"], row["email"], row["cohort"], row["matched_by"]) == (
            "Quillon O'Hara",
            "Q.OHara@example.org",
            "spring",
            "code",
        )

        confirm = await bot.command(ID, "privacy delete")
        assert confirm is not None
        done = await bot.click(ID, confirm.message.buttons[0])
        assert done is not None and "Deleted" in done.message.text
        await bot.advance("1h")
        after = await stored_text(bot.database)
        leaks = sorted({line[:300] for line in after.splitlines() if TRACES.search(line) or code in line})
        assert leaks == [], "\n".join(leaks)
        async with bot.database.unit_of_work() as uow:
            left = await api.store(uow, bot.community).all_rows()
        assert sorted(r.email for r in left.values()) == ["bob@example.org", "cy@example.org"]
        assert [r.member for r in left.values() if r.member] == ["bob"]
    finally:
        await bot.close()
