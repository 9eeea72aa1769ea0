"""The console community across runs: resumed from the database, or started over (``--fresh``).

A second ``cohortbot run`` on the same database finds the console community the first left:
its members are still members, its timers and schedule claims still stand. So the console says
so when it starts (how many members, at which simulated time) and resumes *at* that time: the
simulated clock never goes back behind what the community already lived through (a schedule
already run would otherwise be skipped silently, a follow-up fire "early"). The time is stored
at exit (``remember``) and, should the process have been killed, taken from the latest moment
the database records for the community.

``--fresh`` deletes the console's rows (every table's ``platform = 'console'`` rows, and the
console's processed event ids) from the configured database, leaving any Discord or Slack
community in it untouched, so the console starts empty on the same file.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import make_url

from cohortbot.adapters.console import ConsoleAdapter
from cohortbot.bot.bootstrap import App
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.storage.database import Database
from cohortbot.storage.tables import (
    ClaimRow,
    CommunityRow,
    InboxRow,
    OutboxRow,
    TimerRow,
    metadata,
)

__all__ = [
    "CLOCK_KEY", "RUNS_KEY", "console_of", "database_name", "forget", "prepare", "remember", "resume_point",
]

log = logging.getLogger("cohortbot.console")

CLOCK_KEY = "console:clock"  # the state row holding the simulated time the last run stopped at
RUNS_KEY = "console:runs"    # how many runs the community has had (counted as each starts)
CONSOLE = Platform.CONSOLE.value
EVENT_PREFIX = "console:"   # the console's event ids (the inbox's only link to a platform)


def console_of(app: App) -> ConsoleAdapter | None:
    adapter = app.runtime.adapters.get(Platform.CONSOLE)
    return adapter if isinstance(adapter, ConsoleAdapter) else None


def database_name(url: str) -> str:
    """How the console names the database: the SQLite file as configured, else the URL
    without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


async def prepare(app: App, *, fresh: bool, source: str) -> None:
    """Before the console starts: forget its community (``fresh``), or resume the one stored."""
    console = console_of(app)
    if console is None:
        return
    if fresh:
        removed = await forget(app.database)
        log.info("--fresh: removed %d row(s) of the console community", removed)
        return
    found = await resume_point(app.database, console.community)
    if found is None:
        return
    members, at = found
    clock = app.runtime.clock
    set_time = getattr(clock, "set", None)
    if set_time is not None and at > clock.now():
        set_time(at)
    run = await _count_run(app.database, console.community)
    console.resume(members, at=clock.now(), source=source, run=run)


async def _count_run(database: Database, community: CommunityRef) -> int:
    """This run's number: counted when it starts (a killed run counted too), at least 2 here."""
    async with database.unit_of_work() as uow:
        stored = await uow.state.get(community, RUNS_KEY)
        run = max(2, (stored if isinstance(stored, int) else 1) + 1)
        await uow.state.put(community, RUNS_KEY, run)
        await uow.commit()
    return run


async def resume_point(database: Database, community: CommunityRef) -> tuple[list[str], datetime] | None:
    """The stored console community's present members and the latest simulated moment it
    reached; None when the database holds no console community."""
    async with database.read_unit_of_work() as uow:
        if await uow.communities.first_seen(community) is None:
            return None
        members = await uow.members.list(community)
        stored = await uow.state.get(community, CLOCK_KEY)
    moments = [datetime.fromisoformat(stored)] if isinstance(stored, str) else []
    latest = (
        (CommunityRow.last_seen_at, CommunityRow.platform),
        (TimerRow.fired_at, TimerRow.platform),
        (ClaimRow.occurrence, ClaimRow.platform),
        (OutboxRow.created_at, OutboxRow.platform),
    )
    async with database.engine.connect() as connection:
        for column, platform in latest:
            moment = await connection.scalar(select(func.max(column)).where(platform == CONSOLE))
            if moment is not None:
                moments.append(moment)
    names = sorted(m.user.id for m in members if not m.is_bot)
    return names, max(moments)


async def remember(app: App) -> None:
    """Store the simulated time the console stopped at, for the next run to resume from."""
    console = console_of(app)
    if console is None:
        return
    try:
        async with app.database.unit_of_work() as uow:
            await uow.state.put(console.community, CLOCK_KEY, app.runtime.clock.now().isoformat())
            await uow.commit()
    except Exception as exc:   # the database is gone: the next run falls back on what it recorded
        log.warning("could not store the console's simulated time: %s", exc)


async def forget(database: Database) -> int:
    """Delete every row of the console community; the number of rows deleted."""
    removed = 0
    async with database.engine.begin() as connection:
        for table in metadata.sorted_tables:
            if "platform" in table.c:
                result = await connection.execute(delete(table).where(table.c.platform == CONSOLE))
                removed += result.rowcount or 0
        inbox = metadata.tables[InboxRow.__tablename__]
        ids = inbox.c.event_id
        result = await connection.execute(
            delete(inbox).where(
                # The console's own events, and the runtime's about it: its schedules
                # ("schedule:console:local:..."), timers and deliveries, whose keys name it.
                or_(
                    ids.startswith(EVENT_PREFIX, autoescape=True),
                    ids.contains(f":{EVENT_PREFIX}", autoescape=True),
                )
            )
        )
        removed += result.rowcount or 0
    return removed
