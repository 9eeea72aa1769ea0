"""The console adapter: stdin lines -> events (via ``grammar``), actions -> printed lines (via ``render``).

It keeps what a terminal community needs to remember (who is here, the last messages, the
buttons and forms each member was shown) and never decides anything itself.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from cohortbot.adapters.base import Delivered, DirectMessageRefused, EventSink, PermanentDeliveryError
from cohortbot.adapters.platform import RuntimeControl
from cohortbot.playbook.actions import (
    Action,
    AddReaction,
    GrantRole,
    OpenForm,
    PinMessage,
    PostMessage,
    RespondToInteraction,
    RevokeRole,
    SendDirectMessage,
    SendGroupMessage,
    StartThread,
)
from cohortbot.playbook.commands import CommandSpec, CommandSyntaxError, parse_command_text
from cohortbot.playbook.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from cohortbot.playbook.messages import Button, RichMessage
from cohortbot.playbook.messages import Select as Menu
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef

from . import grammar, render
from .grammar import HELP

__all__ = ["ConsoleAdapter", "ConsoleControl"]

ConsoleControl = RuntimeControl  # what the console needs from the runtime


@dataclass
class _Person:
    name: str
    roles: set[str] = field(default_factory=set)
    accepts_dms: bool = True


@dataclass(frozen=True)
class _Shown:
    """A bot message with buttons, and who can see it (None: everyone in the channel)."""

    audience: str | None
    message: MessageRef | None
    buttons: tuple[Button, ...]
    selects: tuple[Menu, ...] = ()


class ConsoleAdapter:
    platform = Platform.CONSOLE
    capabilities = Capabilities(
        dms=True,
        group_dms=True,
        roles=True,
        native_events=False,
        native_polls=False,
        modals=True,
        max_form_inputs=5,
        threads=True,
        reactions=True,
        local_time=False,
    )

    def __init__(
        self,
        control: RuntimeControl,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        community: CommunityRef | None = None,
        timezone: str = "UTC",
        interactive: bool | None = None,
    ) -> None:
        self.control = control
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self.community = community or CommunityRef(Platform.CONSOLE, "local", "console community")
        self.zone = ZoneInfo(timezone)
        self.interactive = self._in.isatty() if interactive is None else interactive
        self.people: dict[str, _Person] = {}
        self.channel = "general"
        self._sink: EventSink | None = None
        self._commands: list[CommandSpec] = []
        self._task: asyncio.Task[None] | None = None
        self._last_message: dict[str, tuple[MessageRef, str]] = {}  # channel -> (message, author)
        # channel -> its latest top-level message and author ("" for the bot), for /reply
        self._last_top: dict[str, tuple[MessageRef, str]] = {}
        self._shown: list[_Shown] = []
        self._forms: dict[str, tuple[OpenForm, str]] = {}  # user -> (form action, user)
        self._interactions: dict[str, str] = {}  # interaction id -> user
        self._seq = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        self._sink = sink
        self._commands = list(commands)
        if self.interactive:
            self._say(
                f"cohortbot console: {self.community.name}. Type /help for the commands, /quit to stop."
            )
        self._task = asyncio.create_task(self._read_loop(), name="console-input")

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _read_loop(self) -> None:
        try:
            while True:
                if self.interactive:
                    self._out.write(f"#{self.channel}> ")
                    self._out.flush()
                line = await asyncio.to_thread(self._in.readline)
                if not line:
                    break
                line = line.strip()
                if not line or line.startswith(grammar.COMMENT):
                    continue
                if line in grammar.QUIT:
                    break
                try:
                    await self.handle_line(line)
                except Exception as exc:  # a bad line never kills the session
                    self._say(f"* error: {type(exc).__name__}: {exc}")
                await self.control.settle()
        finally:
            await self.control.settle()
            self.control.request_stop()

    # ------------------------------------------------------------------ input

    async def handle_line(self, line: str) -> None:
        await self._handle(grammar.parse(line))

    @functools.singledispatchmethod
    async def _handle(self, command: Any) -> None:
        raise TypeError(f"no handler for {type(command).__name__}")

    @_handle.register
    async def _(self, command: grammar.SwitchChannel) -> None:
        self.channel = command.name or self.channel
        self._say(f"* now in #{self.channel}")

    @_handle.register
    async def _(self, command: grammar.NotUnderstood) -> None:
        self._say("* not understood: write NAME: TEXT, or a /command (see /help)")

    @_handle.register
    async def _(self, command: grammar.Unknown) -> None:
        self._say(f"* unknown or incomplete command: {command.line} (see /help)")

    @_handle.register
    async def _(self, command: grammar.Help) -> None:
        self._say(HELP.rstrip())

    @_handle.register
    async def _(self, command: grammar.ShowTime) -> None:
        self._say(f"* time is {render.local_time(self.control.clock.now(), self.zone)}")

    @_handle.register
    async def _(self, command: grammar.Join) -> None:
        person = self._person(command.name)
        self._say(f"* {person.name} joined the community")
        await self._emit(MemberJoined, member=self._user(command.name), display_name=command.name)

    @_handle.register
    async def _(self, command: grammar.Leave) -> None:
        self._say(f"* {command.name} left the community")
        await self._emit(MemberLeft, member=self._user(command.name))

    @_handle.register
    async def _(self, command: grammar.Role) -> None:
        self._person(command.name).roles.add(command.role)
        self._say(f"* {command.name} now has the role {command.role}")

    @_handle.register
    async def _(self, command: grammar.SetDms) -> None:
        self._person(command.name).accepts_dms = command.accepts
        self._say(f"* {command.name} {'accepts' if command.accepts else 'refuses'} direct messages")

    @_handle.register
    async def _(self, command: grammar.Advance) -> None:
        self._say(f"* advancing the clock by {command.text}")
        await self.control.advance(command.delta)
        self._say(f"* time is {render.local_time(self.control.clock.now(), self.zone)}")

    @_handle.register
    async def _(self, command: grammar.Post) -> None:
        self._person(command.name)
        channel = self._channel_ref(self.channel)
        message = MessageRef(channel, self._next_id())
        self._last_message[self.channel] = (message, command.name)
        self._last_top[self.channel] = (message, command.name)
        await self._emit(
            MessagePosted,
            author=self._user(command.name),
            channel=channel,
            message=message,
            text=command.text,
            mentions=self._mentions(command.text),
        )

    @_handle.register
    async def _(self, command: grammar.Reply) -> None:
        """Answer the channel's latest top-level message, in its thread."""
        parent = self._last_top.get(self.channel)
        if parent is None:
            self._say(f"* nothing to reply to in #{self.channel} yet")
            return
        message, author = parent
        self._person(command.name)
        channel = self._channel_ref(self.channel)
        ref = MessageRef(channel, self._next_id())
        self._last_message[self.channel] = (ref, command.name)
        await self._emit(
            MessagePosted,
            author=self._user(command.name),
            channel=channel,
            message=ref,
            text=command.text,
            thread=message,
            reply_to=self._user(author) if author else None,
            reply_to_message=message,
            mentions=self._mentions(command.text),
        )

    @_handle.register
    async def _(self, command: grammar.RunCommand) -> None:
        name = command.name
        self._person(name)
        try:
            parsed = parse_command_text(command.text, self._commands)
        except CommandSyntaxError as exc:
            self._say(f"[to {name}, only you] {exc}")
            return
        await self._emit(
            CommandInvoked,
            actor=self._actor(name),
            channel=self._channel_ref(self.channel),
            interaction=self._interaction(name),
            path=parsed.spec.path,
            options=parsed.options,
        )

    @_handle.register
    async def _(self, command: grammar.React) -> None:
        last = self._last_message.get(self.channel)
        if last is None:
            self._say(f"* nothing to react to in #{self.channel} yet")
            return
        message, author = last
        await self._emit(
            ReactionAdded,
            user=self._user(command.name),
            message=message,
            emoji=command.emoji,
            message_author=self._user(author) if author else None,
        )

    @_handle.register
    async def _(self, command: grammar.Click) -> None:
        name, label = command.name, command.label
        wanted = label.lower()
        visible = [s for s in reversed(self._shown) if s.audience in (None, name)]
        candidates = [(s, b) for s in visible for b in s.buttons if b.label.lower().startswith(wanted)]
        candidates += [(s, b) for s in visible for b in s.buttons if wanted in b.label.lower()]
        if not candidates:
            self._say(f"* {name} sees no button labelled {label!r}")
            return
        shown, button = candidates[0]
        if button.url:
            self._say(f"* {name} opens {button.url}")
            return
        await self._emit(
            ButtonPressed,
            actor=self._actor(name),
            interaction=self._interaction(name),
            action_id=button.action_id,
            value=button.value,
            message=shown.message,
        )

    @_handle.register
    async def _(self, command: grammar.Select) -> None:
        name = command.name
        shown = next((s for s in reversed(self._shown) if s.selects and s.audience in (None, name)), None)
        if shown is None:
            self._say(f"* {name} sees no menu to choose from")
            return
        await self._emit(
            ButtonPressed,
            actor=self._actor(name),
            interaction=self._interaction(name),
            action_id=shown.selects[0].action_id,
            value=",".join(command.values),
            message=shown.message,
        )

    @_handle.register
    async def _(self, command: grammar.Submit) -> None:
        name = command.name
        pending = self._forms.pop(name, None)
        if pending is None:
            self._say(f"* no form is open for {name}")
            return
        await self._emit(
            FormSubmitted,
            actor=self._actor(name),
            interaction=self._interaction(name),
            form_id=pending[0].form.form_id,
            values=dict(command.values),
        )

    async def _emit(self, kind: type[Event], **fields: Any) -> None:
        assert self._sink is not None, "start() first"
        event = kind(
            community=self.community,
            occurred_at=self.control.clock.now(),
            event_id=f"console:{uuid.uuid4().hex}",
            **fields,
        )
        await self._sink(event)

    # ------------------------------------------------------------------ output

    async def perform(self, action: Action) -> Delivered:
        return await self._perform(action)

    @functools.singledispatchmethod
    async def _perform(self, action: Action) -> Delivered:
        raise PermanentDeliveryError(f"the console cannot perform {action.kind}")

    @_perform.register
    async def _(self, action: SendDirectMessage) -> Delivered:
        person = self.people.get(action.to.id)
        if person is not None and not person.accepts_dms:
            raise DirectMessageRefused(f"{action.to.id} does not accept direct messages")
        where = render.direct_message_where(action)
        return self._show(where, action.message, audience=action.to.id, channel=f"@{action.to.id}")

    @_perform.register
    async def _(self, action: SendGroupMessage) -> Delivered:
        names = ", ".join(u.id for u in action.to)
        where = render.group_message_where(action)
        return self._show(where, action.message, audience=None, channel=f"@{names}")

    @_perform.register
    async def _(self, action: PostMessage) -> Delivered:
        name = action.channel.label
        shown = self._show(render.post_where(action), action.message, audience=None, channel=name)
        if action.thread is None and shown.message is not None:
            self._last_top[name] = (shown.message, "")
        return shown

    @_perform.register
    async def _(self, action: RespondToInteraction) -> Delivered:
        who = self._interactions.get(action.interaction.id, "you")
        where = render.response_where(who, ephemeral=action.ephemeral, channel=self.channel)
        audience = who if action.ephemeral else None
        return self._show(where, action.message, audience=audience, channel=self.channel)

    @_perform.register
    async def _(self, action: OpenForm) -> Delivered:
        who = self._interactions.get(action.interaction.id, "you")
        self._forms[who] = (action, who)
        self._print(render.form(action, who))
        return Delivered()

    @_perform.register
    async def _(self, action: AddReaction) -> Delivered:
        self._print(render.reaction(action))
        return Delivered()

    @_perform.register
    async def _(self, action: StartThread) -> Delivered:
        self._print(render.thread(action))
        return Delivered(message=action.message)

    @_perform.register
    async def _(self, action: PinMessage) -> Delivered:
        self._print(render.pin(action))
        return Delivered()

    @_perform.register(GrantRole)
    @_perform.register(RevokeRole)
    async def _(self, action: GrantRole | RevokeRole) -> Delivered:
        roles = self._person(action.member.id).roles
        if isinstance(action, GrantRole):
            roles.add(action.role)
        else:
            roles.discard(action.role)
        self._print(render.role(action))
        return Delivered()

    def _show(self, where: str, message: RichMessage, *, audience: str | None, channel: str) -> Delivered:
        ref = MessageRef(self._channel_ref(channel.lstrip("#")), self._next_id())
        if message.buttons or message.selects:
            self._shown.append(_Shown(audience, ref, message.buttons, message.selects))
        self._print(render.message(where, message, self.zone))
        return Delivered(message=ref)

    def _print(self, block: render.Block) -> None:
        self._out.write(str(block))
        self._out.flush()

    def _say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    # ------------------------------------------------------------------ helpers

    def _person(self, name: str) -> _Person:
        return self.people.setdefault(name, _Person(name))

    def _interaction(self, name: str) -> InteractionRef:
        """A new interaction by ``name``: the bot's answer to it is addressed to them."""
        interaction = InteractionRef(Platform.CONSOLE, self._next_id())
        self._interactions[interaction.id] = name
        return interaction

    def _user(self, name: str) -> UserRef:
        return UserRef(Platform.CONSOLE, name, name)

    def _actor(self, name: str) -> Actor:
        return Actor(user=self._user(name), roles=frozenset(self._person(name).roles))

    def _channel_ref(self, name: str) -> ChannelRef:
        return ChannelRef(Platform.CONSOLE, id=name, name=name)

    def _mentions(self, text: str) -> tuple[UserRef, ...]:
        """``@name`` and ``<@name>`` in console text mention that member."""
        names = re.findall(r"(?:<@|(?<![\w<])@)([A-Za-z0-9_.-]+)>?", text)
        return tuple(self._user(n) for n in dict.fromkeys(names))

    def _next_id(self) -> str:
        self._seq += 1
        return str(self._seq)
