"""`roster import` with the platform lookup: the members it finds are recorded (only people
not matched yet are asked about) and the bot enrols them once it runs; a dry run asks nobody
and writes nothing. And when the bot is to settle what the CLI changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cohortbot.bot import roster_cli, roster_lookup
from cohortbot.bot.progress import quiet
from cohortbot.bot.roster_target import CONSOLE, Context, settle_from
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage.database import Database
from tests.harness import Harness, sqlite_url
from tests.unit.steps.roster.support import CSV, join, members_of, rows, started


class FakeLookup:
    def __init__(self, found: dict[str, str]) -> None:
        self.found = found  # email -> member id
        self.asked: list[tuple[str, str]] = []

    async def __call__(
        self, playbooks: Any, community: CommunityRef, people: Sequence[tuple[str, str]], progress: Any = None
    ) -> dict[int, UserRef]:
        self.asked += people
        return {
            n: UserRef(community.platform, self.found[email])
            for n, (email, _handle) in enumerate(people)
            if email in self.found
        }


async def test_members_the_lookup_finds_are_matched_and_enrolled_once_the_bot_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await started(tmp_path, url=sqlite_url(tmp_path))
    try:
        await bot.join("mod")
        await import_first_row(bot, tmp_path, monkeypatch)
        lookup = FakeLookup({"ada@example.org": "u-ada", "bob@example.org": "u-bob"})
        monkeypatch.setattr(roster_lookup, "look_up", lookup)
        monkeypatch.setattr(roster_cli, "settle_from", settle_now(bot))
        done = await roster_cli._import(
            context(bot, tmp_path),
            CSV.encode(),
            community=str(bot.community),
            dry_run=False,
            lookup=True,
            progress=quiet,
        )
        assert done.found == 1  # Bob; Ada had joined already, and was not asked about
        assert [email for email, _ in lookup.asked] == ["bob@example.org", "cy@example.org", "di@example.org"]
        bob = (await rows(bot))["bob@example.org"]
        assert (bob.member, bob.matched_by, bob.pending, bob.enrolled) == ("u-bob", "lookup", True, None)
        await bot.advance("1m")
        assert await members_of(bot, "evening") == ["u-bob"]
        assert (await rows(bot))["bob@example.org"].pending is False
    finally:
        await bot.close()


async def import_first_row(bot: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ada's row, matched by email when she joins."""
    monkeypatch.setattr(roster_lookup, "look_up", FakeLookup({}))
    first = "\n".join(CSV.splitlines()[:2]) + "\n"
    await roster_cli._import(
        context(bot, tmp_path),
        first.encode(),
        community=str(bot.community),
        dry_run=False,
        lookup=False,
        progress=quiet,
    )
    await join(bot, "u-ada", email="ada@example.org")
    assert await members_of(bot, "spring") == ["u-ada"]


async def test_a_dry_run_asks_the_platform_nothing_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await started(tmp_path, url=sqlite_url(tmp_path))
    try:
        lookup = FakeLookup({"ada@example.org": "u-ada"})
        monkeypatch.setattr(roster_lookup, "look_up", lookup)
        done = await roster_cli._import(
            context(bot, tmp_path),
            CSV.encode(),
            community=str(bot.community),
            dry_run=True,
            lookup=True,
            progress=quiet,
        )
        assert len(done.merged.added) == 4 and lookup.asked == []
        assert await rows(bot) == {}
    finally:
        await bot.close()


async def test_the_console_settles_at_its_simulated_time_other_communities_now(tmp_path: Path) -> None:
    database = Database(sqlite_url(tmp_path))
    await database.upgrade()
    try:
        start = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
        before = datetime.now(UTC)
        assert await settle_from(database, CONSOLE, start) == start
        other = await settle_from(database, CommunityRef("discord", "1"), start)
        assert before <= other <= datetime.now(UTC)
        async with database.unit_of_work() as uow:  # a console that ran before stopped earlier still
            await uow.state.put(CONSOLE, "console:clock", (start - timedelta(days=1)).isoformat())
            await uow.commit()
        assert await settle_from(database, CONSOLE, start) == start - timedelta(days=1)
    finally:
        await database.dispose()


def context(bot: Harness, tmp_path: Path) -> Context:
    return Context(sqlite_url(tmp_path), bot.runtime.engine.playbooks, None, {})


def settle_now(bot: Harness) -> Any:
    async def at(database: Any, community: CommunityRef, start: datetime | None) -> datetime:
        return bot.clock.now()

    return at


async def test_the_community_is_the_only_one_known_or_named_and_a_stranger_is_warned_about(
    tmp_path: Path,
) -> None:
    from cohortbot.bot.roster_target import RosterInputError, choose_community, unheard_of

    bot = await started(tmp_path)  # the roster tests' playbook: the default, naming no community
    try:
        playbooks = bot.runtime.engine.playbooks
        with pytest.raises(
            RosterInputError, match=r"which community\? pass --community platform:id \(known: none yet\)"
        ):
            choose_community(playbooks, [], None)
        seen = CommunityRef("discord", "42")
        assert choose_community(playbooks, [seen], None)[0] == seen
        both = [seen, CommunityRef("slack", "T1")]
        with pytest.raises(RosterInputError, match=r"known: discord:42, slack:T1"):
            choose_community(playbooks, both, None)
        assert choose_community(playbooks, both, "slack:T1")[0] == CommunityRef("slack", "T1")
        assert choose_community(playbooks, [], "console")[0] == CONSOLE
        assert unheard_of(playbooks, both, CommunityRef("discord", "43")).startswith(
            "the bot has not seen discord:43"
        )
        assert unheard_of(playbooks, both, seen) == ""
    finally:
        await bot.close()
