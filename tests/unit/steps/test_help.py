"""`/cohort` alone, `/cohort help [topic]` and unknown commands: the caller's commands only,
grouped by what they are for, within one platform message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.actions import RespondToInteraction
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness

CATALOG = [command.spec for step in STEPS for command in step.commands]
MEMBERS = {spec.name for spec in CATALOG if not spec.moderator}
DISCORD_LIMIT = 2000


def listed(answer: RespondToInteraction | None) -> set[str]:
    assert answer is not None
    text = answer.message.text
    return {
        s.name
        for s in CATALOG
        if f"`/cohort {s.name}`" in text or f"`/cohort {s.name} " in text or f"`{s.name}`" in text
    }


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(
        tmp_path,
        default_playbook_path().read_text(),
        capabilities=Capabilities(max_message_length=DISCORD_LIMIT),
    )
    await harness.join("alice")
    yield harness
    await harness.close()


async def test_cohort_alone_lists_a_member_their_commands_grouped_with_what_each_does(bot: Harness) -> None:
    answer = await bot.command("alice", "")
    assert answer is not None and answer.ephemeral
    assert answer.message.title == "cohortbot commands in Data Science Cohort"
    text = answer.message.text
    assert listed(answer) == MEMBERS
    # With issue 13's member commands (weeks, assignments, check-in, the calendar) the list with
    # descriptions is over Discord's 2,000 characters: one line of names per group instead.
    assert "**Introductions and matching** (`/cohort help interests`): `/cohort interests choose` · " in text
    assert text.endswith("`/cohort help TOPIC` says what each command does, e.g. `/cohort help match`.")
    assert "**Your data**" in text and "**Surveys**" not in text  # only moderators have surveys
    assert len(text) <= DISCORD_LIMIT


async def test_a_moderator_s_longer_list_is_grouped_by_name_within_a_discord_message(bot: Harness) -> None:
    answer = await bot.command("facilitator", "help")
    assert answer is not None
    assert listed(answer) == {spec.name for spec in CATALOG}
    assert len(answer.message.text) <= DISCORD_LIMIT
    assert "**Surveys** (`/cohort help survey`): `survey list` · `survey send` · " in answer.message.text
    assert (
        "\nType each after `/cohort`; `/cohort help TOPIC` says what each command does" in answer.message.text
    )
    assert answer.message.text.endswith("says what each command does, e.g. `/cohort help match`.")


async def test_with_room_enough_the_moderator_list_says_what_each_command_does(tmp_path: Path) -> None:
    roomy = Capabilities(max_message_length=100_000)  # the console's
    bot = await Harness.start(tmp_path, default_playbook_path().read_text(), capabilities=roomy)
    try:
        answer = await bot.command("facilitator", "help")
        assert answer is not None and listed(answer) == {spec.name for spec in CATALOG}
        assert "`/cohort survey send <name>` — Send a survey now" in answer.message.text
    finally:
        await bot.close()


async def test_an_unknown_command_says_so_and_lists_what_the_member_may_run(bot: Harness) -> None:
    answer = await bot.command("alice", "frobnicate now")
    assert answer is not None
    assert answer.message.text.startswith("There's no “/cohort frobnicate now”. What you can run:\n")
    assert listed(answer) == MEMBERS


async def test_a_word_of_a_group_lists_that_group_only(bot: Harness) -> None:
    answer = await bot.command("alice", "session frobnicate")
    assert answer is not None and answer.message.title == "Sessions and deadlines: commands"
    assert answer.message.text.startswith(
        "There's no “/cohort session frobnicate”. In sessions and deadlines you can run:"
    )
    assert listed(answer) == {"session list", "session reminders", "session checkin", "help"}  # not create
    topic = await bot.command("alice", "help match")
    intros = {name for name in MEMBERS if name.split()[0] in ("interests", "match")}
    assert topic is not None and listed(topic) == intros | {"help"}


async def test_a_member_asking_about_moderator_commands_is_told_they_are_for_moderators(bot: Harness) -> None:
    one = await bot.command("alice", "help match now")
    assert one is not None and one.message.text == (
        "Only moderators can use `/cohort match now`. `/cohort help` lists everything you can run."
    )
    group = await bot.command("alice", "help survey")
    assert group is not None
    assert group.message.text.startswith("Only moderators can use the surveys commands.")
    mine = await bot.command("facilitator", "help survey send")
    assert mine is not None and mine.message.text.startswith("`/cohort survey send <name>` — Send a survey")


async def test_what_a_member_typed_is_shown_as_typed_and_cut_short(bot: Harness) -> None:
    answer = await bot.command("alice", "**bold** <@everyone> " + "x" * 500)
    assert answer is not None
    first = answer.message.text.splitlines()[0]
    assert "\\*\\*bold\\*\\*" in first and "<@everyone>" not in first
    assert len(first) < 120
