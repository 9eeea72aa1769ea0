"""The engine's routing, as a specification: who gets which event, timer, message and feedback.

Pure: synthetic steps, the in-memory unit of work, no runtime.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from cohortbot.bot.scheduler import CronCalendar
from cohortbot.playbook.actions import PostMessage, RespondToInteraction
from cohortbot.playbook.engine import Engine, PlaybookSet
from cohortbot.playbook.events import ActionDelivered, Actor, CommandInvoked, Event, MemberJoined, TimerFired
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import ChannelRef, InteractionRef, Platform
from cohortbot.playbook.step import (
    Document,
    LoadedPlaybook,
    Step,
    StepContext,
    StepMessage,
    TimerPayload,
    command,
)
from cohortbot.storage.memory import MemoryStore
from tests.unit.kernel.support import ALICE, COMMUNITY, NOW, Config, clock


class Seen(Document):
    key = "seen"
    what: list[str] = []


class Ping(TimerPayload):
    who: str


class Pong(TimerPayload):
    count: int


@dataclass(frozen=True, kw_only=True)
class Asked(StepMessage):
    question: str


async def _note(ctx: StepContext[Any], what: str) -> None:
    doc = await ctx.load(Seen)
    doc.what.append(what)
    await ctx.store(doc)


def _engine(*steps: Step[Any]) -> Engine:
    loaded = LoadedPlaybook(
        community=CommunityPlaybook(name="t", communities=["memory"]),
        steps={s.name: Config() for s in steps},
    )
    return Engine(
        PlaybookSet([loaded]),
        steps,
        clock=clock(),
        calendar=CronCalendar(),
        capabilities={Platform.MEMORY: Capabilities()},
    )


def _event(event_type: type[Event], **fields: Any) -> Any:
    return event_type(community=COMMUNITY, occurred_at=NOW, event_id=f"e-{event_type.__name__}", **fields)


async def _seen(store: MemoryStore, step: str) -> list[str]:
    async with store.unit_of_work() as uow:
        raw = await uow.state.get(COMMUNITY, f"{step}.seen")
    return list(raw["what"]) if raw else []


async def _handle(engine: Engine, store: MemoryStore, event: Event) -> Any:
    async with store.unit_of_work() as uow:
        decision = await engine.handle(event, uow)
        await uow.commit()
    return decision


async def test_an_action_remembers_the_step_that_decided_it() -> None:
    async def post(event: MemberJoined, ctx: StepContext[Any]) -> None:
        ctx.post(ChannelRef(Platform.MEMORY, name="general"), "hi", key=ctx.key("hello", event.member.id))

    decision = await _handle(
        _engine(Step(name="greeter", config=Config, handlers={MemberJoined: post})),
        MemoryStore(),
        _event(MemberJoined, member=ALICE, display_name="alice"),
    )
    (action,) = decision.actions
    assert isinstance(action, PostMessage)
    assert action.origin == "greeter"
    assert action.key == "greeter:memory:c1:hello:alice"


async def test_delivery_feedback_reaches_only_the_step_that_emitted_the_action() -> None:
    async def a_delivered(event: ActionDelivered, ctx: StepContext[Any]) -> None:
        await _note(ctx, event.key)

    async def b_delivered(event: ActionDelivered, ctx: StepContext[Any]) -> None:
        await _note(ctx, event.key)

    store = MemoryStore()
    engine = _engine(
        Step(name="a", config=Config, handlers={ActionDelivered: a_delivered}),
        Step(name="b", config=Config, handlers={ActionDelivered: b_delivered}),
    )
    await _handle(engine, store, _event(ActionDelivered, key="k1", kind="PostMessage", step="b"))
    assert await _seen(store, "a") == []
    assert await _seen(store, "b") == ["k1"]


async def test_a_timer_comes_back_to_its_step_as_its_typed_payload() -> None:
    got: list[Any] = []

    async def on_ping(payload: Ping, ctx: StepContext[Any]) -> None:
        got.append(payload)

    async def on_pong(payload: Pong, ctx: StepContext[Any]) -> None:
        got.append(payload)

    async def arm(event: MemberJoined, ctx: StepContext[Any]) -> None:
        await ctx.set_timer(Ping(who=event.member.id), NOW + timedelta(hours=1), subject=event.member)

    store = MemoryStore()
    engine = _engine(
        Step(name="t", config=Config, handlers={MemberJoined: arm}, timers={Ping: on_ping, Pong: on_pong})
    )
    await _handle(engine, store, _event(MemberJoined, member=ALICE, display_name="alice"))
    async with store.unit_of_work() as uow:
        (timer,) = await uow.timers.due(NOW + timedelta(hours=2))
    assert timer.kind == "t.Ping"
    fired = _event(
        TimerFired,
        key=timer.key,
        kind=timer.kind,
        due_at=timer.due_at,
        subject=timer.subject,
        data=timer.data,
    )
    await _handle(engine, store, fired)
    assert got == [Ping(who="alice")]


async def test_setting_the_same_timer_again_moves_it() -> None:
    async def arm(event: MemberJoined, ctx: StepContext[Any]) -> None:
        await ctx.set_timer(Ping(who="x"), NOW + timedelta(hours=1), name="n")
        await ctx.set_timer(Ping(who="y"), NOW + timedelta(hours=3), name="n")

    store = MemoryStore()
    await _handle(
        _engine(Step(name="t", config=Config, handlers={MemberJoined: arm}, timers={Ping: arm})),
        store,
        _event(MemberJoined, member=ALICE, display_name="alice"),
    )
    async with store.unit_of_work() as uow:
        timers = await uow.timers.due(NOW + timedelta(days=1))
    assert [(t.due_at, t.data) for t in timers] == [(NOW + timedelta(hours=3), {"who": "y"})]


@pytest.mark.parametrize(
    ("kind", "data", "logged"),
    [
        ("t.Ping", {"who": 3, "extra": 1}, "data unfit for Ping"),
        ("t.Gone", {}, "unknown kind"),
        ("nobody.Ping", {"who": "x"}, "unknown kind"),
    ],
)
async def test_a_timer_that_fits_no_payload_is_logged_and_skipped(
    kind: str, data: dict[str, Any], logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[Any] = []

    async def on_ping(payload: Ping, ctx: StepContext[Any]) -> None:
        got.append(payload)

    engine = _engine(Step(name="t", config=Config, timers={Ping: on_ping}))
    with caplog.at_level(logging.WARNING, "cohortbot.engine"):
        decision = await _handle(
            engine, MemoryStore(), _event(TimerFired, key="k", kind=kind, due_at=NOW, data=data)
        )
    assert got == []
    assert decision.failures == []
    assert logged in caplog.text


async def test_a_published_message_is_handled_by_its_subscribers_in_the_same_transaction() -> None:
    async def ask(event: MemberJoined, ctx: StepContext[Any]) -> None:
        await _note(ctx, "asked")
        ctx.publish(Asked(question=f"how is {event.display_name}?"))

    async def answer(message: Asked, ctx: StepContext[Any]) -> None:
        await _note(ctx, message.question)
        ctx.post(ChannelRef(Platform.MEMORY, name="general"), message.question, key=ctx.key("q"))

    store = MemoryStore()
    engine = _engine(
        Step(name="asker", config=Config, handlers={MemberJoined: ask}),
        Step(name="answerer", config=Config, handlers={Asked: answer}),
        Step(name="bystander", config=Config),
    )
    decision = await _handle(engine, store, _event(MemberJoined, member=ALICE, display_name="alice"))
    assert await _seen(store, "asker") == ["asked"]
    assert await _seen(store, "answerer") == ["how is alice?"]
    assert [a.origin for a in decision.actions] == ["answerer"]


async def test_a_failing_subscriber_is_isolated_and_the_publisher_keeps_its_changes() -> None:
    async def ask(event: MemberJoined, ctx: StepContext[Any]) -> None:
        await _note(ctx, "asked")
        ctx.publish(Asked(question="?"))

    async def broken(message: Asked, ctx: StepContext[Any]) -> None:
        await _note(ctx, "half done")
        raise RuntimeError("boom")

    store = MemoryStore()
    engine = _engine(
        Step(name="asker", config=Config, handlers={MemberJoined: ask}),
        Step(name="broken", config=Config, handlers={Asked: broken}),
    )
    decision = await _handle(engine, store, _event(MemberJoined, member=ALICE, display_name="alice"))
    assert decision.failures == [("broken", "RuntimeError: boom")]
    assert await _seen(store, "asker") == ["asked"]
    assert await _seen(store, "broken") == []


async def test_a_failing_publisher_publishes_nothing() -> None:
    got: list[Asked] = []

    async def ask(event: MemberJoined, ctx: StepContext[Any]) -> None:
        ctx.publish(Asked(question="?"))
        raise RuntimeError("changed my mind")

    async def answer(message: Asked, ctx: StepContext[Any]) -> None:
        got.append(message)

    engine = _engine(
        Step(name="asker", config=Config, handlers={MemberJoined: ask}),
        Step(name="answerer", config=Config, handlers={Asked: answer}),
    )
    await _handle(engine, MemoryStore(), _event(MemberJoined, member=ALICE, display_name="alice"))
    assert got == []


async def test_messages_that_publish_forever_stop_at_the_depth_limit() -> None:
    calls: list[int] = []

    async def start(event: MemberJoined, ctx: StepContext[Any]) -> None:
        ctx.publish(Asked(question="again"))

    async def echo(message: Asked, ctx: StepContext[Any]) -> None:
        calls.append(1)
        ctx.publish(message)

    engine = _engine(
        Step(name="starter", config=Config, handlers={MemberJoined: start}),
        Step(name="echo", config=Config, handlers={Asked: echo}),
    )
    decision = await _handle(engine, MemoryStore(), _event(MemberJoined, member=ALICE, display_name="alice"))
    assert len(calls) == 4
    assert decision.failures == [("echo", "message depth exceeded: Asked")]


async def test_a_command_that_fails_still_answers_the_member_and_changes_nothing() -> None:
    async def broken(event: CommandInvoked, ctx: StepContext[Any]) -> None:
        await _note(ctx, "half done")
        raise OverflowError("date value out of range")

    store = MemoryStore()
    engine = _engine(
        Step(name="sessions", config=Config, commands=(command("session create", "Create", broken),))
    )
    interaction = InteractionRef(Platform.MEMORY, "i1", token="t")
    decision = await _handle(
        engine,
        store,
        _event(
            CommandInvoked,
            actor=Actor(user=ALICE),
            channel=ChannelRef(Platform.MEMORY, name="general"),
            interaction=interaction,
            path=("session", "create"),
        ),
    )
    assert decision.failures == [("sessions", "OverflowError: date value out of range")]
    [answer] = decision.actions
    assert isinstance(answer, RespondToInteraction) and answer.interaction == interaction
    assert "`/cohort session create` didn't work and changed nothing" in answer.message.text
    assert "OverflowError" not in answer.message.text
    assert await _seen(store, "sessions") == []
