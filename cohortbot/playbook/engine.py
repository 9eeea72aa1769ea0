"""The engine: one event in, each interested step decides, actions out.

A step that raises is isolated: its state changes are rolled back (a savepoint) and its
actions dropped, the failure is logged, and the other steps still run. With
``isolate=False`` (the runtime deciding a batch of events in one transaction) no savepoint is
taken and a failing step's exception propagates: the runtime rolls the batch back and decides
each of its events again alone, isolated. A failure of the storage under a step
(:class:`~cohortbot.playbook.ports.StorageFailed`: a deadlock, a lost connection) is never
isolated: the event would be committed as decided without that step's work. Messages a step
publishes (:class:`~cohortbot.playbook.step.StepMessage`) are handled right after it, in the
same transaction, each subscriber isolated the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from cohortbot.playbook.actions import Action
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.events import (
    ActionDelivered,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    ScheduleFired,
    TimerFired,
)
from cohortbot.playbook.ports import (
    Calendar,
    Capabilities,
    ChartRenderer,
    Clock,
    Links,
    SentimentAnalyzer,
    StorageFailed,
    UnitOfWork,
)
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.step import Command, Handler, LoadedPlaybook, Step, StepContext, StepMessage

__all__ = ["Decision", "Engine", "PlaybookSet"]

log = logging.getLogger("cohortbot.engine")

MAX_MESSAGE_DEPTH = 4  # a message handled may publish more, this many levels deep at most


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    actions: list[Action] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (step, error)
    playbook: str | None = None


@dataclass(kw_only=True, slots=True)
class _Run:
    """One event's decision in the making."""

    event: Event
    loaded: LoadedPlaybook
    uow: UnitOfWork
    isolate: bool = True
    actions: list[Action] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


class PlaybookSet:
    """All loaded playbooks; picks the one a community runs."""

    def __init__(self, playbooks: Sequence[LoadedPlaybook]) -> None:
        defaults = [p for p in playbooks if p.community.default]
        if len(defaults) > 1:
            names = ", ".join(p.source for p in defaults)
            raise ValueError(f"only one playbook may be the default, but these all are: {names}")
        self.playbooks = list(playbooks)
        self.default = defaults[0] if defaults else None
        # Which playbook each community entry names, the first listing it winning (as a scan in
        # order would), so that a community's playbook is found at once among thousands.
        self._by_id: dict[tuple[str, str], int] = {}  # "discord:123"
        self._by_platform: dict[str, int] = {}  # "console": every community of the platform
        for n, loaded in enumerate(self.playbooks):
            for spec in loaded.community.communities:
                platform, _, ident = spec.partition(":")
                if ident:
                    self._by_id.setdefault((platform, ident), n)
                else:
                    self._by_platform.setdefault(platform, n)

    def for_community(self, community: CommunityRef) -> LoadedPlaybook | None:
        """The first playbook that applies to ``community`` (``applies_to``), else the default."""
        exact = self._by_id.get((community.platform, community.id))
        found = [n for n in (exact, self._by_platform.get(community.platform)) if n is not None]
        return self.playbooks[min(found)] if found else self.default


class Engine:
    def __init__(
        self,
        playbooks: PlaybookSet,
        steps: Sequence[Step[Any]],
        *,
        clock: Clock,
        calendar: Calendar,
        capabilities: Mapping[Platform, Capabilities],
        sentiment: SentimentAnalyzer | None = None,
        charts: ChartRenderer | None = None,
        links: Links | None = None,
    ) -> None:
        self.playbooks = playbooks
        self.steps = list(steps)
        self.clock = clock
        self.calendar = calendar
        self.sentiment = sentiment
        self.charts = charts
        self.links = links
        self.capabilities = dict(capabilities)
        self._commands: dict[tuple[str, ...], tuple[Step[Any], Command]] = {}
        self._catalogs: dict[int, list[CommandSpec]] = {}
        for step in self.steps:
            for command in step.commands:
                if command.spec.path in self._commands:
                    raise ValueError(f"two steps offer /cohort {command.spec.name}")
                self._commands[command.spec.path] = (step, command)

    def commands(self) -> list[CommandSpec]:
        """The whole /cohort tree (adapters register it; Slack and console parse with it)."""
        return [command.spec for _step, command in self._commands.values()]

    async def handle(self, event: Event, uow: UnitOfWork, *, isolate: bool = True) -> Decision:
        loaded = self.playbooks.for_community(event.community)
        if loaded is None:
            log.info("no playbook applies to %s; event %s ignored", event.community, type(event).__name__)
            return Decision()
        run = _Run(event=event, loaded=loaded, uow=uow, isolate=isolate)
        for step, handler, argument in self._route(event, loaded):
            await self._decide(run, step, handler, argument, depth=0)
        return Decision(actions=run.actions, failures=run.failures, playbook=loaded.name)

    async def _decide(
        self, run: _Run, step: Step[Any], handler: Handler, argument: Any, *, depth: int
    ) -> None:
        ctx = self._context(step, run.event, run.loaded, run.uow)
        try:
            if run.isolate:
                async with run.uow.savepoint():
                    await handler(argument, ctx)
            else:
                await handler(argument, ctx)
        except StorageFailed:
            raise   # the database failed, not the step: the whole event is decided again
        except Exception as exc:
            if not run.isolate:
                raise   # the caller rolls back and decides this event again, isolated
            what = type(argument).__name__
            log.exception("step %s failed on %s %s", step.name, what, run.event.event_id)
            run.failures.append((step.name, f"{type(exc).__name__}: {exc}"))
            if isinstance(argument, CommandInvoked):  # never leave a member without an answer
                apology = self._context(step, run.event, run.loaded, run.uow)
                apology.respond(
                    argument.interaction,
                    f"Sorry, `/cohort {' '.join(argument.path)}` didn't work and changed nothing. "
                    "Check the values you gave (`/cohort help`); if it keeps failing, the "
                    "moderators can find the details in the bot's log.",
                )
                run.actions.extend(apology.actions)
            return
        run.actions.extend(ctx.actions)
        for message in ctx.published:
            if depth >= MAX_MESSAGE_DEPTH:
                log.error("step %s: %s published too deep; dropped", step.name, type(message).__name__)
                run.failures.append((step.name, f"message depth exceeded: {type(message).__name__}"))
                continue
            for subscriber, subscribed in self._subscribers(message, run.loaded):
                await self._decide(run, subscriber, subscribed, message, depth=depth + 1)

    def _subscribers(
        self, message: StepMessage, loaded: LoadedPlaybook
    ) -> Iterator[tuple[Step[Any], Handler]]:
        for step in self.steps:
            handler = step.handlers.get(type(message))
            if handler is not None and self._active(step, loaded):
                yield step, handler

    def _context(
        self, step: Step[Any], event: Event, loaded: LoadedPlaybook, uow: UnitOfWork
    ) -> StepContext[Any]:
        config = loaded.steps.get(step.name) or step.config()
        return StepContext(
            event=event,
            playbook=loaded.community,
            config=config,
            uow=uow,
            clock=self.clock,
            calendar=self.calendar,
            sentiment=self.sentiment,
            charts=self.charts,
            links=self.links,
            capabilities=self.capabilities.get(event.community.platform, Capabilities()),
            step=step.name,
            loaded=loaded,
            catalog=self._catalog(loaded),
            peers=self.steps,
        )

    def _active(self, step: Step[Any], loaded: LoadedPlaybook) -> bool:
        return step.always_on or loaded.enabled(step.name)

    def _catalog(self, loaded: LoadedPlaybook) -> list[CommandSpec]:
        """The commands this playbook's enabled steps offer, computed once per playbook."""
        key = id(loaded)  # playbooks live as long as the engine; LoadedPlaybook is unhashable
        if key not in self._catalogs:
            self._catalogs[key] = [
                command.spec for step, command in self._commands.values() if self._active(step, loaded)
            ]
        return self._catalogs[key]

    def _route(self, event: Event, loaded: LoadedPlaybook) -> Iterator[tuple[Step[Any], Handler, Any]]:
        if isinstance(event, CommandInvoked):
            for step, command_handler in self._route_command(event, loaded):
                yield step, command_handler, event
            return
        if isinstance(event, TimerFired):
            yield from self._route_timer(event, loaded)
            return
        wanted: str | None = None
        if isinstance(event, ButtonPressed):
            wanted = event.action_id.split(":", 1)[0]
        elif isinstance(event, FormSubmitted):
            wanted = event.form_id.split(":", 1)[0]
        elif isinstance(event, ScheduleFired):
            wanted = event.schedule.split(".", 1)[0]
        elif isinstance(event, ActionDelivered):
            wanted = event.step
        for step in self.steps:
            if wanted is not None and step.name != wanted:
                continue
            handler = step.handlers.get(type(event))
            if handler is not None and self._active(step, loaded):
                yield step, handler, event

    def _route_timer(
        self, event: TimerFired, loaded: LoadedPlaybook
    ) -> Iterator[tuple[Step[Any], Handler, Any]]:
        """A timer goes back to its step, to the handler for its payload class, payload validated."""
        name = event.kind.split(".", 1)[0]
        step = next((s for s in self.steps if s.name == name), None)
        payload_type = step.timer_type(event.kind) if step is not None else None
        if step is None or payload_type is None:
            log.warning("timer %s of unknown kind %r skipped", event.key, event.kind)
            return
        if not self._active(step, loaded):
            return
        try:
            payload = payload_type.model_validate(event.data)
        except ValidationError as exc:
            log.warning("timer %s skipped: data unfit for %s: %s", event.key, payload_type.__name__, exc)
            return
        yield step, step.timers[payload_type], payload

    def _route_command(
        self, event: CommandInvoked, loaded: LoadedPlaybook
    ) -> Iterator[tuple[Step[Any], Handler]]:
        found = self._commands.get(event.path)
        if found is None or not self._active(found[0], loaded):
            yield self._core_step(), _unknown_command
            return
        step, command = found
        if command.spec.moderator:
            yield step, _moderators_only(command.handler)
        else:
            yield step, command.handler

    def _core_step(self) -> Step[Any]:
        return next(s for s in self.steps if s.always_on)


async def _unknown_command(event: CommandInvoked, ctx: StepContext[Any]) -> None:
    name = " ".join(event.path)
    ctx.respond(event.interaction, f"`/cohort {name}` is not available here. Try `/cohort help`.")


def _moderators_only(handler: Handler) -> Handler:
    async def guarded(event: CommandInvoked, ctx: StepContext[Any]) -> None:
        if not ctx.is_moderator(event.actor):
            log.info("refused /cohort %s for non-moderator %s", " ".join(event.path), event.actor.user)
            ctx.respond(
                event.interaction,
                f"Sorry, only moderators can use `/cohort {' '.join(event.path)}`.",
            )
            return
        await handler(event, ctx)

    return guarded
