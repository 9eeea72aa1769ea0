"""The console adapter: the I/O. Reads stdin lines, parses them (``grammar``) and hands the
commands to ``inbound`` (which feeds the runtime's sink); prints actions (``render``), one
method per action class (singledispatch).

What the terminal community remembers (who is here, the last messages, the buttons and forms
each member was shown) lives in a ``Session`` both sides share. It never decides anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO
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
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.messages import Attachment, RichMessage
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import CommunityRef, MessageRef, Platform

from . import grammar, render
from .inbound import Inbound
from .session import Session, Shown

log = logging.getLogger("cohortbot.console")

__all__ = ["ConsoleAdapter", "ConsoleControl"]

ConsoleControl = RuntimeControl  # what the console needs from the runtime
MAX_POSTS_TOGETHER = 1000
FILES = Path("cohortbot-files")  # where attachments are saved unless told otherwise


def _post(line: str) -> grammar.Post | None:
    """``line`` as a plain post (``NAME: TEXT``), or None for anything else."""
    if not line or line.startswith(grammar.COMMENT):
        return None
    try:
        command = grammar.parse(line)
    except ValueError:
        return None
    return command if isinstance(command, grammar.Post) else None


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
        max_message_length=100_000,  # a terminal has no limit; this only bounds a runaway list
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
        files: Path = FILES,
        staff: Iterable[str] = (),
    ) -> None:
        self.control = control
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self.community = community or CommunityRef(Platform.CONSOLE, "local", "console community")
        self.zone = ZoneInfo(timezone)
        self.interactive = self._in.isatty() if interactive is None else interactive
        self.files = files
        self.session = Session(staff=set(staff))
        self._resumed: str | None = None
        self.inbound = Inbound(
            self.session, community=self.community, control=control, zone=self.zone, say=self._say
        )
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    def resume(self, members: Sequence[str], *, at: datetime, source: str, run: int = 2) -> None:
        """The database already holds this community: its ``members`` are here again, and the
        session says so (and how to start over) when it starts, at simulated time ``at``;
        this is the community's run number ``run``."""
        self.session.resume(members, run=run)
        listed = ", ".join(members[:10]) + (f" and {len(members) - 10} more" if len(members) > 10 else "")
        who = f"{len(members)} member{'' if len(members) == 1 else 's'}" + (f" ({listed})" if members else "")
        self._resumed = (
            f"* resuming {self.community.name} from {source}: {who}, "
            f"simulated time {render.local_time(at, self.zone)}. "
            "Run with --fresh to start over."
        )

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        self.inbound.sink = sink
        self.inbound.commands = list(commands)
        if self.interactive:
            self._say(
                f"cohortbot console: {self.community.name}. Type /help for the commands, /quit to stop."
            )
        if self._resumed:
            self._say(self._resumed)
        self._task = asyncio.create_task(self._read_loop(), name="console-input")

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _read_loop(self) -> None:
        lines = _LineReader(self._in)
        try:
            while True:
                if self.interactive:
                    self._out.write(f"#{self.session.channel}> ")
                    self._out.flush()
                line = await lines.next()
                if line is None:
                    break
                line = line.strip()
                if not line or line.startswith(grammar.COMMENT):
                    continue
                if line in grammar.QUIT:
                    break
                posts = [] if self.interactive else self._posts_ready(line, lines)
                if posts:
                    await self._posts(posts)
                else:
                    await self._guarded(self.handle_line(line))
                await self._guarded(self.control.settle())
        finally:
            try:
                await self._guarded(self.control.settle())
            finally:
                self.control.request_stop()

    @staticmethod
    def _posts_ready(line: str, lines: _LineReader) -> list[grammar.Post]:
        """Piped input: ``line`` and the plain posts already waiting after it (at most 1,000).

        They go to the bot together, so it decides them in batches as it does a busy
        channel's messages; the order, and what is printed, are those of one by one (a post
        waits for no answer, and the bot's answers are printed in the order decided).
        """
        first = _post(line)
        if first is None:
            return []
        posts = [first]
        while len(posts) < MAX_POSTS_TOGETHER and (more := lines.ready()) is not None:
            post = _post(more.strip())
            if post is None:
                lines.put_back(more)
                break
            posts.append(post)
        return posts

    async def _posts(self, posts: list[grammar.Post]) -> None:
        # Each task hands its event over before its first pause, so the sink gets them in order.
        await asyncio.gather(*(self._guarded(self.inbound.handle(post)) for post in posts))

    async def _guarded(self, work: Awaitable[None]) -> None:
        """A bad line or a failing database never kills the session: say what went wrong."""
        try:
            await work
        except Exception as exc:
            log.warning("console input failed", exc_info=exc)
            self._say(f"* error: {type(exc).__name__}: {str(exc)[:300]}")

    # ------------------------------------------------------------------ input

    async def handle_line(self, line: str) -> None:
        try:
            command = grammar.parse(line)
        except ValueError as exc:  # a typo (an unclosed quote, a duration out of range): say so
            self._say(f"* {exc}")
            return
        await self.inbound.handle(command)

    # ------------------------------------------------------------------ output

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        return await self._perform(action)

    def served_communities(self) -> frozenset[str] | None:
        return None

    @functools.singledispatchmethod
    async def _perform(self, action: Action) -> Delivered:
        raise PermanentDeliveryError(f"the console cannot perform {action.kind}")

    @_perform.register
    async def _(self, action: SendDirectMessage) -> Delivered:
        person = self.session.people.get(action.to.id)
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
            self.session.last_top[name] = (shown.message, "")
        return shown

    @_perform.register
    async def _(self, action: RespondToInteraction) -> Delivered:
        who, here = self.session.who(action.interaction), self.session.where(action.interaction)
        where = render.response_where(who, ephemeral=action.ephemeral, channel=here)
        audience = who if action.ephemeral else None
        return self._show(where, action.message, audience=audience, channel=here)

    @_perform.register
    async def _(self, action: OpenForm) -> Delivered:
        who = self.session.who(action.interaction)
        self.session.forms[who] = action
        self._print(render.form(action, who))
        return Delivered()

    @_perform.register
    async def _(self, action: AddReaction) -> Delivered:
        self._print(render.reaction(action, self.session.description(action.message)))
        return Delivered()

    @_perform.register
    async def _(self, action: StartThread) -> Delivered:
        self._print(render.thread(action))
        return Delivered(message=action.message)

    @_perform.register
    async def _(self, action: PinMessage) -> Delivered:
        self._print(render.pin(action, self.session.description(action.message)))
        return Delivered()

    @_perform.register(GrantRole)
    @_perform.register(RevokeRole)
    async def _(self, action: GrantRole | RevokeRole) -> Delivered:
        roles = self.session.person(action.member.id).roles
        if isinstance(action, GrantRole):
            roles.add(action.role)
        else:
            roles.discard(action.role)
        self._print(render.role(action))
        return Delivered()

    def _show(self, where: str, message: RichMessage, *, audience: str | None, channel: str) -> Delivered:
        ref = MessageRef(self.session.channel_ref(channel.lstrip("#")), self.session.next_id())
        if message.buttons or message.selects:
            self.session.shown.append(Shown(audience, ref, message.buttons, message.selects))
        self.session.describe(ref, "", render.text(message.title or message.text, self.zone))
        files = self._save(message.attachments)
        self._print(render.message(where, message, self.zone, files))
        return Delivered(message=ref)

    def _save(self, attachments: Sequence[Attachment]) -> list[str]:
        """Write each attachment into the files folder (a new name beside an older file); its
        path, or "" when it could not be written (said on a line of its own)."""
        paths: list[str] = []
        for attachment in attachments:
            try:
                self.files.mkdir(parents=True, exist_ok=True)
                path = _free_path(self.files, attachment.filename)
                path.write_bytes(attachment.data)
                paths.append(str(path))
            except OSError as exc:
                log.warning("could not save an attachment", exc_info=exc)
                self._say(f"* could not save {attachment.filename} in {self.files}: {exc.strerror or exc}")
                paths.append("")
        return paths

    def _print(self, block: render.Block) -> None:
        self._stamp()
        self._out.write(str(block))
        self._out.flush()

    def _stamp(self) -> None:
        """During /advance, what fires is preceded by the simulated time it fires at."""
        if not self.session.advancing:
            return
        now = render.local_time(self.control.clock.now(), self.zone)
        if now != self.session.stamped:
            self.session.stamped = now
            self._say(f"* at {now}")

    def _say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


def _free_path(folder: Path, filename: str) -> Path:
    """``folder/filename`` made safe (no directory, no hidden file), numbered if it is taken."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename).name).strip(".-")[:100] or "attachment"
    stem, dot, suffix = safe.rpartition(".") if "." in safe else (safe, "", "")
    path, n = folder / safe, 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{dot}{suffix}"
    return path


class _LineReader:
    """Lines from a blocking text stream, read on a daemon thread.

    Not ``asyncio.to_thread``: a read blocked in the default executor keeps the process alive
    at exit until Enter is pressed, so Ctrl-C or SIGTERM could not stop an idle console.
    """

    def __init__(self, stream: TextIO) -> None:
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._back: list[str | None] = []
        threading.Thread(target=self._read, args=(stream,), name="console-stdin", daemon=True).start()

    def _read(self, stream: TextIO) -> None:
        try:
            for line in iter(stream.readline, ""):
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
        except (OSError, ValueError) as exc:   # a closed or unreadable stdin ends the session
            log.warning("console input ended: %s", exc)
        finally:
            with contextlib.suppress(RuntimeError):   # the loop is already closed
                self._loop.call_soon_threadsafe(self._lines.put_nowait, None)

    async def next(self) -> str | None:
        """The next line, or None at end of input."""
        if self._back:
            return self._back.pop()
        return await self._lines.get()

    def ready(self) -> str | None:
        """The next line if it has been read already (None: none yet, or the end of input)."""
        if self._back:
            return None if self._back[-1] is None else self._back.pop()
        try:
            line = self._lines.get_nowait()
        except asyncio.QueueEmpty:
            return None
        if line is None:
            self._back.append(None)   # the end of input stays the next thing next() returns
        return line

    def put_back(self, line: str | None) -> None:
        self._back.append(line)
