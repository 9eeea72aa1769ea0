"""``cohortbot roster import|list|remove``: the course roster, from a facilitator's CSV.

The commands find the playbooks, settings and database as ``run`` does (``--playbook``,
``COHORTBOT_PLAYBOOK``, ``COHORTBOT_DATABASE_URL``) and work on one community
(``roster_target.py``). Rows are the roster step's documents (``steps/roster/api.py``); what only
the bot may do (enrol a matched member in a cohort, take a removed one out) the step does as
soon as the bot runs, from a timer set here. Exit codes: 0 ok, 2 bad input (a malformed row
among them: the good rows are imported all the same), 1 a failure.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cohortbot.bot.progress import Progress, progress_on
from cohortbot.bot.roster_target import (
    Context,
    RosterInputError,
    choose_community,
    context,
    known,
    open_database,
    settle_from,
    unheard_of,
)
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import LoadedPlaybook

if TYPE_CHECKING:  # imported when used: `cohortbot --version` needs no step
    from cohortbot.playbook.steps.roster import api as roster

__all__ = ["register", "roster_app"]

BAD_INPUT, FAILURE = 2, 1

roster_app = typer.Typer(
    help="The course roster: import it from a CSV, list who joined, remove a person.", no_args_is_help=True
)

PlaybookOption = Annotated[
    list[Path] | None,
    typer.Option("--playbook", "-p", help="Playbook YAML file or folder (repeatable), as for `run`."),
]
CommunityOption = Annotated[
    str | None,
    typer.Option(
        help="The community, as platform:id (discord:1234, slack:T0123, console). "
        "Default: the only one the playbooks and the database know."
    ),
]


def _plain(text: str) -> str:
    """Text from the file or the database as a terminal shows it: no control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _fail(message: str, code: int = BAD_INPUT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


# ---------------------------------------------------------------------------- import


def _read(file: Path) -> bytes:
    from cohortbot.playbook.steps.roster import api as roster

    try:
        size = file.stat().st_size
        if size > roster.MAX_BYTES:
            raise RosterInputError(
                f"{file} is {size:,} bytes; a roster file may have {roster.MAX_BYTES:,} at most: split it"
            )
        if not file.is_file():
            raise RosterInputError(f"{file} is not a file")
        return file.read_bytes()
    except OSError as exc:
        raise RosterInputError(f"cannot read {file}: {exc.strerror or exc}") from None


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_codes(path: Path, rows: Sequence[roster.Row]) -> None:
    """name, email, cohort, code, joined: for facilitators to send each person their code.
    Readable by its owner only (the codes let people in)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "email", "cohort", "code", "joined"])
        for row in rows:
            joined = row.joined_at.date().isoformat() if row.joined_at else ""
            writer.writerow([_safe_cell(row.name), _safe_cell(row.email), row.cohort, row.code, joined])


@dataclass
class _Imported:
    community: CommunityRef
    loaded: LoadedPlaybook
    parsed: roster.Parsed
    merged: roster.Merged
    found: int = 0  # matched by the platform lookup
    lookup_note: str = ""
    warning: str = ""  # about the community


async def _look_up(
    ctx: Context, community: CommunityRef, people: list[tuple[str, str]], progress: Progress
) -> tuple[dict[int, Any], str]:
    """The platform lookup of ``bot/roster_lookup.py``, when it is there."""
    try:
        from cohortbot.bot.roster_lookup import look_up
    except ImportError:
        return {}, "(platform lookup not available: members are matched when they join)"
    return dict(await look_up(ctx.playbooks, community, people, progress)), ""


async def _import(
    ctx: Context, data: bytes, *, community: str | None, dry_run: bool, lookup: bool, progress: Progress
) -> _Imported:
    from cohortbot.playbook.steps.cohorts import api as cohorts
    from cohortbot.playbook.steps.roster import api as roster

    database = await open_database(ctx.database_url, community, create=True)
    try:
        communities = await known(database)
        ref, loaded = choose_community(ctx.playbooks, communities, community)
        warning = unheard_of(ctx.playbooks, communities, ref)
        parsed = roster.parse_roster(data, [(cal.name, cal.title) for cal in cohorts.calendars(loaded)])
        entries, now = parsed.entries, datetime.now(UTC)
        # The platform lookup first, outside any write (Slack answers some 50 a minute).
        found: dict[str, Any] = {}
        note = ""
        if lookup and not dry_run and entries:
            async with database.read_unit_of_work() as uow:
                stored = await roster.store(uow, ref).all_rows()
            asked = [e for e in entries if e.id not in stored or not stored[e.id].joined]
            if asked:
                hits, note = await _look_up(ctx, ref, [(e.email, e.handle) for e in asked], progress)
                found = {asked[i].id: user for i, user in hits.items()}
        progress(f"merging {len(entries)} row(s) into the roster of {ref}", done=0, total=len(entries))
        async with database.unit_of_work() as uow:
            rows = roster.store(uow, ref)
            merged = await roster.merge(rows, entries, now=now)
            matched = await _apply_found(rows, merged, found, now)
            if dry_run:
                return _Imported(ref, loaded, parsed, merged, warning=warning)
            written = await rows.flush()
            if any(row.pending for row in merged.rows.values()):
                await roster.request_reconcile(uow, ref, await settle_from(database, ref, ctx.console_start))
            await uow.commit()
        progress(f"wrote {written} roster document(s)", done=len(entries), total=len(entries))
        return _Imported(ref, loaded, parsed, merged, matched, note, warning)
    finally:
        await database.dispose()


async def _apply_found(
    rows: roster.RosterStore, merged: roster.Merged, found: dict[str, Any], now: datetime
) -> int:
    """Record the members the lookup found (one row per member); how many."""
    if not found:
        return 0
    taken = {row.member for row in (await rows.all_rows()).values() if row.member}
    matched = 0
    for rid, user in found.items():
        row = merged.rows.get(rid)
        if row is None or row.joined or user.id in taken:
            continue
        row = row.model_copy(
            update={"member": user.id, "joined_at": now, "matched_by": "lookup", "pending": True}
        )
        await rows.put(rid, row)
        merged.rows[rid] = row
        taken.add(user.id)
        matched += 1
    return matched


def _warnings(loaded: LoadedPlaybook, entries: Sequence[roster.Entry]) -> list[str]:
    from cohortbot.playbook.steps.cohorts import api as cohorts
    from cohortbot.playbook.steps.roster import api as roster

    notes = []
    if not loaded.enabled(roster.STEP_NAME):
        notes.append(
            f"playbook {loaded.name!r} has no steps.roster section (or it is off): the rows are "
            "stored, but nobody is matched until it is on"
        )
    named = {e.cohort for e in entries if e.cohort}
    notes += [
        f"cohort {cal.name} has members.roster: false: its rows are stored, but the roster "
        "enrols nobody in it until it is true"
        for cal in cohorts.calendars(loaded)
        if cal.name in named and not cal.cohort.members.roster
    ]
    return notes


def _report(done: _Imported, file: Path, *, dry_run: bool) -> int:
    """Print the problems and the summary; how many rows were left out."""
    parsed, merged = done.parsed, done.merged
    for problem in [*parsed.problems, *merged.problems]:
        typer.echo(f"error: {_plain(str(file))} {_plain(str(problem))}", err=True)
    for note in [*([done.warning] if done.warning else []), *_warnings(done.loaded, parsed.entries)]:
        typer.echo(f"warning: {note}", err=True)
    if parsed.ignored:
        typer.echo(f"note: ignored column(s): {', '.join(_plain(c) for c in parsed.ignored)}")
    counts = (
        f"{len(merged.added)} added, {len(merged.updated)} updated, {len(merged.unchanged)} unchanged, "
        f"{merged.kept} not in this file (kept)"
    )
    where = f"the roster of {done.community} (playbook {done.loaded.name!r})"
    if dry_run:
        typer.echo(f"Dry run, nothing written: {parsed.rows} row(s) read; {where} would get {counts}.")
    else:
        typer.echo(f"Imported {_plain(file.name)} into {where}: {counts}.")
    if done.found:
        typer.echo(f"{done.found} already in the community: matched (the bot enrols them in their cohorts).")
    if done.lookup_note:
        typer.echo(done.lookup_note)
    bad = len({p.row for p in [*parsed.problems, *merged.problems]})
    if bad:
        typer.echo(f"{bad} row(s) with errors left out: fix them and import the file again.", err=True)
    return bad


@roster_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV with a header row: name, email, handle and cohort (optional).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file, say what would change, write nothing.")
    ] = False,
    codes_out: Annotated[
        Path | None,
        typer.Option("--codes-out", help="Write the file's rows with their join codes to this CSV."),
    ] = None,
    lookup: Annotated[
        bool, typer.Option("--lookup/--no-lookup", help="Look the people up among the platform's members.")
    ] = True,
    playbook: PlaybookOption = None,
    community: CommunityOption = None,
) -> None:
    """Import the roster from a CSV: new rows are added, known emails updated, nothing duplicated.

    Every malformed row is reported with its row number (the header is row 1) and column; the
    other rows are imported all the same (exit code 2 says some were left out)."""
    from cohortbot.playbook.steps.roster import api as roster

    ctx = context(playbook)
    try:
        data = _read(file)
        with progress_on(sys.stderr) as progress:
            progress(f"reading {file}")
            done = asyncio.run(
                _import(ctx, data, community=community, dry_run=dry_run, lookup=lookup, progress=progress)
            )
    except roster.RosterFileError as exc:
        raise _fail(f"{_plain(str(file))}: {exc}") from None
    except RosterInputError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:
        raise _fail(f"roster import failed: {exc}", FAILURE) from None
    bad = _report(done, file, dry_run=dry_run)
    if codes_out is not None and dry_run:
        typer.echo(f"note: a dry run writes no codes; {codes_out} not written")
    elif codes_out is not None:
        write_codes(codes_out, list(done.merged.rows.values()))
        typer.echo(f"join codes of {len(done.merged.rows)} row(s) written to {codes_out}")
    raise typer.Exit(BAD_INPUT if bad else 0)


# ---------------------------------------------------------------------------- list and remove


def _line(row: roster.Row, *, codes: bool) -> str:
    handle = f" @{row.handle.removeprefix('@')}" if row.handle else ""
    cohort = f" [{row.cohort}]" if row.cohort else ""
    state = f"joined {row.joined_at.date().isoformat()} ({row.matched_by})" if row.joined_at else "not yet"
    code = f"  code {row.code}" if codes and not row.joined else ""
    return _plain(f"{row.name} <{row.email}>{handle}{cohort}: {state}{code}")


async def _rows(ctx: Context, community: str | None) -> tuple[CommunityRef, list[roster.Row]]:
    from cohortbot.playbook.steps.roster import api as roster

    database = await open_database(ctx.database_url, community)
    try:
        ref, _loaded = choose_community(ctx.playbooks, await known(database), community)
        async with database.read_unit_of_work() as uow:
            rows = await roster.store(uow, ref).all_rows()
    finally:
        await database.dispose()
    return ref, sorted(rows.values(), key=lambda r: (r.cohort, r.name.casefold(), r.email.lower()))


@roster_app.command("list")
def list_(
    codes: Annotated[
        bool, typer.Option("--codes", help="Show the join codes of who hasn't joined yet.")
    ] = False,
    missing: Annotated[bool, typer.Option("--missing", help="Only who hasn't joined yet.")] = False,
    playbook: PlaybookOption = None,
    community: CommunityOption = None,
) -> None:
    """The roster: each person, their cohort, and whether (and how) they joined."""
    ctx = context(playbook)
    try:
        ref, rows = asyncio.run(_rows(ctx, community))
    except RosterInputError as exc:
        raise _fail(str(exc)) from None
    joined = sum(1 for row in rows if row.joined)
    typer.echo(f"{ref}: {len(rows)} on the roster, {joined} joined, {len(rows) - joined} not yet")
    for row in rows:
        if not (missing and row.joined):
            typer.echo(f"  {_line(row, codes=codes)}")


async def _remove(ctx: Context, community: str | None, email: str) -> tuple[CommunityRef, roster.Row | None]:
    from cohortbot.playbook.steps.roster import api as roster

    database = await open_database(ctx.database_url, community)
    try:
        ref, _loaded = choose_community(ctx.playbooks, await known(database), community)
        async with database.unit_of_work() as uow:
            row = await roster.remove(roster.store(uow, ref), uow, ref, email)
            if row is not None and row.member is not None:
                await roster.request_reconcile(uow, ref, await settle_from(database, ref, ctx.console_start))
            await uow.commit()
    finally:
        await database.dispose()
    return ref, row


@roster_app.command("remove")
def remove(
    email: Annotated[str, typer.Argument(help="The person's email, as on the roster (any case).")],
    playbook: PlaybookOption = None,
    community: CommunityOption = None,
) -> None:
    """Delete a person's row (someone who should not be on the roster): name, email, code.

    A member it matched stays in the community; the bot takes them out of the cohort the
    roster put them in."""
    from cohortbot.playbook.steps.roster import api as roster

    if len(email) > roster.CELL_LIMITS["email"]:
        raise _fail("that is not an email address (too long)")
    ctx = context(playbook)
    try:
        ref, row = asyncio.run(_remove(ctx, community, email))
    except RosterInputError as exc:
        raise _fail(str(exc)) from None
    if row is None:
        raise _fail(f"no roster row for {_plain(email)!r} in {ref} (`cohortbot roster list` shows them)")
    typer.echo(f"Removed {_plain(row.name)} <{_plain(row.email)}> from the roster of {ref}.")
    if row.member is not None and row.enrolled:
        typer.echo(f"They stay a member of the community; the bot takes them out of cohort {row.enrolled}.")


def register(app: typer.Typer) -> None:
    """Add ``roster import|list|remove`` to the ``cohortbot`` command."""
    app.add_typer(roster_app, name="roster")
