"""Console commands -> platform-neutral events, one handler per command class (singledispatch).

Control commands (``/advance``, ``/role``, ``/dms``...) change the session or the simulated
clock and print a ``* ...`` note; the others become events for the runtime's sink. Only members
(and staff: the playbook's moderator users, anyone given a role) act; anything else a line asks
that the community would not do (join twice, leave unjoined, post as a stranger) gets a one-line
``* ...`` answer and no event.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from cohortbot.adapters.base import EventSink
from cohortbot.adapters.platform import RuntimeControl
from cohortbot.playbook.commands import CommandSpec, CommandSyntaxError, parse_command_text
from cohortbot.playbook.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from cohortbot.playbook.messages import Button
from cohortbot.playbook.refs import CommunityRef, MessageRef

from . import grammar, render
from .session import Session, Shown

__all__ = ["Inbound"]

CONTINUE = "continue"  # the button between the pages of a long form (surveys)


class Inbound:
    def __init__(
        self,
        session: Session,
        *,
        community: CommunityRef,
        control: RuntimeControl,
        zone: ZoneInfo,
        say: Callable[[str], None],
    ) -> None:
        self.session = session
        self.community = community
        self.control = control
        self.zone = zone
        self._say = say
        self.sink: EventSink | None = None
        self.commands: Sequence[CommandSpec] = ()

    async def _emit(self, kind: type[Event], **fields: Any) -> None:
        assert self.sink is not None, "start() first"
        event = kind(
            community=self.community,
            occurred_at=self.control.clock.now(),
            event_id=f"console:{uuid.uuid4().hex}",
            **fields,
        )
        await self.sink(event)

    def _now(self) -> str:
        return render.local_time(self.control.clock.now(), self.zone)

    @functools.singledispatchmethod
    async def handle(self, command: Any) -> None:
        raise TypeError(f"no handler for {type(command).__name__}")

    # ------------------------------------------------------------------ the session and the clock

    @handle.register
    async def _(self, command: grammar.SwitchChannel) -> None:
        self.session.channel = command.name or self.session.channel
        self._say(f"* now in #{self.session.channel}")

    @handle.register
    async def _(self, command: grammar.NotUnderstood) -> None:
        self._say("* not understood: write NAME: TEXT, or a /command (see /help)")

    @handle.register
    async def _(self, command: grammar.Unknown) -> None:
        usage = grammar.usage(command.line)
        if usage is None:
            self._say(f"* unknown command: {command.line.split()[0]} (see /help)")
        else:
            self._say(f"* usage: {usage}")

    @handle.register
    async def _(self, command: grammar.Help) -> None:
        self._say(grammar.HELP.rstrip())

    @handle.register
    async def _(self, command: grammar.ShowTime) -> None:
        self._say(f"* time is {self._now()}")

    @handle.register
    async def _(self, command: grammar.Role) -> None:
        self.session.person(command.name).roles.add(command.role)
        self.session.staff.add(command.name)  # someone given a role acts without /join (staff)
        self._say(f"* {command.name} now has the role {command.role}")

    @handle.register
    async def _(self, command: grammar.SetDms) -> None:
        self.session.person(command.name).accepts_dms = command.accepts
        self._say(f"* {command.name} {'accepts' if command.accepts else 'refuses'} direct messages")

    @handle.register
    async def _(self, command: grammar.Advance) -> None:
        self._say(f"* advancing the clock by {command.text}")
        self.session.advancing, self.session.stamped = True, None
        try:
            await self.control.advance(command.delta)
        finally:
            self.session.advancing = False
        self._say(f"* time is {self._now()}")

    # ------------------------------------------------------------------ members

    def _refused(self, name: str) -> bool:
        """Only members (and staff) act in the community: anyone else is told how to join."""
        if self.session.may_act(name):
            return False
        self._say(f"* {name} is not a member of the community: /join {name} first")
        return True

    @handle.register
    async def _(self, command: grammar.Join) -> None:
        s, name = self.session, command.name
        if name in s.members:
            self._say(f"* {name} is already a member")
            return
        s.person(name)
        s.members.add(name)
        self._say(f"* {name} joined the community")
        await self._emit(MemberJoined, member=s.user(name), display_name=name)

    @handle.register
    async def _(self, command: grammar.Leave) -> None:
        s, name = self.session, command.name
        if name not in s.members:
            self._say(f"* {name} is not a member, so cannot leave")
            return
        s.members.discard(name)
        self._say(f"* {name} left the community")
        await self._emit(MemberLeft, member=s.user(name))

    @handle.register
    async def _(self, command: grammar.Post) -> None:
        s = self.session
        if self._refused(command.name):
            return
        channel = s.channel_ref(s.channel)
        message = MessageRef(channel, s.next_id())
        s.last_message[s.channel] = (message, command.name)
        s.last_top[s.channel] = (message, command.name)
        s.describe(message, command.name, command.text)
        await self._emit(
            MessagePosted,
            author=s.user(command.name),
            channel=channel,
            message=message,
            text=command.text,
            mentions=s.mentions(command.text),
        )

    @handle.register
    async def _(self, command: grammar.Reply) -> None:
        """Answer the channel's latest top-level message, in its thread."""
        s = self.session
        if self._refused(command.name):
            return
        parent = s.last_top.get(s.channel)
        if parent is None:
            self._say(f"* nothing to reply to in #{s.channel} yet")
            return
        message, author = parent
        channel = s.channel_ref(s.channel)
        ref = MessageRef(channel, s.next_id())
        s.last_message[s.channel] = (ref, command.name)
        s.describe(ref, command.name, command.text)
        await self._emit(
            MessagePosted,
            author=s.user(command.name),
            channel=channel,
            message=ref,
            text=command.text,
            thread=message,
            reply_to=s.user(author) if author else None,
            reply_to_message=message,
            mentions=s.mentions(command.text),
        )

    @handle.register
    async def _(self, command: grammar.React) -> None:
        s = self.session
        if self._refused(command.name):
            return
        last = s.last_message.get(s.channel)
        if last is None:
            self._say(f"* nothing to react to in #{s.channel} yet")
            return
        message, author = last
        await self._emit(
            ReactionAdded,
            user=s.user(command.name),
            message=message,
            emoji=command.emoji,
            message_author=s.user(author) if author else None,
        )

    # ------------------------------------------------------------------ interactions

    @handle.register
    async def _(self, command: grammar.RunCommand) -> None:
        s, name = self.session, command.name
        if self._refused(name):
            return
        try:
            parsed = parse_command_text(command.text, self.commands)
        except CommandSyntaxError as exc:
            self._say(f"[to {name}, only you] {exc}")
            return
        await self._emit(
            CommandInvoked,
            actor=s.actor(name),
            channel=s.channel_ref(s.channel),
            interaction=s.interaction(name),
            path=parsed.spec.path,
            options=parsed.options,
        )

    def _buttons(self, name: str, label: str) -> list[tuple[Shown, Button]]:
        """The buttons ``name`` sees whose label starts with ``label``, then those containing
        it, newest card first."""
        wanted = label.lower()
        visible = [shown for shown in reversed(self.session.shown) if shown.audience in (None, name)]
        found = [(v, b) for v in visible for b in v.buttons if b.label.lower().startswith(wanted)]
        return found + [(v, b) for v in visible for b in v.buttons if wanted in b.label.lower()]

    async def _press(self, name: str, shown: Shown, button: Button) -> None:
        s = self.session
        if button.label.lower() == CONTINUE and shown.message is not None:
            s.continued.add(shown.message.id)
        await self._emit(
            ButtonPressed,
            actor=s.actor(name),
            interaction=s.interaction(name, shown.message.channel.label if shown.message else None),
            action_id=button.action_id,
            value=button.value,
            message=shown.message,
        )

    @handle.register
    async def _(self, command: grammar.Click) -> None:
        name, label = command.name, command.label
        if self._refused(name):
            return
        candidates = self._buttons(name, label)
        if not candidates:
            self._say(f"* {name} sees no button labelled {label!r}")
            return
        shown, button = candidates[0]
        if button.url:
            self._say(f"* {name} opens {button.url}")
            return
        await self._press(name, shown, button)

    @handle.register
    async def _(self, command: grammar.Select) -> None:
        s, name = self.session, command.name
        if self._refused(name):
            return
        menus = (shown for shown in reversed(s.shown) if shown.selects and shown.audience in (None, name))
        shown = next(menus, None)
        if shown is None:
            self._say(f"* {name} sees no menu to choose from")
            return
        await self._emit(
            ButtonPressed,
            actor=s.actor(name),
            interaction=s.interaction(name, shown.message.channel.label if shown.message else None),
            action_id=shown.selects[0].action_id,
            value=",".join(command.values),
            message=shown.message,
        )

    @handle.register
    async def _(self, command: grammar.Submit) -> None:
        s, name = self.session, command.name
        if self._refused(name):
            return
        if name not in s.forms:
            await self._continue(name)
        pending = s.forms.pop(name, None)
        if pending is None:
            self._say(f"* no form is open for {name}")
            return
        await self._emit(
            FormSubmitted,
            actor=s.actor(name),
            interaction=s.interaction(name, s.where(pending.interaction)),
            form_id=pending.form.form_id,
            values=dict(command.values),
        )

    async def _continue(self, name: str) -> None:
        """Between the pages of a long form the bot shows a Continue button (a platform opens a
        form only in answer to a click): /submit presses it for them and waits for the page."""
        s = self.session
        pages = [
            (v, b) for v, b in self._buttons(name, CONTINUE)
            if b.label.lower() == CONTINUE and not (v.message and v.message.id in s.continued)
        ]
        if not pages:
            return
        self._say(f"* {name} presses {pages[0][1].label}")
        await self._press(name, *pages[0])
        await self.control.settle()
