"""A few-lines test bot (errbot's ``testbot`` idea): the real runtime, a memory platform.

Storage is the in-memory unit of work by default (fast, no migrations: the unit layer); pass
``url=sqlite_url(tmp_path)`` or a PostgreSQL URL for the same scenario on a real database.

bot = await Harness.start(tmp_path, PLAYBOOK_YAML)
await bot.join("alice")
assert bot.dms_to("alice")
await bot.advance("3d")
"""

from __future__ import annotations

import struct
import textwrap
import uuid
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.adapters.memory import MemoryAdapter
from cohortbot.bot.bootstrap import wire
from cohortbot.bot.clock import ManualClock
from cohortbot.bot.runtime import Runtime
from cohortbot.config.playbook import load_playbooks
from cohortbot.playbook.actions import Action, PostMessage, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.charts import Chart
from cohortbot.playbook.commands import parse_command_text
from cohortbot.playbook.durations import parse_duration
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessagePosted,
    ReactionAdded,
)
from cohortbot.playbook.messages import Attachment, Button
from cohortbot.playbook.ports import Capabilities, Member
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef
from cohortbot.playbook.step import Step
from cohortbot.playbook.steps import STEPS
from cohortbot.storage.database import Database
from cohortbot.storage.memory import MemoryStore
from tests.dump import stored_text

__all__ = ["START", "Harness", "sqlite_url"]

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, before Europe's DST change


def _tiny_png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(
        b"IEND", b""
    )


class RecordingCharts:
    """The ChartRenderer port for the unit layer: keeps each chart asked for, answers a tiny PNG.

    What a step decides to chart (titles, labels, series) is what its tests look at;
    drawing it is matplotlib's job, specified once in tests/unit/bot/test_charts.py.
    """

    PNG = _tiny_png()

    def __init__(self) -> None:
        self.charts: list[Chart] = []

    def render(self, chart: Chart) -> Attachment:
        self.charts.append(chart)
        return Attachment(filename=chart.filename, content_type="image/png", data=self.PNG)


# Validated playbooks are immutable, and reading YAML with line numbers is slow in pure Python:
# a playbook text is loaded once per test session (kept with the very step objects it was
# validated against).
_PLAYBOOKS: dict[tuple[str, tuple[int, ...]], tuple[Sequence[Step[Any]], PlaybookSet]] = {}


def _loaded(tmp_path: Path, text: str, steps: Sequence[Step[Any]]) -> PlaybookSet:
    key = (text, tuple(id(step) for step in steps))
    if key not in _PLAYBOOKS:
        file = tmp_path / f"playbook-{uuid.uuid4().hex[:6]}.yaml"
        file.write_text(text)
        _PLAYBOOKS[key] = (tuple(steps), load_playbooks([file], steps))
    return _PLAYBOOKS[key][1]


def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in the test's temp folder (``bot.db``)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


class Harness:
    def __init__(
        self, runtime: Runtime, database: Database | MemoryStore, adapter: MemoryAdapter, clock: ManualClock
    ) -> None:
        self.runtime = runtime
        self.database = database
        self.adapter = adapter
        self.clock = clock
        self.community = CommunityRef(Platform.MEMORY, "c1", "Test Community")
        self.roles: dict[str, set[str]] = {}
        self._owns_database = True
        self._seq = 0

    @classmethod
    async def start(
        cls,
        tmp_path: Path,
        playbook_yaml: str,
        *,
        url: str | None = None,
        database: Database | MemoryStore | None = None,
        capabilities: Capabilities | None = None,
        start: datetime = START,
        steps: Sequence[Step[Any]] = STEPS,
    ) -> Harness:
        playbooks = _loaded(tmp_path, textwrap.dedent(playbook_yaml), steps)
        clock = ManualClock(start)
        adapter = MemoryAdapter()
        if capabilities is not None:
            adapter.capabilities = capabilities
        owned = database is None
        if database is None:
            database = MemoryStore() if url is None else Database(url)
        await database.upgrade()
        runtime = wire(
            playbooks,
            adapters={Platform.MEMORY: adapter},
            unit_of_work=database.unit_of_work,
            clock=clock,
            steps=steps,
            charts=RecordingCharts(),
        )
        await adapter.start(runtime.submit, runtime.engine.commands())
        harness = cls(runtime, database, adapter, clock)
        harness._owns_database = owned
        return harness

    async def close(self) -> None:
        if self._owns_database:
            await self.database.dispose()

    # ------------------------------------------------------------------ refs and events

    def user(self, name: str) -> UserRef:
        return UserRef(Platform.MEMORY, name, name)

    def channel(self, name: str) -> ChannelRef:
        return ChannelRef(Platform.MEMORY, id=f"id-{name}", name=name)

    def _id(self) -> str:
        self._seq += 1
        return f"e{self._seq}"

    async def send(
        self, kind: type[Event], *, event_id: str | None = None, settle: bool = True, **fields: Any
    ) -> None:
        event = kind(
            community=self.community, occurred_at=self.clock.now(), event_id=event_id or self._id(), **fields
        )
        await self.runtime.submit(event)
        if settle:
            await self.runtime.settle()

    async def join(
        self,
        name: str,
        *,
        pending: bool = False,
        is_bot: bool = False,
        event_id: str | None = None,
        settle: bool = True,
        display_name: str | None = None,
    ) -> None:
        await self.send(
            MemberJoined,
            member=self.user(name),
            display_name=display_name or name,
            pending=pending,
            is_bot=is_bot,
            event_id=event_id,
            settle=settle,
        )

    async def finish_onboarding(self, name: str) -> None:
        await self.send(MemberUpdated, member=self.user(name), display_name=name, pending=False)

    async def leave(self, name: str) -> None:
        await self.send(MemberLeft, member=self.user(name))

    async def post(
        self, name: str, channel: str, text: str, *, thread: MessageRef | None = None, **kw: Any
    ) -> MessageRef:
        ref = MessageRef(self.channel(channel), self._id())
        await self.send(
            MessagePosted,
            author=self.user(name),
            channel=self.channel(channel),
            message=ref,
            text=text,
            thread=thread,
            **kw,
        )
        return ref

    async def react(self, name: str, message: MessageRef, emoji: str, *, author: str | None = None) -> None:
        await self.send(
            ReactionAdded,
            user=self.user(name),
            message=message,
            emoji=emoji,
            message_author=self.user(author) if author else None,
        )

    def actor(self, name: str) -> Actor:
        return Actor(user=self.user(name), roles=frozenset(self.roles.get(name, set())))

    async def command(self, name: str, text: str) -> RespondToInteraction | None:
        """Run ``/cohort TEXT`` as ``name``; returns the bot's answer to that interaction."""
        parsed = parse_command_text(text, self.adapter.commands)
        interaction = InteractionRef(Platform.MEMORY, self._id(), token="tok")
        await self.send(
            CommandInvoked,
            actor=self.actor(name),
            channel=self.channel("general"),
            interaction=interaction,
            path=parsed.spec.path,
            options=parsed.options,
        )
        return self.answer(interaction)

    async def click(self, name: str, button: Button | str, *, value: str = "") -> RespondToInteraction | None:
        action_id = button.action_id if isinstance(button, Button) else button
        value = button.value if isinstance(button, Button) else value
        interaction = InteractionRef(Platform.MEMORY, self._id(), token="tok")
        await self.send(
            ButtonPressed, actor=self.actor(name), interaction=interaction, action_id=action_id, value=value
        )
        return self.answer(interaction)

    async def advance(self, duration: str) -> None:
        await self.runtime.advance(parse_duration(duration))

    # ------------------------------------------------------------------ what the bot did

    @property
    def performed(self) -> list[Action]:
        return self.adapter.performed

    def dms_to(self, name: str) -> list[SendDirectMessage]:
        return [a for a in self.performed if isinstance(a, SendDirectMessage) and a.to.id == name]

    def posts_in(self, channel: str) -> list[PostMessage]:
        return [a for a in self.performed if isinstance(a, PostMessage) and a.channel.matches(channel)]

    def delivered(self, action: Action) -> MessageRef:
        """The reference the memory platform gave an action it performed (to reply in its thread)."""
        index = next(i for i, a in enumerate(self.performed) if a is action)
        channel = action.channel if isinstance(action, PostMessage) else ChannelRef(Platform.MEMORY, id="dm")
        return MessageRef(channel, str(index + 1))

    @staticmethod
    def button(actions: Sequence[Action], label: str) -> Button:
        """The button whose label holds ``label`` (any case) on the latest of ``actions`` that has one."""
        for action in reversed(actions):
            message = getattr(action, "message", None)
            for button in getattr(message, "buttons", ()):
                if label.lower() in button.label.lower():
                    return button  # type: ignore[no-any-return]
        raise AssertionError(f"no {label!r} button on {len(actions)} action(s)")

    def answer(self, interaction: InteractionRef) -> RespondToInteraction | None:
        found = [
            a
            for a in self.performed
            if isinstance(a, RespondToInteraction) and a.interaction.id == interaction.id
        ]
        return found[-1] if found else None

    def of(self, kind: type[Action]) -> Sequence[Action]:
        return self.adapter.of(kind)

    async def stored_text(self) -> str:
        """Everything the store holds, every table and every row, as one text to search in."""
        return await stored_text(self.database)

    async def member(self, name: str) -> Member | None:
        async with self.database.unit_of_work() as uow:
            return await uow.members.get(self.community, self.user(name))
