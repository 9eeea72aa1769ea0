"""What the terminal community remembers: who is here, where you are, what was said and shown.

Shared by the inbound side (commands -> events) and the outbound side (actions -> output).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cohortbot.playbook.actions import OpenForm
from cohortbot.playbook.events import Actor
from cohortbot.playbook.messages import Button, Select
from cohortbot.playbook.refs import ChannelRef, InteractionRef, MessageRef, Platform, UserRef

__all__ = ["Person", "Session", "Shown"]

SNIPPET = 40          # how much of a message a reaction or a pin quotes
REMEMBERED = 2_000    # message descriptions kept for reactions and pins (the oldest go first)


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
    # Who is in the community (joined and not left): only they (and staff) can post or click.
    members: set[str] = field(default_factory=set)
    # Who acts without joining: the playbook's moderator users, anyone given a role by /role.
    staff: set[str] = field(default_factory=set)
    channel: str = "general"  # where members' posts go
    # channel -> its latest message (top-level or reply) and author ("" for the bot), for /react
    last_message: dict[str, tuple[MessageRef, str]] = field(default_factory=dict)
    # channel -> its latest top-level message and author ("" for the bot), for /reply
    last_top: dict[str, tuple[MessageRef, str]] = field(default_factory=dict)
    shown: list[Shown] = field(default_factory=list)
    forms: dict[str, OpenForm] = field(default_factory=dict)  # member -> the form open for them
    # interaction id -> the member who acted and the channel the answer belongs in
    interactions: dict[str, tuple[str, str]] = field(default_factory=dict)
    # message id -> how the console names it ("alice's message “Hi…”"): never its number
    described: dict[str, str] = field(default_factory=dict)
    continued: set[str] = field(default_factory=set)  # cards whose Continue button was pressed
    advancing: bool = False          # inside /advance: output says the simulated time it fires at
    stamped: str | None = None       # the time last said during this /advance
    run: int = 1                     # which run of the community this is (ids of later runs say so)
    _seq: int = 0

    def person(self, name: str) -> Person:
        return self.people.setdefault(name, Person(name))

    def resume(self, members: Iterable[str], *, run: int = 1) -> None:
        """Members the database already holds (a resumed community) are here again; ``run``:
        this is the community's run number ``run``, whose ids must not repeat an earlier run's."""
        self.run = run
        for name in members:
            self.person(name)
            self.members.add(name)

    def may_act(self, name: str) -> bool:
        return name in self.members or name in self.staff

    def next_id(self) -> str:
        """Message and interaction ids: 1, 2, 3... in the order things happen (never printed);
        ``2-1, 2-2``... in a resumed community's second run. An id an earlier run used would make
        its answer's key a duplicate of that run's (the outbox keeps one) and lose the answer."""
        self._seq += 1
        return str(self._seq) if self.run == 1 else f"{self.run}-{self._seq}"

    def interaction(self, name: str, channel: str | None = None) -> InteractionRef:
        """A new interaction by ``name``: the bot's answer to it is addressed to them, and a
        public answer goes to ``channel`` (the card's, for a button; else where they are)."""
        interaction = InteractionRef(Platform.CONSOLE, self.next_id())
        self.interactions[interaction.id] = (name, channel or self.channel)
        return interaction

    def who(self, interaction: InteractionRef) -> str:
        return self.interactions.get(interaction.id, ("you", ""))[0]

    def where(self, interaction: InteractionRef) -> str:
        """The channel a public answer to ``interaction`` appears in."""
        return self.interactions.get(interaction.id, ("", self.channel))[1]

    def describe(self, message: MessageRef, author: str, text: str) -> None:
        """Remember how to name ``message`` when the bot reacts to or pins it."""
        quoted = " ".join(text.split())
        if len(quoted) > SNIPPET:
            quoted = quoted[: SNIPPET - 1].rstrip() + "…"
        whose = f"{author}'s message" if author else "the bot's message"
        self.described[message.id] = f"{whose} “{quoted}”" if quoted else whose
        while len(self.described) > REMEMBERED:
            del self.described[next(iter(self.described))]

    def description(self, message: MessageRef) -> str:
        return self.described.get(message.id, "a message")

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
