"""An in-memory platform for engine and runtime tests: records what it was asked to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cohortbot.adapters.base import Delivered, DirectMessageRefused, EventSink
from cohortbot.playbook.actions import Action, CreateLiveSession, PostMessage, SendDirectMessage
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.events import Event
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import ChannelRef, MessageRef, Platform

__all__ = ["MemoryAdapter"]


@dataclass
class MemoryAdapter:
    """Performs nothing real. ``refuse_dms`` and ``fail_next`` script platform behaviour."""

    platform: Platform = Platform.MEMORY
    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(roles=True, threads=True, modals=True)
    )
    performed: list[Action] = field(default_factory=list)
    attempts: list[Action] = field(default_factory=list)
    refuse_dms: set[str] = field(default_factory=set)
    fail_next: list[Exception] = field(default_factory=list)
    commands: list[CommandSpec] = field(default_factory=list)
    sink: EventSink | None = None
    closed: bool = False
    serves: frozenset[str] | None = None   # like a Discord shard: only these communities
    resumed: list[str] = field(default_factory=list)   # keys performed as possible repeats

    def served_communities(self) -> frozenset[str] | None:
        return self.serves

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        self.sink = sink
        self.commands = list(commands)

    async def emit(self, event: Event) -> None:
        assert self.sink is not None, "start() first"
        await self.sink(event)

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        self.attempts.append(action)
        if resumed:
            self.resumed.append(action.key)
        if self.fail_next:
            raise self.fail_next.pop(0)
        if isinstance(action, SendDirectMessage) and action.to.id in self.refuse_dms:
            raise DirectMessageRefused(f"{action.to.id} does not accept DMs")
        self.performed.append(action)
        if isinstance(action, CreateLiveSession):
            return Delivered(platform_id=f"event-{len(self.performed)}")
        channel = action.channel if isinstance(action, PostMessage) else ChannelRef(self.platform, id="dm")
        return Delivered(message=MessageRef(channel, str(len(self.performed))))

    async def close(self) -> None:
        self.closed = True

    def of(self, kind: type[Action]) -> list[Action]:
        return [a for a in self.performed if isinstance(a, kind)]
