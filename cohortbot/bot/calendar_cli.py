"""``cohortbot calendar export`` and ``cohortbot calendar url``: registered by :func:`register`.

``export`` writes a community's calendar feed (``bot/calendar_feed.py``) as an ``.ics`` file,
or to stdout: what the bot serves at the community's secret URL, read from the playbook and
the database like ``cohortbot report`` (it runs beside a running bot). A community the
database does not know yet (``--community``) gets the playbook's calendar alone. The console
community lives in simulated time, so its feed is as of the moment it last reached.

``url`` prints the address ``/cohort calendar`` tells members.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["CalendarInputError", "calendar_app", "export_feed", "register"]

BAD_INPUT, FAILURE = 2, 1
log = logging.getLogger("cohortbot")

calendar_app = typer.Typer(
    help="The calendar feed: live sessions, deadlines, cohort weeks and assignments as iCalendar (.ics).",
    no_args_is_help=True,
)


class CalendarInputError(ValueError):
    """Bad input (exit code 2): an unknown or ambiguous community, no playbook for it."""


def parse_community(text: str) -> Any:
    """``discord:1234`` -> a CommunityRef; CalendarInputError with the expected form otherwise."""
    from cohortbot.adapters import registry
    from cohortbot.playbook.refs import CommunityRef, Platform

    platform, _, ident = text.strip().partition(":")
    names = [str(spec.name) for spec in registry.PLATFORMS]
    if not ident or platform not in names or len(text) > 200:
        raise CalendarInputError(
            f"--community {text[:60]!r}: use platform:id, e.g. discord:1234 (platforms: {', '.join(names)})"
        )
    return CommunityRef(Platform(platform), ident.strip())


def _sqlite_missing(url: str) -> bool:
    from sqlalchemy import make_url

    parsed = make_url(url)
    database = parsed.database
    return parsed.get_backend_name() == "sqlite" and bool(database) and database != ":memory:" and not (
        Path(str(database)).exists()
    )


async def _known(database: Any) -> list[Any]:
    """The communities the database knows (none if it was never migrated)."""
    if await database.current_revision() is None:
        return []
    async with database.read_unit_of_work() as uow:
        return [ref for ref, _ in await uow.communities.list()]


def choose(known: Sequence[Any], wanted: str | None) -> tuple[Any, list[str]]:
    """The community asked for (or the database's only one), and notes for stderr."""
    if wanted is not None:
        ref = parse_community(wanted)
        found = next((k for k in known if str(k) == str(ref)), None)
        if found is not None:
            return found, []
        note = f"note: the database has nothing of {ref} yet: the feed holds the playbook's calendar only"
        return ref, [note]
    if len(known) == 1:
        return known[0], []
    if not known:
        raise CalendarInputError(
            "the database has no community yet: run the bot first, or name one with --community "
            "platform:id (e.g. discord:1234) for the playbook's calendar alone"
        )
    names = ", ".join(str(k) for k in known[:20]) + (" ..." if len(known) > 20 else "")
    raise CalendarInputError(
        f"the database has {len(known)} communities: name one with --community ({names})"
    )


async def export_feed(
    database_url: str, playbook_paths: Sequence[Path], wanted: str | None, *, now: datetime | None = None
) -> tuple[Any, bytes, list[str]]:
    """(the community, its ``.ics``, notes) as of ``now`` (default: the clock; the console
    community: the simulated moment it last reached)."""
    from cohortbot.bot.calendar_feed import build_feed
    from cohortbot.config.playbook import load_playbooks
    from cohortbot.playbook.refs import Platform
    from cohortbot.storage.database import Database
    from cohortbot.storage.memory import MemoryStore

    playbooks = load_playbooks(playbook_paths)
    if _sqlite_missing(database_url):  # nothing stored yet; don't create the file
        ref, notes = choose([], wanted)
        loaded = playbooks.for_community(ref)
        if loaded is None:
            raise CalendarInputError(f"no playbook applies to {ref} (add it to a playbook's communities)")
        async with MemoryStore().unit_of_work() as uow:
            data = await build_feed(uow, ref, loaded, now=now or datetime.now(UTC))
        return ref, data, notes
    database = Database(database_url)
    try:
        known = await _known(database)
        ref, notes = choose(known, wanted)
        loaded = playbooks.for_community(ref)
        if loaded is None:
            raise CalendarInputError(f"no playbook applies to {ref} (add it to a playbook's communities)")
        if now is None and ref.platform == Platform.CONSOLE and ref in known:
            from cohortbot.bot.console_state import resume_point

            found = await resume_point(database, ref)
            now = found[1] if found is not None else None
        when = now or datetime.now(UTC)
        if ref in known:
            async with database.read_unit_of_work() as uow:
                data = await build_feed(uow, ref, loaded, now=when)
        else:
            async with MemoryStore().unit_of_work() as uow:
                data = await build_feed(uow, ref, loaded, now=when)
    finally:
        await database.dispose()
    return ref, data, notes


PlaybookOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--playbook",
        "-p",
        help="Playbook YAML file or folder (repeatable), as for `run`. Default: COHORTBOT_PLAYBOOK "
        "or the embedded example playbook.",
    ),
]
CommunityOption = Annotated[
    str | None,
    typer.Option(
        help="The community, as platform:id (e.g. discord:1234). Default: the database's only one."
    ),
]


def _fail(message: str, code: int = BAD_INPUT) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@calendar_app.command("export")
def export(
    playbook: PlaybookOption = None,
    community: CommunityOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The .ics file to write. Default: stdout.")
    ] = None,
) -> None:
    """Write a community's calendar (sessions, deadlines, cohort weeks, assignments) as .ics."""
    from cohortbot.bot import cli
    from cohortbot.bot.bootstrap import default_playbook_path
    from cohortbot.config.playbook import PlaybookError

    settings, _platforms = cli._settings()
    paths = list(playbook or []) or ([settings.playbook] if settings.playbook else [default_playbook_path()])
    if out is not None and out.is_dir():
        _fail(f"--out {out} is a folder; name the file to write, e.g. {out / 'calendar.ics'}")
    try:
        ref, data, notes = asyncio.run(export_feed(settings.database_url, paths, community))
    except PlaybookError as exc:
        for issue in exc.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    except CalendarInputError as exc:
        _fail(str(exc))
        return
    except Exception as exc:
        log.debug("calendar export failed", exc_info=True)
        _fail(f"calendar export failed: {exc}", FAILURE)
        return
    for note in notes:
        typer.echo(note, err=True)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        _fail(f"could not write {out}: {exc.strerror or exc}", FAILURE)
    events = data.count(b"BEGIN:VEVENT")
    typer.echo(f"{out}: {events} events of {ref}")


@calendar_app.command("url")
def url(community: CommunityOption = None) -> None:
    """Print a community's calendar feed address (what /cohort calendar tells members)."""
    from cohortbot.bot import cli
    from cohortbot.bot.calendar_links import links_for
    from cohortbot.storage.database import Database

    settings, _platforms = cli._settings()
    links = links_for(settings)
    if links is None:
        _fail("the calendar feed is off: set COHORTBOT_CALENDAR_SECRET (e.g. `openssl rand -hex 32`)")
        return

    async def known() -> list[Any]:
        if _sqlite_missing(settings.database_url):
            return []
        database = Database(settings.database_url)
        try:
            return await _known(database)
        finally:
            await database.dispose()

    try:
        ref, _notes = choose(asyncio.run(known()) if community is None else [], community)
    except CalendarInputError as exc:
        _fail(str(exc))
        return
    address = links.calendar_url(ref)
    if address is None:
        typer.echo(
            "note: COHORTBOT_PUBLIC_URL is not set: this is the path on the bot's metrics server",
            err=True,
        )
        address = links.path(ref)
    typer.echo(address)


def register(app: typer.Typer) -> None:
    """Add ``calendar export`` and ``calendar url`` to the ``cohortbot`` command."""
    app.add_typer(calendar_app, name="calendar")
