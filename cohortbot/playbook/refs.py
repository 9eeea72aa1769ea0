"""Platform-neutral references to communities, channels, users, messages and interactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ChannelRef",
    "CommunityRef",
    "InteractionRef",
    "MessageRef",
    "Platform",
    "UserRef",
]


class Platform(StrEnum):
    DISCORD = "discord"
    SLACK = "slack"
    CONSOLE = "console"
    MEMORY = "memory"


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A Discord server, a Slack workspace or a console community. Equal by (platform, id)."""

    platform: Platform
    id: str
    name: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A member. Equal by (platform, id); the display name is carried for rendering only."""

    platform: Platform
    id: str
    name: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel. Playbooks name channels; events carry both the id and the name.

    An action may address a channel by ``name`` only (``id`` empty): the adapter resolves it.
    """

    platform: Platform
    id: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        if not self.id and not self.name:
            raise ValueError("a ChannelRef needs an id or a name")

    def matches(self, spec: str) -> bool:
        """Whether a playbook's channel spec (a name, ``#name`` or an id) means this channel."""
        wanted = spec.removeprefix("#")
        return bool(wanted) and wanted in (self.id, self.name)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A posted message: its channel and its platform id (Slack: the ``ts``)."""

    channel: ChannelRef
    id: str


@dataclass(frozen=True, slots=True)
class InteractionRef:
    """Where to answer a slash command, button press or form submission.

    ``token`` is a short-lived platform credential (Discord interaction token, Slack
    response_url); it is never logged (``repr=False``).
    """

    platform: Platform
    id: str
    token: str = field(default="", repr=False)
    application_id: str = ""
    trigger_id: str = field(default="", repr=False)
