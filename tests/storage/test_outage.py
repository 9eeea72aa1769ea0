"""PostgreSQL unreachable under load: every event acknowledged meanwhile is stored once it is back.

The runtime reaches PostgreSQL through a TCP proxy (``tcp_proxy.py``) that the test cuts (open
connections reset, new ones refused, as when the server restarts or stops) and restores; the
shared server itself stays up for the other tests. Members keep joining at a steady pace
through the runtime's sink, before, during and after a short and a longer outage, with the
intake's replay and the deliverer running as in ``cohortbot run``. Afterwards every member who
joined is stored, and welcomed by exactly one delivered DM: zero events lost, zero actions lost
or doubled.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.storage import Database
from tests.harness import Harness
from tests.storage.conftest import PG_URL, Backend, _backend, outbox_rows
from tests.storage.tcp_proxy import TcpProxy

# Run alone (``make test`` runs it after the rest): its phases are wall seconds through a proxy
# cut and restored on time, which a parallel test stream on the same cores would stretch.
pytestmark = [pytest.mark.postgres, pytest.mark.alone]

PLAYBOOK = """
name: Outage
default: true
timezone: UTC
channels: {welcome: welcome, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  welcome:
    message: "Welcome {member}!"
    burst: {max_joins: 100000}
    report_unonboarded_after: null
  intros: {enabled: false}
  sessions: {enabled: false}
  surveys: {enabled: false}
  champions: {enabled: false}
  health: {enabled: false}
  prompts: {enabled: false}
"""

JOINS_PER_SECOND = 20
# (phase, wall seconds): the database answers, then a short outage (a restart), then a longer one.
PHASES = [("before", 1.0), ("outage 1", 1.5), ("between", 1.0), ("outage 2", 4.0), ("after", 1.0)]
SETTLE_TIMEOUT = 30.0


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[Backend]:
    async with _backend("postgresql", tmp_path) as found:
        yield found


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    url = make_url(PG_URL)
    opened = await TcpProxy.open(url.host or "127.0.0.1", url.port or 5432)
    yield opened
    await opened.close()


async def settled(bot: Harness, deadline: float) -> None:
    """Until the intake holds nothing and every outbox row is delivered (or the deadline)."""
    while time.monotonic() < deadline:
        if bot.runtime.intake.waiting == 0:
            try:
                rows = await outbox_rows(bot.database)
            except Exception:   # the database may still be coming back
                rows = []
            if rows and all(row["status"] == "delivered" for row in rows):
                return
        await asyncio.sleep(0.1)


async def test_joins_sent_while_postgresql_is_unreachable_are_all_stored_and_welcomed_once(
    backend: Backend, proxy: TcpProxy, tmp_path: Path
) -> None:
    url = make_url(PG_URL).set(host=proxy.host, port=proxy.port).render_as_string(hide_password=False)
    database = Database(url, connect_args=backend.connect_args)
    bot = await Harness.start(tmp_path, PLAYBOOK, database=database)
    runtime = bot.runtime
    # Retry soon after the database is back (the defaults wait up to 10 s between tries).
    runtime.intake.first_delay, runtime.intake.max_delay = 0.05, 0.5
    runtime.deliverer.poll_seconds = 0.05
    stop = asyncio.Event()
    background = [
        asyncio.create_task(runtime.intake.run(stop)),
        asyncio.create_task(runtime.deliverer.run(stop)),
    ]
    sent: dict[str, list[str]] = {}
    try:
        for phase, seconds in PHASES:
            if phase.startswith("outage"):
                await proxy.cut()
            else:
                await proxy.restore()
            names = sent.setdefault(phase, [])
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                name = f"m{sum(map(len, sent.values()))}"
                await bot.join(name, settle=False)
                names.append(name)
                await asyncio.sleep(1 / JOINS_PER_SECOND)
        await settled(bot, time.monotonic() + SETTLE_TIMEOUT)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*background), timeout=SETTLE_TIMEOUT)
    try:
        everyone = [name for names in sent.values() for name in names]
        async with bot.database.unit_of_work() as uow:
            stored = {m.user.id for m in await uow.members.list(bot.community)}
        rows = await outbox_rows(bot.database)
        welcomes = Counter(a.to.id for a in bot.performed if isinstance(a, SendDirectMessage))
        lost = {phase: len(set(names) - stored) for phase, names in sent.items()}
        print(
            f"\noutage: sent {[(phase, len(names)) for phase, names in sent.items()]}, lost {lost}, "
            f"{runtime.intake.buffered} buffered (peak {runtime.intake.peak}), "
            f"{runtime.intake.skipped} skipped, {len(rows)} actions, "
            f"{sum(welcomes.values()) - len(welcomes)} raw repeats, "
            f"{proxy.connections} connections through the proxy"
        )
        assert all(names for names in sent.values())
        assert len(sent["outage 1"]) >= 20 and len(sent["outage 2"]) >= 60
        assert stored == set(everyone), f"joins lost: {sorted(set(everyone) - stored)}"
        assert runtime.intake.skipped == 0 and runtime.intake.waiting == 0
        assert runtime.intake.buffered >= len(sent["outage 1"]) + len(sent["outage 2"])
        assert Counter(row["status"] for row in rows) == {"delivered": len(everyone)}, "an action was lost"
        assert sorted(row["key"] for row in rows) == sorted(
            f"welcome:{bot.community}:{name}:1" for name in everyone
        )
        assert welcomes == dict.fromkeys(everyone, 1), "a member was welcomed twice or not at all"
    finally:
        await bot.database.dispose()
