"""The console community: play a small community in the terminal, no tokens needed.

Input grammar (one command per line; also works with piped stdin, for scripts):

    /join NAME                 NAME joins the community
    /leave NAME                NAME leaves
    #CHANNEL                   switch to a channel (messages below go there)
    NAME: TEXT                 NAME posts TEXT in the current channel
    NAME: /cohort SUB ARGS     NAME runs a /cohort command
    /reply NAME TEXT           NAME answers the channel's latest post (the bot's or a member's), in its thread
    /react NAME EMOJI          NAME reacts to the last message in the current channel
    /click NAME LABEL          NAME presses a button the bot showed them (label prefix is enough)
    /select NAME v1,v2         NAME chooses from the latest menu the bot showed them
    /submit NAME key=value...  NAME submits the form the bot opened for them
    /role NAME ROLE            give NAME a role (e.g. Moderators)
    /dms NAME off|on           NAME refuses (or accepts) direct messages from the bot
    /advance 2d                move the simulated clock (schedules and follow-ups fire)
    /time                      show the simulated time
    /help                      this text
    /quit                      stop (pending deliveries finish first)

The bot's actions print as ``[DM -> alice] ...``, ``[#intros] ...``, ``[to alice, only you] ...``.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO
from zoneinfo import ZoneInfo

from cohortbot.adapters.base import Delivered, DirectMessageRefused, EventSink, PermanentDeliveryError
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
from cohortbot.playbook.durations import parse_duration
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
from cohortbot.playbook.messages import TOKEN_PATTERN, Button, RichMessage, Select
from cohortbot.playbook.ports import Capabilities, Clock
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef

__all__ = ["HELP", "ConsoleAdapter", "ConsoleControl"]

HELP = __doc__.split("Input grammar", 1)[1].split("The bot's", 1)[0] if __doc__ else ""


class ConsoleControl(Protocol):
    """What the console needs from the runtime (it never decides anything itself)."""

    clock: Clock

    async def settle(self) -> None: ...

    async def advance(self, delta: timedelta) -> int: ...

    def request_stop(self) -> None: ...


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
    selects: tuple[Select, ...] = ()


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
        control: ConsoleControl,
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
                if not line or line.startswith("//"):
                    continue
                if line in ("/quit", "/exit"):
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
        if line.startswith("#"):
            self.channel = line[1:].strip() or self.channel
            self._say(f"* now in #{self.channel}")
            return
        if line.startswith("/"):
            await self._control_command(line)
            return
        name, sep, text = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            self._say("* not understood: write NAME: TEXT, or a /command (see /help)")
            return
        await self._post(name.strip(), text.strip())

    async def _control_command(self, line: str) -> None:
        words = shlex.split(line)
        verb, args = words[0].lower(), words[1:]
        if verb == "/help":
            self._say(HELP.rstrip())
        elif verb == "/time":
            self._say(f"* time is {self._local(self.control.clock.now())}")
        elif verb == "/join" and len(args) == 1:
            person = self.people.setdefault(args[0], _Person(args[0]))
            self._say(f"* {person.name} joined the community")
            await self._emit(MemberJoined, member=self._user(args[0]), display_name=args[0])
        elif verb == "/leave" and len(args) == 1:
            self._say(f"* {args[0]} left the community")
            await self._emit(MemberLeft, member=self._user(args[0]))
        elif verb == "/reply" and len(args) >= 2:
            await self._reply(args[0], line.split(None, 2)[2])
        elif verb == "/react" and len(args) == 2:
            await self._react(args[0], args[1])
        elif verb == "/click" and len(args) >= 2:
            await self._click(args[0], " ".join(args[1:]))
        elif verb == "/select" and len(args) >= 2:
            await self._select(args[0], " ".join(args[1:]))
        elif verb == "/submit" and args:
            await self._submit(args[0], args[1:])
        elif verb == "/role" and len(args) == 2:
            self.people.setdefault(args[0], _Person(args[0])).roles.add(args[1])
            self._say(f"* {args[0]} now has the role {args[1]}")
        elif verb == "/dms" and len(args) == 2 and args[1] in ("on", "off"):
            self.people.setdefault(args[0], _Person(args[0])).accepts_dms = args[1] == "on"
            self._say(f"* {args[0]} {'accepts' if args[1] == 'on' else 'refuses'} direct messages")
        elif verb == "/advance" and len(args) == 1:
            delta = parse_duration(args[0])
            self._say(f"* advancing the clock by {args[0]}")
            await self.control.advance(delta)
            self._say(f"* time is {self._local(self.control.clock.now())}")
        else:
            self._say(f"* unknown or incomplete command: {line} (see /help)")

    async def _post(self, name: str, text: str) -> None:
        self.people.setdefault(name, _Person(name))
        if text.startswith("/cohort"):
            await self._command(name, text.removeprefix("/cohort").strip())
            return
        channel = self._channel_ref(self.channel)
        message = MessageRef(channel, self._next_id())
        self._last_message[self.channel] = (message, name)
        self._last_top[self.channel] = (message, name)
        await self._emit(
            MessagePosted,
            author=self._user(name),
            channel=channel,
            message=message,
            text=text,
            mentions=self._mentions(text),
        )

    async def _reply(self, name: str, text: str) -> None:
        """Answer the channel's latest top-level message, in its thread."""
        parent = self._last_top.get(self.channel)
        if parent is None:
            self._say(f"* nothing to reply to in #{self.channel} yet")
            return
        message, author = parent
        self.people.setdefault(name, _Person(name))
        channel = self._channel_ref(self.channel)
        ref = MessageRef(channel, self._next_id())
        self._last_message[self.channel] = (ref, name)
        await self._emit(
            MessagePosted,
            author=self._user(name),
            channel=channel,
            message=ref,
            text=text,
            thread=message,
            reply_to=self._user(author) if author else None,
            reply_to_message=message,
            mentions=self._mentions(text),
        )

    async def _command(self, name: str, text: str) -> None:
        try:
            parsed = parse_command_text(text, self._commands)
        except CommandSyntaxError as exc:
            self._say(f"[to {name}, only you] {exc}")
            return
        interaction = InteractionRef(Platform.CONSOLE, self._next_id())
        self._interactions[interaction.id] = name
        await self._emit(
            CommandInvoked,
            actor=self._actor(name),
            channel=self._channel_ref(self.channel),
            interaction=interaction,
            path=parsed.spec.path,
            options=parsed.options,
        )

    async def _react(self, name: str, emoji: str) -> None:
        last = self._last_message.get(self.channel)
        if last is None:
            self._say(f"* nothing to react to in #{self.channel} yet")
            return
        message, author = last
        await self._emit(
            ReactionAdded,
            user=self._user(name),
            message=message,
            emoji=emoji,
            message_author=self._user(author) if author else None,
        )

    async def _click(self, name: str, label: str) -> None:
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
        interaction = InteractionRef(Platform.CONSOLE, self._next_id())
        self._interactions[interaction.id] = name
        await self._emit(
            ButtonPressed,
            actor=self._actor(name),
            interaction=interaction,
            action_id=button.action_id,
            value=button.value,
            message=shown.message,
        )

    async def _select(self, name: str, values: str) -> None:
        shown = next((s for s in reversed(self._shown) if s.selects and s.audience in (None, name)), None)
        if shown is None:
            self._say(f"* {name} sees no menu to choose from")
            return
        interaction = InteractionRef(Platform.CONSOLE, self._next_id())
        self._interactions[interaction.id] = name
        chosen = ",".join(v.strip() for v in values.split(",") if v.strip())
        await self._emit(
            ButtonPressed,
            actor=self._actor(name),
            interaction=interaction,
            action_id=shown.selects[0].action_id,
            value=chosen,
            message=shown.message,
        )

    async def _submit(self, name: str, pairs: list[str]) -> None:
        pending = self._forms.pop(name, None)
        if pending is None:
            self._say(f"* no form is open for {name}")
            return
        values = dict(p.partition("=")[::2] for p in pairs)
        interaction = InteractionRef(Platform.CONSOLE, self._next_id())
        self._interactions[interaction.id] = name
        await self._emit(
            FormSubmitted,
            actor=self._actor(name),
            interaction=interaction,
            form_id=pending[0].form.form_id,
            values=values,
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
        if isinstance(action, SendDirectMessage):
            person = self.people.get(action.to.id)
            if person is not None and not person.accepts_dms:
                raise DirectMessageRefused(f"{action.to.id} does not accept direct messages")
            return self._show(
                f"DM -> {action.to.id}", action.message, audience=action.to.id, channel=f"@{action.to.id}"
            )
        if isinstance(action, SendGroupMessage):
            names = ", ".join(u.id for u in action.to)
            return self._show(f"group DM -> {names}", action.message, audience=None, channel=f"@{names}")
        if isinstance(action, PostMessage):
            name = action.channel.label
            where = f"#{name} > thread" if action.thread else f"#{name}"
            shown = self._show(where, action.message, audience=None, channel=name)
            if action.thread is None and shown.message is not None:
                self._last_top[name] = (shown.message, "")
            return shown
        if isinstance(action, RespondToInteraction):
            who = self._interactions.get(action.interaction.id, "you")
            label = f"to {who}, only you" if action.ephemeral else f"#{self.channel}"
            return self._show(
                label, action.message, audience=who if action.ephemeral else None, channel=self.channel
            )
        if isinstance(action, OpenForm):
            who = self._interactions.get(action.interaction.id, "you")
            self._forms[who] = (action, who)
            fields = " ".join(f"{i.input_id}=..." for i in action.form.inputs)
            lines = [
                f"{i.input_id}: {i.label}"
                + ("" if i.required else " (optional)")
                + (f" [{', '.join(o.value for o in i.options)}]" if i.options else "")
                for i in action.form.inputs
            ]
            self._print(
                f"form for {who}", action.form.title, [*lines, f"answer with: /submit {who} {fields}"]
            )
            return Delivered()
        if isinstance(action, AddReaction):
            self._print(
                "reaction",
                f"{action.emoji} on message {action.message.id} in #{action.message.channel.label}",
                [],
            )
            return Delivered()
        if isinstance(action, StartThread):
            self._print(f"#{action.message.channel.label}", f"thread started: {action.name}", [])
            return Delivered(message=action.message)
        if isinstance(action, PinMessage):
            self._print(f"#{action.message.channel.label}", f"pinned message {action.message.id}", [])
            return Delivered()
        if isinstance(action, GrantRole | RevokeRole):
            person = self.people.setdefault(action.member.id, _Person(action.member.id))
            granted = isinstance(action, GrantRole)
            (person.roles.add if granted else person.roles.discard)(action.role)
            self._print("role", f"{action.role} {'->' if granted else 'removed from'} {action.member.id}", [])
            return Delivered()
        raise PermanentDeliveryError(f"the console cannot perform {action.kind}")

    def _show(self, where: str, message: RichMessage, *, audience: str | None, channel: str) -> Delivered:
        ref = MessageRef(self._channel_ref(channel.lstrip("#")), self._next_id())
        body = [self._text(line) for line in message.text.splitlines()]
        body += [f"{f.name}: {self._text(f.value)}" for f in message.fields]
        if message.buttons:
            body.append(
                "  ".join(f"[ {b.label} ]" + (f" ({b.url})" if b.url else "") for b in message.buttons)
            )
        for select in message.selects:
            options = ", ".join(o.value for o in select.options)
            body.append(f"[ {select.placeholder}: {options} ] (choose with /select NAME value,value)")
        if message.buttons or message.selects:
            self._shown.append(_Shown(audience, ref, message.buttons, message.selects))
        body += [f"(attachment: {a.filename})" for a in message.attachments]
        if message.footer:
            body.append(f"({self._text(message.footer)})")
        title = self._text(message.title) if message.title else (body.pop(0) if body else "")
        self._print(where, title, body)
        return Delivered(message=ref)

    def _print(self, where: str, head: str, body: list[str]) -> None:
        self._out.write(f"[{where}] {head}\n")
        for line in body:
            self._out.write(f"    {line}\n" if line else "\n")
        self._out.flush()

    def _say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _text(self, text: str) -> str:
        def token(match: Any) -> str:
            kind, value = match.group("kind"), match.group("value")
            if kind == "@":
                return f"@{value}"
            if kind == "#":
                return f"#{value}"
            return self._local(datetime.fromtimestamp(int(value), tz=self.zone))

        return TOKEN_PATTERN.sub(token, text)

    def _local(self, when: datetime) -> str:
        return when.astimezone(self.zone).strftime("%a %d %b %Y %H:%M %Z")

    # ------------------------------------------------------------------ helpers

    def _user(self, name: str) -> UserRef:
        return UserRef(Platform.CONSOLE, name, name)

    def _actor(self, name: str) -> Actor:
        return Actor(
            user=self._user(name), roles=frozenset(self.people.setdefault(name, _Person(name)).roles)
        )

    def _channel_ref(self, name: str) -> ChannelRef:
        return ChannelRef(Platform.CONSOLE, id=name, name=name)

    def _mentions(self, text: str) -> tuple[UserRef, ...]:
        """``@name`` and ``<@name>`` in console text mention that member."""
        names = re.findall(r"(?:<@|(?<![\w<])@)([A-Za-z0-9_.-]+)>?", text)
        return tuple(self._user(n) for n in dict.fromkeys(names))

    def _next_id(self) -> str:
        self._seq += 1
        return str(self._seq)
