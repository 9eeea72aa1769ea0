"""The contract every platform adapter fulfils, and the outcomes of performing an action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cohortbot.playbook.actions import Action
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.events import Event
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import MessageRef, Platform

__all__ = [
    "Delivered",
    "DeliveryError",
    "DirectMessageRefused",
    "EventSink",
    "PermanentDeliveryError",
    "PlatformAdapter",
    "RetryableDeliveryError",
]

# The runtime's entry point for inbound events. It records and decides before returning.
EventSink = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivered:
    """What performing an action produced on the platform."""

    message: MessageRef | None = None  # the message posted (for threads, tracking replies)
    platform_id: str = ""  # e.g. a scheduled event's id


class DeliveryError(Exception):
    """Base of delivery failures. Messages must never contain tokens."""


class RetryableDeliveryError(DeliveryError):
    """A 5xx, a 429, a network error: try again later (``retry_after`` seconds if known)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Missing permissions, unknown channel...: retrying won't help; park it, show moderators."""


class DirectMessageRefused(PermanentDeliveryError):
    """The member does not accept DMs from the bot (Discord 50007, Slack cannot_dm_bot...)."""


class PlatformAdapter(Protocol):
    platform: Platform
    capabilities: Capabilities

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        """Connect, register the /cohort command tree, then feed events to ``sink``.

        Returns once connected and ready; inbound work continues in background tasks.
        """
        ...

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        """Carry out one action; raise a DeliveryError subclass when it fails.

        ``resumed``: an earlier attempt may have reached the platform before its process died
        (the outbox lease ran out with no outcome). Send idempotently or look first, so the
        action appears once (Discord: the nonce always; Slack: ``chat.postMessage`` has no
        idempotency key, so the adapter looks for the message it may have posted).
        """
        ...

    def served_communities(self) -> frozenset[str] | None:
        """The communities this process can act in now (None: every one it is asked about).

        The deliverer claims only their outbox rows: a Discord shard leaves the servers of
        other shards to the processes holding them.
        """
        ...

    async def close(self) -> None: ...
