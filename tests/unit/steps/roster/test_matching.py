"""Members matched to roster rows: by email or handle when they join, by join code (command
or DM), never twice; a row's cohort enrols them (when it takes roster members)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.actions import PostMessage
from tests.harness import Harness
from tests.unit.steps.roster.support import import_rows, join, members_of, rows, said, started


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


async def test_a_member_joining_with_the_row_s_email_in_another_case_is_matched_and_enrolled(
    bot: Harness,
) -> None:
    await import_rows(bot)
    await join(bot, "u-ada", email="ADA@Example.ORG")
    ada = (await rows(bot))["ada@example.org"]
    assert (ada.member, ada.matched_by, ada.joined_at, ada.enrolled) == (
        "u-ada",
        "email",
        bot.clock.now(),
        "spring",
    )
    assert await members_of(bot, "spring") == ["u-ada"]
    member = await bot.member("u-ada")
    assert member is not None and member.data["cohorts"] == {"cohorts": {"spring": "roster"}}


async def test_a_member_is_matched_by_handle_when_the_platform_gives_no_email(bot: Harness) -> None:
    await import_rows(bot)
    await join(bot, "u-ada", handle="Ada")
    assert (await rows(bot))["ada@example.org"].matched_by == "handle"
    assert await members_of(bot, "spring") == ["u-ada"]


async def test_a_stranger_matches_nothing_and_a_taken_row_is_not_taken_over(bot: Harness) -> None:
    await import_rows(bot)
    await join(bot, "u-x", email="x@example.org", handle="x")
    await join(bot, "u-ada", email="ada@example.org")
    await join(bot, "u-ada2", handle="ada")  # someone with her handle on another platform account
    assert (await rows(bot))["ada@example.org"].member == "u-ada"
    assert [r.member for r in (await rows(bot)).values() if r.member] == ["u-ada"]


async def test_a_join_code_matches_and_enrols_and_answers_with_the_cohort(bot: Harness) -> None:
    code = (await import_rows(bot))["bob@example.org"].code
    await bot.join("u-bob")
    answer = await bot.command("u-bob", f"course join {code.lower().replace('-', ' ')}")
    assert (
        said(answer)
        == "Thank you, u-bob: you're on the roster of Data Cohort, in **Evening cohort**. Welcome!"
    )
    bob = (await rows(bot))["bob@example.org"]
    assert (bob.member, bob.matched_by) == ("u-bob", "code")
    assert await members_of(bot, "evening") == ["u-bob"]
    again = await bot.command("u-bob", f"course join {code}")
    assert said(again) == "You used your join code already: you're on the roster. Welcome back!"
    await bot.join("u-eve")
    stolen = await bot.command("u-eve", f"course join {code}")
    assert said(stolen).startswith("That join code was used by another member already.")


async def test_a_row_without_a_cohort_or_one_that_takes_no_roster_members_enrols_nobody(bot: Harness) -> None:
    stored = await import_rows(bot)
    await bot.join("u-cy")
    await bot.join("u-di")
    cy = await bot.command("u-cy", f"course join {stored['cy@example.org'].code}")
    assert said(cy) == "Thank you, u-cy: you're on the roster of Data Cohort. Welcome!"
    await bot.command("u-di", f"course join {stored['di@example.org'].code}")
    after = await rows(bot)
    assert after["di@example.org"].member == "u-di" and after["di@example.org"].enrolled is None
    assert await members_of(bot, "selfpaced") == []


async def test_wrong_codes_are_explained_and_limited(bot: Harness) -> None:
    stored = await import_rows(bot)
    await bot.join("u-eve")
    assert said(await bot.command("u-eve", "course join letmein")).startswith(
        "A join code has 8 letters and digits"
    )
    unknown = await bot.command("u-eve", "course join 2222-2222")
    assert said(unknown).startswith("That join code isn't on the roster of Data Cohort.")
    for _ in range(9):
        await bot.command("u-eve", "course join 2222-2222")
    refused = await bot.command("u-eve", f"course join {stored['cy@example.org'].code}")
    assert said(refused).startswith("Too many wrong join codes today.")
    await bot.advance("1d")
    accepted = await bot.command("u-eve", f"course join {stored['cy@example.org'].code}")
    assert said(accepted).startswith("Thank you, u-eve")


async def test_a_member_already_on_the_roster_cannot_take_a_second_row(bot: Harness) -> None:
    stored = await import_rows(bot)
    await join(bot, "u-ada", email="ada@example.org")
    answer = await bot.command("u-ada", f"course join {stored['bob@example.org'].code}")
    assert said(answer).startswith("You're on the roster already (with another join code).")
    assert (await rows(bot))["bob@example.org"].member is None


async def test_a_dm_that_is_a_code_uses_it_and_is_not_passed_on_to_the_moderators(bot: Harness) -> None:
    stored = await import_rows(bot)
    await bot.join("u-ada")
    await bot.post("u-ada", "dm-u-ada", f"  {stored['ada@example.org'].code}  ", is_direct=True)
    assert bot.dms_to("u-ada")[-1].message.text.startswith("Thank you, u-ada: you're on the roster")
    assert await members_of(bot, "spring") == ["u-ada"]
    await bot.post("u-ada", "dm-u-ada", "How do I find the notebooks?", is_direct=True)
    forwarded = [p.message.text for p in bot.posts_in("mod-team") if isinstance(p, PostMessage)]
    assert len(forwarded) == 1 and "notebooks" in forwarded[0]


async def test_dms_are_not_read_when_the_playbook_says_so(tmp_path: Path) -> None:
    from tests.unit.steps.roster.support import PLAYBOOK

    bot = await started(tmp_path, PLAYBOOK.replace('daily: "0 9 * * *"', "read_dms: false"))
    try:
        stored = await import_rows(bot)
        await bot.join("u-ada")
        await bot.post("u-ada", "dm-u-ada", stored["ada@example.org"].code, is_direct=True)
        assert (await rows(bot))["ada@example.org"].member is None
    finally:
        await bot.close()


SURVEY_PLAYBOOK = """
name: Roster and survey
default: true
community_name: Data Cohort
timezone: Europe/Berlin
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  roster: {daily: null}
  surveys:
    surveys:
      - name: quiz
        title: Quiz
        anonymous: false
        questions:
          - {id: word, type: text, text: "Type any word", required: true}
"""


async def test_a_dm_answering_a_survey_question_is_the_survey_s_even_if_it_looks_like_a_code(
    tmp_path: Path,
) -> None:
    from cohortbot.playbook.ports import Capabilities

    bot = await started(tmp_path, SURVEY_PLAYBOOK, capabilities=Capabilities(modals=False))
    try:
        code = (await import_rows(bot, "name,email\nAda,ada@example.org\n"))["ada@example.org"].code
        await bot.join("u-ada")
        await bot.command("mod", "survey send quiz")
        invite = bot.dms_to("u-ada")[-1]
        question = await bot.click("u-ada", bot.button([invite], "start"))
        assert question is not None and "Reply to me here" in question.message.text
        await bot.post("u-ada", "dm-u-ada", code, is_direct=True)
        assert (await rows(bot))["ada@example.org"].member is None
        assert not any("roster" in dm.message.text for dm in bot.dms_to("u-ada"))
        assert bot.dms_to("u-ada")[-1].message.text.startswith("Thank you, u-ada!")  # the survey's
        await bot.post("u-ada", "dm-u-ada", code, is_direct=True)  # the survey is done: now it is a code
        assert (await rows(bot))["ada@example.org"].member == "u-ada"
    finally:
        await bot.close()
