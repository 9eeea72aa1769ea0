"""Platform-neutral references to communities, channels, users, messages and interactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

__all__ = [
    "ChannelRef",
    "CommunityRef",
    "InteractionRef",
    "MessageRef",
    "Platform",
    "UserRef",
]


class Platform(str):
    """A platform's name: ``"discord"``, ``"slack"``, ``"console"``...

    An open set on purpose: the platforms there are are the ones registered in
    ``adapters/registry.py``, so adding one changes nothing here. The built-in names are
    spelled as constants for convenience (``Platform.DISCORD``).
    """

    __slots__ = ()

    DISCORD: ClassVar[Platform]
    SLACK: ClassVar[Platform]
    CONSOLE: ClassVar[Platform]
    MEMORY: ClassVar[Platform]  # the in-memory platform of tests and benchmarks

    def __new__(cls, name: str) -> Platform:
        if not name or not name.isascii() or not name.replace("-", "").isalnum() or name != name.lower():
            raise ValueError(f"a platform name is lower-case letters, digits and dashes, not {name!r}")
        return super().__new__(cls, name)

    @property
    def value(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Platform({str.__repr__(self)})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


Platform.DISCORD = Platform("discord")
Platform.SLACK = Platform("slack")
Platform.CONSOLE = Platform("console")
Platform.MEMORY = Platform("memory")


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
