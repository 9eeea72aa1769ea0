"""A console session survives a failing database and always ends when its input does."""

from __future__ import annotations

import asyncio
import io
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
        "* a duration is at most ten years (3660d), not '99999999w'",
        '* a " quote is not closed, e.g. /submit alice "change=more examples"',
    ]
