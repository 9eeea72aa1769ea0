"""What a step gets from its context: typed documents and member sections, members, channels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cohortbot.bot.scheduler import CronCalendar
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.model import Channels, CommunityPlaybook, StepConfig
from cohortbot.playbook.ports import Capabilities, Member, UnitOfWork, pseudonym
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from cohortbot.playbook.step import (
    Document,
    LoadedPlaybook,
    MemberSection,
    StateError,
    Step,
    StepContext,
    command,
)
from cohortbot.storage.memory import MemoryStore
from tests.unit.kernel.support import ALICE, COMMUNITY, NOW, Config, clock


class NeedsValue(StepConfig):
    value: int


class Round(Document):
    key = "round"
    pairs: list[list[str]] = []


class Prefs(MemberSection):
    muted: bool = False
    topics: list[str] = []


def _ctx(uow: UnitOfWork, *, step: str = "demo", peers: tuple[Step[Any], ...] = ()) -> StepContext[Config]:
    playbook = CommunityPlaybook(
        name="t", communities=["memory"], channels=Channels(intros="introductions", general="chat")
    )
    return StepContext(
        event=MemberJoined(
            community=COMMUNITY, occurred_at=NOW, event_id="e1", member=ALICE, display_name="alice"
        ),
        playbook=playbook,
        config=Config(),
        uow=uow,
        clock=clock(),
        calendar=CronCalendar(),
        capabilities=Capabilities(),
        step=step,
        loaded=LoadedPlaybook(community=playbook, steps={}),
        peers=peers,
    )


async def test_documents_round_trip_typed_and_list_their_ids() -> None:
    store = MemoryStore()
    async with store.unit_of_work() as uow:
        ctx = _ctx(uow)
        assert await ctx.find(Round, "w1") is None
        assert await ctx.load(Round, "w1") == Round()
        await ctx.store(Round(pairs=[["a", "b"]]), "w1")
        await ctx.store(Round(pairs=[["c", "d"]]), "w2")
        await ctx.store(Round(), "")
        assert await ctx.ids(Round) == ["w1", "w2"]
        assert await ctx.load(Round, "w2") == Round(pairs=[["c", "d"]])
        await ctx.drop(Round, "w1")
        assert await ctx.ids(Round) == ["w2"]
        assert await uow.state.get(COMMUNITY, "demo.round.w2") == {"pairs": [["c", "d"]]}


async def test_documents_are_scoped_to_their_step() -> None:
    async with MemoryStore().unit_of_work() as uow:
        await _ctx(uow, step="one").store(Round(pairs=[["x", "y"]]))
        assert await _ctx(uow, step="two").find(Round) is None


async def test_unreadable_state_fails_the_step_instead_of_being_overwritten() -> None:
    async with MemoryStore().unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "demo.round", {"pairs": "not a list"})
        ctx = _ctx(uow)
        with pytest.raises(StateError, match=r"demo\.round is unreadable"):
            await ctx.load(Round)
        member = Member(community=COMMUNITY, user=ALICE, display_name="a", data={"demo": {"muted": "loud"}})
        with pytest.raises(StateError, match=r"member section of .* is unreadable"):
            ctx.section(member, Prefs)
        assert await uow.state.get(COMMUNITY, "demo.round") == {"pairs": "not a list"}


async def test_a_member_section_is_typed_and_keyed_by_the_step() -> None:
    async with MemoryStore().unit_of_work() as uow:
        ctx = _ctx(uow)
        member = await ctx.touch_member(ALICE)
        assert ctx.section(member, Prefs) == Prefs()
        ctx.set_section(member, Prefs(muted=True, topics=["sql"]))
        await uow.members.save(member)
        again = await ctx.member(ALICE)
        assert again is not None
        assert again.data == {"demo": {"muted": True, "topics": ["sql"]}}
        assert ctx.section(again, Prefs).topics == ["sql"]
        ctx.set_section(again, None)
        assert again.data == {}


async def test_a_member_who_had_their_data_deleted_keeps_opt_out_and_is_not_welcomed_twice() -> None:
    welcomed = NOW - timedelta(days=10)
    async with MemoryStore().unit_of_work() as uow:
        stand_in = UserRef(Platform.MEMORY, pseudonym(COMMUNITY, ALICE))
        await uow.members.save(
            Member(
                community=COMMUNITY,
                user=stand_in,
                display_name="",
                welcomed_at=welcomed,
                join_count=1,
                analytics_opt_out=True,
            )
        )
        member = await _ctx(uow).touch_member(ALICE, display_name="Alice")
    assert (member.display_name, member.welcomed_at, member.analytics_opt_out) == ("Alice", welcomed, True)
    assert ALICE.id not in stand_in.id


def test_the_pseudonym_is_stable_and_differs_by_community() -> None:
    other = CommunityRef(Platform.MEMORY, "c2", "Other")
    assert pseudonym(COMMUNITY, ALICE) == pseudonym(COMMUNITY, ALICE)
    assert pseudonym(COMMUNITY, ALICE) != pseudonym(other, ALICE)
    assert pseudonym(COMMUNITY, ALICE).startswith("erased-")


@pytest.mark.parametrize(
    ("spec", "default", "expected"),
    [
        ("intros", None, ChannelRef(Platform.MEMORY, name="introductions")),
        ("#intros", None, ChannelRef(Platform.MEMORY, name="introductions")),
        ("announcements", None, ChannelRef(Platform.MEMORY, name="announcements")),  # role not set
        ("#random", None, ChannelRef(Platform.MEMORY, name="random")),
        (None, "general", ChannelRef(Platform.MEMORY, name="chat")),
        (None, "moderators", None),
        ("", None, None),
    ],
)
async def test_a_configured_channel_resolves_roles_then_names(
    spec: str | None, default: str | None, expected: ChannelRef | None
) -> None:
    async with MemoryStore().unit_of_work() as uow:
        assert _ctx(uow).resolve(spec, default=default) == expected


async def test_for_step_sees_the_same_transaction_as_another_step_even_without_its_section() -> None:
    other = Step(name="other", config=NeedsValue)
    async with MemoryStore().unit_of_work() as uow:
        ctx = _ctx(uow, peers=(other,))
        seen = ctx.for_step(other)
        await seen.store(Round(pairs=[["p", "q"]]))
        assert seen.step == "other"
        assert isinstance(seen.config, NeedsValue)
        assert await uow.state.get(COMMUNITY, "other.round") == {"pairs": [["p", "q"]]}
        assert ctx.step == "demo"


def test_the_command_builder_splits_the_path_and_keeps_options_and_rights() -> None:
    async def handler(event: Any, ctx: Any) -> None: ...

    built = command("session create", "Create a session", handler, moderator=True)
    assert built.spec.path == ("session", "create")
    assert built.spec.moderator is True
    assert built.handler is handler


def test_a_platform_is_any_lower_case_name_the_registry_knows_not_a_closed_enum() -> None:
    assert Platform("matrix") == "matrix" and str(Platform("matrix")) == "matrix"
    assert Platform("discord") == Platform.DISCORD and hash(Platform.DISCORD) == hash("discord")
    assert UserRef(Platform("matrix"), "u1") != UserRef(Platform.SLACK, "u1")
    for bad in ("", "Matrix", "ma trix", "ma:trix"):
        with pytest.raises(ValueError, match="lower-case letters"):
            Platform(bad)
