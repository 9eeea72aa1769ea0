"""Who is in a cohort: members who enrol themselves (where the cohort allows it and until
enrolment closes), members a moderator enrols, and members with the cohort's role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cohortbot.playbook.events import Event
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Step, StepContext
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.cohorts.api import Enrol, Unenrol
from tests.unit.steps.cohorts.support import answer_text, cohorts_of, roll, set_roles, started


async def test_a_member_enrols_and_leaves_a_cohort_that_allows_it(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        text = answer_text(await bot.command("alice", "course enrol spring"))
        assert text.startswith("You're in **Spring 2026** now")
        assert await cohorts_of(bot, "alice") == {"spring": "enrol"} and await roll(bot, "spring") == [
            "alice"
        ]
        assert "already" in answer_text(await bot.command("alice", "course enrol spring"))
        assert (
            answer_text(await bot.command("alice", "course leave spring"))
            == "You're no longer in **Spring 2026**."
        )
        assert await cohorts_of(bot, "alice") == {} and await roll(bot, "spring") == []
        assert (
            answer_text(await bot.command("alice", "course leave spring")) == "You're not in **Spring 2026**."
        )
    finally:
        await bot.close()


async def test_an_unknown_cohort_is_answered_with_the_cohorts_there_are(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        text = answer_text(await bot.command("alice", "course enrol <@everyone>"))
        assert text == (
            "There's no cohort '\\<@everyone\\>'. "
            "The cohorts: `spring` (Spring 2026), `evening` (Evening group)."
        )
        assert answer_text(await bot.command("alice", "course enrol " + "x" * 500)).count("x") == 39
    finally:
        await bot.close()


async def test_enrolment_closes_after_enrol_closes_after_and_is_refused_where_the_cohort_has_none(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path)
    try:
        refused = answer_text(await bot.command("alice", "course enrol evening"))
        assert refused.startswith("Members can't enrol in **Evening group** themselves")
        assert refused.endswith("ask a moderator.")
        await bot.advance("15d")  # two weeks after spring's start (enrol_closes_after: 14d)
        closed = answer_text(await bot.command("alice", "course enrol spring"))
        assert closed.startswith("Enrolment in **Spring 2026** closed <t:")
        assert await cohorts_of(bot, "alice") == {}
    finally:
        await bot.close()


async def test_a_moderator_enrols_and_takes_out_another_member_whatever_the_cohort_allows(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path)
    try:
        await bot.join("bob")
        assert answer_text(await bot.command("mod", "course enrol evening <@bob>")) == (
            "Enrolled <@bob> in **Evening group**."
        )
        assert await cohorts_of(bot, "bob") == {"evening": "moderator"}
        mine = answer_text(await bot.command("bob", "course leave evening"))
        assert mine == "You're in **Evening group** by a moderator, so only a moderator can take you out."
        assert answer_text(await bot.command("mod", "course leave evening bob")) == (
            "Took <@bob> out of **Evening group**."
        )
        assert await roll(bot, "evening") == []
        unknown = answer_text(await bot.command("mod", "course enrol evening nobody"))
        assert unknown == "I don't know a member 'nobody' here."
    finally:
        await bot.close()


async def test_only_moderators_enrol_someone_else(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.join("bob")
        text = answer_text(await bot.command("alice", "course enrol spring bob"))
        assert text.startswith("Only moderators can enrol another member.")
        assert "`/cohort course enrol spring`" in text
        assert await roll(bot, "spring") == []
    finally:
        await bot.close()


async def test_members_with_the_cohort_s_role_are_in_it_while_they_have_it(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.join("bob")
        await set_roles(bot, "bob", "@spring", "Other")  # names match as moderators' roles do
        assert await cohorts_of(bot, "bob") == {"spring": "role"}
        await set_roles(bot, "bob", "Other")
        assert await cohorts_of(bot, "bob") == {} and await roll(bot, "spring") == []
    finally:
        await bot.close()


async def test_losing_the_role_never_takes_out_a_member_who_came_in_another_way(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.command("alice", "course enrol spring")
        await set_roles(bot, "alice", "Spring")
        await set_roles(bot, "alice")
        assert await cohorts_of(bot, "alice") == {"spring": "enrol"}  # her own enrolment stands
    finally:
        await bot.close()


async def test_running_a_cohort_command_with_the_role_enrols(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        bot.roles["alice"] = {"Spring"}  # the platform says so with the command (Slack, console)
        text = answer_text(await bot.command("alice", "week"))
        assert text.startswith("**Spring 2026**: starts <t:")
        assert await cohorts_of(bot, "alice") == {"spring": "role"}
    finally:
        await bot.close()


@dataclass(frozen=True, kw_only=True, slots=True)
class RosterSays(Event):
    """For tests: makes the ``publisher`` step publish Enrol/Unenrol, as the roster step does."""

    member: str
    cohort: str
    leave: bool = False


async def _publish(event: RosterSays, ctx: StepContext[Any]) -> None:
    user = UserRef(ctx.community.platform, event.member)
    ctx.publish(
        Unenrol(member=user, cohort=event.cohort)
        if event.leave
        else Enrol(member=user, cohort=event.cohort, source="roster")
    )


PUBLISHER = Step(name="publisher", config=StepConfig, always_on=True, handlers={RosterSays: _publish})


async def test_other_steps_enrol_and_unenrol_by_message_and_an_unknown_cohort_is_ignored(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path, steps=[*STEPS, PUBLISHER])
    try:
        await bot.send(RosterSays, member="alice", cohort="winter")
        assert await cohorts_of(bot, "alice") == {}
        await bot.send(RosterSays, member="alice", cohort="spring")
        assert await cohorts_of(bot, "alice") == {"spring": "roster"}
        await set_roles(bot, "alice")  # no role: a roster member stays
        assert await roll(bot, "spring") == ["alice"]
        await bot.send(RosterSays, member="alice", cohort="spring", leave=True)
        assert await cohorts_of(bot, "alice") == {} and await roll(bot, "spring") == []
    finally:
        await bot.close()
