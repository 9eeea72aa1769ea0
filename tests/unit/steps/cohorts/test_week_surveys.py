"""A week's survey goes to the cohort's members, in a round of its own; a member in two
cohorts that send the same survey on the same day is invited once and reminded once."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.actions import SendDirectMessage
from tests.harness import Harness
from tests.unit.steps.cohorts.support import PLAYBOOK, invites, started


def reminders(bot: Harness, name: str) -> list[SendDirectMessage]:
    return [dm for dm in bot.dms_to(name) if ":remind:" in dm.key]


async def with_members(tmp_path: Path) -> Harness:
    """alice in spring only, bob in the evening group only, carol in both, dave in neither."""
    bot = await started(tmp_path)
    for name in ("bob", "carol", "dave"):
        await bot.join(name)
    await bot.command("alice", "course enrol spring")
    await bot.command("carol", "course enrol spring")
    await bot.command("mod", "course enrol evening bob")
    await bot.command("mod", "course enrol evening carol")
    return bot


async def test_the_week_s_survey_invites_the_cohort_s_members_to_its_round(tmp_path: Path) -> None:
    bot = await with_members(tmp_path)
    try:
        await bot.advance("18d")  # Thursday 19 March: week 3 of spring, no survey yet
        assert invites(bot, "alice") == []
        await bot.advance("1d8h")  # Friday 20 March, 20:00 Berlin: both cohorts' surveys went out
        [alice] = invites(bot, "alice")
        assert alice.key.endswith(":invite:mid:cohort-spring-week-3:alice")
        assert alice.message.title == "Mid-point check-in"
        [bob] = invites(bot, "bob")
        assert bob.key.endswith(":invite:mid:cohort-evening-week-3:bob")
        assert invites(bot, "dave") == []  # in no cohort
    finally:
        await bot.close()


async def test_a_member_in_two_cohorts_with_the_same_survey_that_day_is_invited_and_reminded_once(
    tmp_path: Path,
) -> None:
    bot = await with_members(tmp_path)
    try:
        await bot.advance("19d8h")
        # The evening group's survey comes first that day (12:00, spring's at 17:00): carol's
        # invitation is the evening round's, and spring's round leaves her out.
        [carol] = invites(bot, "carol")
        assert carol.key.endswith(":invite:mid:cohort-evening-week-3:carol")
        await bot.advance("3d")  # every round's single reminder (remind_after: 2d)
        assert len(reminders(bot, "carol")) == 1
        assert len(reminders(bot, "alice")) == len(reminders(bot, "bob")) == 1
        assert len(invites(bot, "carol")) == 1
    finally:
        await bot.close()


async def test_at_the_same_time_the_playbook_s_first_cohort_invites(tmp_path: Path) -> None:
    same_time = PLAYBOOK.replace('on: fri, at: "12:00"', 'on: fri, at: "17:00"')
    bot = await started(tmp_path, same_time)
    try:
        await bot.join("carol")
        await bot.command("carol", "course enrol spring")
        await bot.command("mod", "course enrol evening carol")
        await bot.advance("19d8h")
        [carol] = invites(bot, "carol")
        assert carol.key.endswith(":invite:mid:cohort-spring-week-3:carol")  # spring comes first
    finally:
        await bot.close()


async def test_a_cohort_without_a_survey_that_week_sends_none(tmp_path: Path) -> None:
    bot = await with_members(tmp_path)
    try:
        await bot.advance("12d9h")  # Friday 13 March, 21:00: spring's week 2 has no survey
        assert invites(bot, "alice") == invites(bot, "bob") == []
    finally:
        await bot.close()
