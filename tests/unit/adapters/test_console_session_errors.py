"""A console session survives a failing database and always ends when its input does."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import UTC, datetime, timedelta

from cohortbot.adapters.console.adapter import ConsoleAdapter
from cohortbot.bot.clock import ManualClock
from cohortbot.playbook.events import Event


class FailingControl:
    """The runtime as the console sees it, whose database fails on the first settle."""

    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.settles = 0
        self.stopped = asyncio.Event()

    async def settle(self) -> None:
        self.settles += 1
        if self.settles == 1:
            raise ConnectionRefusedError("connection to the database refused")

    async def advance(self, delta: timedelta) -> int:
        return 0

    def request_stop(self, fatal: str | None = None) -> None:
        self.stopped.set()


async def test_a_database_error_is_reported_and_the_session_goes_on_until_quit() -> None:
    control, out, events = FailingControl(), io.StringIO(), []

    async def sink(event: Event) -> None:
        events.append(event)

    console = ConsoleAdapter(control, stdin=io.StringIO("/join alice\n/join bob\n/quit\n/join carol\n"),
                             stdout=out, interactive=False)
    await console.start(sink, [])
    await asyncio.wait_for(control.stopped.wait(), timeout=5)
    assert "* error: ConnectionRefusedError: connection to the database refused" in out.getvalue()
    assert [e.member.id for e in events] == ["alice", "bob"]   # type: ignore[attr-defined]
    assert control.settles == 3                                 # after each line, and at the end


async def test_a_typo_gets_a_one_line_answer_not_an_error_report() -> None:
    control, out = FailingControl(), io.StringIO()
    control.settles = 1   # the database is fine here

    async def sink(event: Event) -> None:
        return None

    lines = '/advance 99999999w\n/submit alice "change=more\n/quit\n'
    console = ConsoleAdapter(control, stdin=io.StringIO(lines), stdout=out, interactive=False)
    await console.start(sink, [])
    await asyncio.wait_for(control.stopped.wait(), timeout=5)
    assert out.getvalue().splitlines() == [
        "* /advance: a duration is at most ten years (3660d), not '99999999w'",
        '* a " quote is not closed, e.g. /submit alice "change=more examples"',
    ]


class _Pipe(io.StringIO):
    """Piped input that says when the reader has taken every line."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.exhausted = threading.Event()

    def readline(self, size: int = -1, /) -> str:  # type: ignore[override]
        line = super().readline(size)
        if not line:
            self.exhausted.set()
        return line


async def test_piped_posts_reach_the_bot_together_in_order_and_other_lines_one_by_one() -> None:
    control, out = FailingControl(), io.StringIO()
    control.settles = 1   # the database is fine here
    lines = "/join alice\n" + "".join(f"alice: post {n}\n" for n in range(30)) + "/join bob\nbob: hi\n/quit\n"
    stdin = _Pipe(lines)
    events: list[Event] = []
    in_flight, most = [0], [0]

    async def sink(event: Event) -> None:
        if not events:   # the first line: wait until every line has been read (as a pipe would have it)
            await asyncio.to_thread(stdin.exhausted.wait)
            await asyncio.sleep(0.01)
        events.append(event)
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0)   # a decision takes a moment: the posts handed over together wait together
        in_flight[0] -= 1

    console = ConsoleAdapter(control, stdin=stdin, stdout=out, interactive=False)
    await console.start(sink, [])
    await asyncio.wait_for(control.stopped.wait(), timeout=5)
    texts = [getattr(e, "text", type(e).__name__) for e in events]
    assert texts == ["MemberJoined", *(f"post {n}" for n in range(30)), "MemberJoined", "hi"]
    assert most[0] == 30               # the 30 posts were in the bot's hands at once
    assert control.settles == 1 + 4 + 1   # after /join, the 30 posts, /join, the last post; at the end
