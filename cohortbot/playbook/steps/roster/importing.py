"""Reading a roster CSV and merging it into the stored roster. Pure: bytes in, rows out.

The file: a header row (``name``, ``email``, optional ``handle`` and ``cohort``, any case, any
order; other columns are ignored and said so), UTF-8 with or without a byte-order mark,
bounded (:data:`MAX_BYTES`, :data:`MAX_ROWS`, :data:`CELL_LIMITS`). Rows are numbered as a
spreadsheet shows them: the header is row 1. Every malformed row is reported with its row
and column and left out; the others are merged: a row is keyed by its lower-cased email, so a
second import updates it (name, handle, cohort) instead of adding it again, and keeps its join
code and match. Rows already stored but not in the file are kept (``roster remove`` removes).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cohortbot.playbook.steps.roster.codes import new_code
from cohortbot.playbook.steps.roster.model import Row, normal_email, normal_handle, row_id
from cohortbot.playbook.steps.roster.store import RosterStore

__all__ = [
    "CELL_LIMITS",
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "Entry",
    "Merged",
    "Parsed",
    "Problem",
    "RosterFileError",
    "merge",
    "parse_roster",
]

MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = ("name", "email", "handle", "cohort")
REQUIRED = ("name", "email")
CELL_LIMITS = {"name": 200, "email": 254, "handle": 100, "cohort": 100}
# One @, no spaces or brackets, a dot in the domain: what a mail server would take, roughly.
EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+$")
HANDLE = re.compile(r"^@?[^\s<>@#:`]+(#\d{4})?$")


class RosterFileError(ValueError):
    """The file as a whole cannot be read (nothing is imported); the message says why."""


@dataclass(frozen=True, slots=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A good row of the file; ``cohort`` is the cohort's name (or "")."""

    row: int
    name: str
    email: str
    handle: str = ""
    cohort: str = ""
    id: str = ""   # the row id (of the lower-cased email)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", row_id(self.email))


@dataclass(slots=True)
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # columns nobody reads
    rows: int = 0  # data rows read (blank lines aside)


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            f"the file is {len(data):,} bytes; a roster file may have {MAX_BYTES:,} at most"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"the file is not UTF-8 (byte {exc.start + 1}); save it as 'CSV UTF-8' and import it again"
        ) from None


def _header(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if name in columns:
            raise RosterFileError(f"the header names column {name!r} twice")
        if name:
            columns[name] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        shown = ", ".join(repr(c.strip()[:40]) for c in cells[:8])
        raise RosterFileError(
            f"the first row must be a header naming the columns name, email (and optionally handle, "
            f"cohort); it has no {' or '.join(missing)} column (found: {shown or 'nothing'})"
        )
    return columns


def _cohort_names(cohorts: Sequence[tuple[str, str]]) -> dict[str, str]:
    """What a cell may say -> the cohort's name: its name or its title, in any case."""
    found: dict[str, str] = {}
    for name, title in cohorts:
        found.setdefault(title.strip().lower(), name)
        found[name.lower()] = name
    return found


def parse_roster(data: bytes, cohorts: Sequence[tuple[str, str]]) -> Parsed:
    """The file's good rows and its problems; ``cohorts``: (name, title) of each cohort.

    Raises :class:`RosterFileError` when the file as a whole cannot be read.
    """
    reader = csv.reader(io.StringIO(_text(data), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise RosterFileError("the file is empty: it needs a header row (name,email,handle,cohort)")
        columns = _header(header)
        parsed = Parsed(ignored=[c for c in columns if c not in COLUMNS])
        known = _cohort_names(cohorts)
        first_row: dict[str, int] = {}  # email -> the row it was first seen on
        handle_row: dict[str, int] = {}
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            parsed.rows += 1
            if parsed.rows > MAX_ROWS:
                raise RosterFileError(
                    f"the file has more than {MAX_ROWS:,} rows; split it into several imports"
                )
            entry = _entry(number, cells, columns, known, cohorts, parsed.problems)
            if entry is None:
                continue
            email = normal_email(entry.email)
            if email in first_row:
                parsed.problems.append(
                    Problem(number, "email", f"{email} is already on row {first_row[email]} of this file")
                )
                continue
            handle = normal_handle(entry.handle)
            if handle and handle in handle_row:
                parsed.problems.append(
                    Problem(
                        number,
                        "handle",
                        f"{entry.handle} is already on row {handle_row[handle]} of this file",
                    )
                )
                continue
            first_row[email] = number
            if handle:
                handle_row[handle] = number
            parsed.entries.append(entry)
    except csv.Error as exc:
        raise RosterFileError(f"row {reader.line_num}: the CSV is malformed ({exc})") from None
    return parsed


def _entry(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    known: dict[str, str],
    cohorts: Sequence[tuple[str, str]],
    problems: list[Problem],
) -> Entry | None:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    found = len(problems)
    values = {column: cell(column) for column in COLUMNS}
    for column, value in values.items():
        if len(value) > CELL_LIMITS[column]:
            problems.append(Problem(number, column, f"longer than {CELL_LIMITS[column]} characters"))
            values[column] = ""
    name, email, handle, cohort = (values[c] for c in COLUMNS)
    if len(problems) == found:
        if not name:
            problems.append(Problem(number, "name", "empty: every row needs the person's name"))
        if not email:
            problems.append(Problem(number, "email", "empty: every row needs an email address"))
        elif not EMAIL.match(email):
            problems.append(Problem(number, "email", f"{email[:60]!r} is not an email address"))
        if handle and not HANDLE.match(handle):
            problems.append(
                Problem(number, "handle", f"{handle[:40]!r} is not a platform handle (no spaces)")
            )
        if cohort and cohort.lower() not in known:
            names = ", ".join(n for n, _ in cohorts)
            where = f"the cohorts are: {names}" if names else "the playbook has no cohorts (steps.cohorts)"
            problems.append(Problem(number, "cohort", f"no cohort named {cohort[:40]!r}; {where}"))
    if len(problems) > found:
        return None
    return Entry(row=number, name=name, email=email, handle=handle, cohort=known.get(cohort.lower(), ""))


@dataclass(slots=True)
class Merged:
    """What an import did (or, in a dry run, would do)."""

    added: list[str] = field(default_factory=list)  # row ids
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: int = 0  # stored rows not in this file
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, Row] = field(default_factory=dict)  # every row of the file, as stored after


async def merge(store: RosterStore, entries: Sequence[Entry], *, now: datetime) -> Merged:
    """Merge the file's rows into ``store`` (not flushed: the caller flushes, or not in a dry run).

    A row whose handle belongs to another stored row (not in this file) is refused.
    """
    stored = await store.all_rows()
    in_file = {entry.id for entry in entries}
    taken = {row.code for row in stored.values()}
    owners = {normal_handle(row.handle): rid for rid, row in stored.items() if row.handle}
    merged = Merged(kept=len(set(stored) - in_file))
    for entry in entries:
        rid = entry.id
        owner = owners.get(normal_handle(entry.handle)) if entry.handle else None
        if owner is not None and owner != rid and owner not in in_file:
            merged.problems.append(
                Problem(entry.row, "handle", f"{entry.handle} is on the roster already, for another email")
            )
            continue
        old = stored.get(rid)
        if old is None:
            code = new_code(taken)
            taken.add(code)
            row = Row(
                name=entry.name,
                email=entry.email,
                handle=entry.handle,
                cohort=entry.cohort,
                code=code,
                added_at=now,
            )
            merged.added.append(rid)
        else:
            changes = {
                "name": entry.name,
                "email": entry.email,
                "handle": entry.handle,
                "cohort": entry.cohort,
            }
            if all(getattr(old, k) == v for k, v in changes.items()):
                merged.unchanged.append(rid)
                merged.rows[rid] = old
                continue
            # A matched member whose cohort changes moves cohorts: the step does it (pending).
            moved = old.joined and old.cohort != entry.cohort
            row = old.model_copy(update={**changes, "pending": old.pending or moved})
            merged.updated.append(rid)
        await store.put(rid, row)
        merged.rows[rid] = row
    return merged
