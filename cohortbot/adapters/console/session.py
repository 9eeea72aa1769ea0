"""What the terminal community remembers: who is here, where you are, what was said and shown.

Shared by the inbound side (commands -> events) and the outbound side (actions -> output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cohortbot.playbook.actions import OpenForm
from cohortbot.playbook.events import Actor
from cohortbot.playbook.messages import Button, Select
from cohortbot.playbook.refs import ChannelRef, InteractionRef, MessageRef, Platform, UserRef

__all__ = ["Person", "Session", "Shown"]


@dataclass
class Person:
    name: str
    roles: set[str] = field(default_factory=set)
    accepts_dms: bool = True


@dataclass(frozen=True)
class Shown:
    """A bot message with buttons, and who can see it (None: everyone in the channel)."""

    audience: str | None
    message: MessageRef | None
    buttons: tuple[Button, ...]
    selects: tuple[Select, ...] = ()


@dataclass
class Session:
    people: dict[str, Person] = field(default_factory=dict)
    channel: str = "general"  # where members' posts go
    # channel -> its latest message (top-level or reply) and author ("" for the bot), for /react
    last_message: dict[str, tuple[MessageRef, str]] = field(default_factory=dict)
    # channel -> its latest top-level message and author ("" for the bot), for /reply
    last_top: dict[str, tuple[MessageRef, str]] = field(default_factory=dict)
    shown: list[Shown] = field(default_factory=list)
    forms: dict[str, OpenForm] = field(default_factory=dict)  # member -> the form open for them
    interactions: dict[str, str] = field(default_factory=dict)  # interaction id -> member
    _seq: int = 0

    def person(self, name: str) -> Person:
        return self.people.setdefault(name, Person(name))

    def next_id(self) -> str:
        """Message and interaction ids: 1, 2, 3... in the order things happen."""
        self._seq += 1
        return str(self._seq)

    def interaction(self, name: str) -> InteractionRef:
        """A new interaction by ``name``: the bot's answer to it is addressed to them."""
        interaction = InteractionRef(Platform.CONSOLE, self.next_id())
        self.interactions[interaction.id] = name
        return interaction

    def who(self, interaction: InteractionRef) -> str:
        return self.interactions.get(interaction.id, "you")

    @staticmethod
    def user(name: str) -> UserRef:
        return UserRef(Platform.CONSOLE, name, name)

    def actor(self, name: str) -> Actor:
        return Actor(user=self.user(name), roles=frozenset(self.person(name).roles))

    @staticmethod
    def channel_ref(name: str) -> ChannelRef:
        return ChannelRef(Platform.CONSOLE, id=name, name=name)

    @classmethod
    def mentions(cls, text: str) -> tuple[UserRef, ...]:
        """``@name`` and ``<@name>`` in console text mention that member."""
        names = re.findall(r"(?:<@|(?<![\w<])@)([A-Za-z0-9_.-]+)>?", text)
        return tuple(cls.user(n) for n in dict.fromkeys(names))
