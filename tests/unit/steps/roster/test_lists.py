"""What moderators see: `/cohort course roster [missing]` and the daily not-yet-joined list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.messages import literal
from cohortbot.playbook.ports import Capabilities
from tests.harness import Harness
from tests.unit.steps.roster.support import PLAYBOOK, import_rows, join, said, started


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


async def test_the_roster_per_cohort_for_moderators_only(bot: Harness) -> None:
    assert said(await bot.command("mod", "course roster")).startswith("The roster is empty.")
    await import_rows(bot)
    await join(bot, "u-ada", email="ada@example.org")
    answer = await bot.command("mod", "course roster")
    assert answer is not None and answer.message.title == "Roster"
    assert said(answer).splitlines() == [
        "**4 on the roster: 1 joined, 3 not yet**",
        "**Spring 2026**: 1 of 1 joined",
        "**Evening cohort**: 0 of 1 joined · not yet: Bob Byte",
        "**selfpaced**: 0 of 1 joined · not yet: Di Self",
        "**No cohort**: 0 of 1 joined · not yet: Cy Loner",
    ]
    refused = await bot.command("u-ada", "course roster")
    assert said(refused) == "Sorry, only moderators can use `/cohort course roster`."


async def test_missing_lists_who_has_not_joined_by_cohort(bot: Harness) -> None:
    await import_rows(bot)
    await join(bot, "u-bob", email="bob@example.org")
    assert said(await bot.command("mod", "course roster missing")).splitlines() == [
        "**Not joined yet: 3**",
        "**Spring 2026** (1):",
        "- Ada Lovelace",
        "**selfpaced** (1):",
        "- Di Self",
        "**No cohort** (1):",
        "- Cy Loner",
    ]
    for name, email in (("u-ada", "ada"), ("u-cy", "cy"), ("u-di", "di")):
        await join(bot, name, email=f"{email}@example.org")
    assert said(await bot.command("mod", "course roster missing")) == "Everyone on the roster has joined (4)."


async def test_names_are_shown_as_written_and_a_long_roster_is_cut_to_the_message(tmp_path: Path) -> None:
    bot = await started(tmp_path, capabilities=Capabilities(max_message_length=400))
    try:
        people = "".join(f"Learner {n:03},l{n}@example.org,,spring\n" for n in range(200))
        await import_rows(bot, "name,email,handle,cohort\n<@U1> **Eve**,eve@example.org,,spring\n" + people)
        summary = said(await bot.command("mod", "course roster"))
        assert len(summary) <= 400
        eve = literal("<@U1> **Eve**")
        assert eve != "<@U1> **Eve**"
        assert summary.splitlines()[1].startswith(
            f"**Spring 2026**: 0 of 201 joined · not yet: {eve}, Learner 000"
        )
        assert summary.endswith(" more")
        missing = said(await bot.command("mod", "course roster missing"))
        assert len(missing) <= 400 and missing.splitlines()[-1].startswith("… and ")
    finally:
        await bot.close()


async def test_the_daily_list_goes_to_the_moderators_while_someone_has_not_joined(bot: Harness) -> None:
    await bot.join("mod")  # the bot has seen the community: its schedules run from now
    await import_rows(bot, "name,email,cohort\nAda,ada@example.org,spring\nBob,bob@example.org,\n")
    await bot.advance("1d")  # Monday 09:00 Berlin
    [first] = bot.posts_in("mod-team")
    assert first.message.text.splitlines() == [
        "**Roster: 2 not joined yet**",
        "**Spring 2026** (1):",
        "- Ada",
        "**No cohort** (1):",
        "- Bob",
    ]
    await join(bot, "u-ada", email="ada@example.org")
    await join(bot, "u-bob", email="bob@example.org")
    await bot.advance("2d")
    assert len(bot.posts_in("mod-team")) == 1  # everyone joined: no list since


async def test_no_daily_list_when_it_is_off(tmp_path: Path) -> None:
    bot = await started(tmp_path, PLAYBOOK.replace('daily: "0 9 * * *"', "daily: null"))
    try:
        await bot.join("mod")
        await import_rows(bot)
        await bot.advance("3d")
        assert bot.posts_in("mod-team") == []
    finally:
        await bot.close()
