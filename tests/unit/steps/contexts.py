"""A step's context outside an event's routing: to call a step's privacy hooks directly."""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.events import Event
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.step import Step, StepContext
from tests.harness import Harness

__all__ = ["step_context"]


def step_context(bot: Harness, step: Step[Any], uow: UnitOfWork) -> StepContext[Any]:
    """``step``'s context in ``bot``'s community (its playbook section, its name), on ``uow``."""
    engine = bot.runtime.engine
    loaded = engine.playbooks.for_community(bot.community)
    assert loaded is not None
    event = Event(community=bot.community, occurred_at=bot.clock.now(), event_id="hook-test")
    return StepContext(
        event=event,
        playbook=loaded.community,
        config=loaded.steps.get(step.name) or step.config(),
        uow=uow,
        clock=bot.clock,
        calendar=engine.calendar,
        capabilities=bot.adapter.capabilities,
        step=step.name,
        loaded=loaded,
    )
