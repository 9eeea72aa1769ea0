"""What the import CLI leaves to the bot (a timer): members its platform lookup found are
recorded and enrolled, a matched member whose row's cohort changed moves, a removed row's
member leaves the cohort the roster put them in. And the counts the health report reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from cohortbot.playbook.steps.roster import api
from tests.harness import Harness
from tests.unit.steps.roster.support import import_rows, join, members_of, rows, started


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    await harness.join("mod")
    yield harness
    await harness.close()


async def found_by_lookup(bot: Harness, email: str, member: str) -> None:
    """As ``roster import`` records a member its platform lookup found, and asks the bot."""
    async with bot.database.unit_of_work() as uow:
        store = api.store(uow, bot.community)
        hit = await store.by_email(email)
        assert hit is not None
        rid, row = hit
        now = bot.clock.now()
        await store.put(
            rid,
            row.model_copy(
                update={"member": member, "joined_at": now, "matched_by": "lookup", "pending": True}
            ),
        )
        await store.flush()
        await api.request_reconcile(uow, bot.community, now)
        await uow.commit()


async def test_a_member_found_by_the_import_s_lookup_is_enrolled_once_the_bot_runs(bot: Harness) -> None:
    await import_rows(bot)
    await found_by_lookup(bot, "bob@example.org", "u-bob")
    assert await members_of(bot, "evening") == []
    await bot.advance("1m")
    bob = (await rows(bot))["bob@example.org"]
    assert (bob.member, bob.matched_by, bob.enrolled, bob.pending) == ("u-bob", "lookup", "evening", False)
    assert await members_of(bot, "evening") == ["u-bob"]
    member = await bot.member("u-bob")
    assert member is not None and member.data["roster"]["row"] == api.row_id("bob@example.org")


async def test_a_re_import_moving_a_matched_member_to_another_cohort_moves_them(bot: Harness) -> None:
    await import_rows(bot)
    await join(bot, "u-ada", email="ada@example.org")
    assert await members_of(bot, "spring") == ["u-ada"]
    await import_rows(bot, "name,email,cohort\nAda Lovelace,ada@example.org,evening\n")
    async with bot.database.unit_of_work() as uow:
        await api.request_reconcile(uow, bot.community, bot.clock.now())
        await uow.commit()
    await bot.advance("1m")
    assert (await members_of(bot, "spring"), await members_of(bot, "evening")) == ([], ["u-ada"])
    assert (await rows(bot))["ada@example.org"].enrolled == "evening"


async def test_a_removed_row_s_member_leaves_the_roster_s_cohort_and_their_row_is_gone(bot: Harness) -> None:
    await import_rows(bot)
    await join(bot, "u-ada", email="ada@example.org")
    async with bot.database.unit_of_work() as uow:
        removed = await api.remove(api.store(uow, bot.community), uow, bot.community, "Ada@Example.org")
        await api.request_reconcile(uow, bot.community, bot.clock.now())
        await uow.commit()
    assert removed is not None and removed.name == "Ada Lovelace"
    assert await members_of(bot, "spring") == ["u-ada"]  # until the bot settles it
    await bot.advance("1m")
    assert await members_of(bot, "spring") == []
    assert "ada@example.org" not in await rows(bot)
    member = await bot.member("u-ada")
    assert member is not None and "roster" not in member.data
    async with bot.database.unit_of_work() as uow:
        assert await uow.state.keys(bot.community, "roster.pending") == []
        assert await api.store(uow, bot.community).by_handle("ada") is None


async def test_the_counts_say_how_many_joined_per_cohort_and_by_when(bot: Harness) -> None:
    await import_rows(bot)
    await join(bot, "u-ada", email="ada@example.org")
    before_bob = bot.clock.now()
    await bot.advance("2d")
    await join(bot, "u-bob", email="bob@example.org")
    async with bot.database.unit_of_work() as uow:
        now = await api.roster_counts(uow, bot.community)
        then = await api.roster_counts(uow, bot.community, until=before_bob + timedelta(days=1))
    assert (now.rows, now.joined) == (4, 2)
    assert now.by_cohort == {"spring": (1, 1), "evening": (1, 1), "": (1, 0), "selfpaced": (1, 0)}
    assert (then.joined, then.by_cohort["evening"]) == (1, (1, 0))
