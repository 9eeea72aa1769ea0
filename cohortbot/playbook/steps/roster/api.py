"""What other steps and ``bot/`` may use of the roster step.

- :func:`roster_counts`: rows, joined, per cohort (the health report's goals can count joins).
- :func:`is_join_code`: whether a DM to the bot is a join code the roster step answers (the
  welcome step does not pass those on to the moderators).
- For the import CLI (``bot/roster_cli.py``): :func:`parse_roster` and :func:`merge` (the
  file and how it merges), :class:`RosterStore` (the rows), :func:`remove` and
  :func:`request_reconcile` (the step settles, in the bot, what the CLI changed: Enrol and
  Unenrol are the step's to publish).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cohortbot.playbook.ports import Member, Timer, UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore, LoadedPlaybook
from cohortbot.playbook.steps.roster.codes import looks_like_code
from cohortbot.playbook.steps.roster.config import RosterConfig
from cohortbot.playbook.steps.roster.importing import (
    CELL_LIMITS,
    MAX_BYTES,
    MAX_ROWS,
    Entry,
    Merged,
    Parsed,
    Problem,
    RosterFileError,
    merge,
    parse_roster,
)
from cohortbot.playbook.steps.roster.matching import Reconcile
from cohortbot.playbook.steps.roster.model import STEP_NAME, Pending, Row, normal_email, row_id
from cohortbot.playbook.steps.roster.store import RosterStore

__all__ = [
    "CELL_LIMITS",
    "MAX_BYTES",
    "MAX_ROWS",
    "STEP_NAME",
    "Entry",
    "Merged",
    "Parsed",
    "Problem",
    "RosterConfig",
    "RosterCounts",
    "RosterFileError",
    "RosterStore",
    "Row",
    "is_join_code",
    "merge",
    "normal_email",
    "parse_roster",
    "remove",
    "request_reconcile",
    "roster_counts",
    "row_id",
    "store",
]


@dataclass(frozen=True, slots=True)
class RosterCounts:
    rows: int = 0
    joined: int = 0
    by_cohort: dict[str, tuple[int, int]] = field(default_factory=dict)  # cohort -> (rows, joined); "": none


def store(uow: UnitOfWork, community: CommunityRef) -> RosterStore:
    return RosterStore(DocumentStore(uow.state, community, STEP_NAME))


async def roster_counts(
    uow: UnitOfWork, community: CommunityRef, *, until: datetime | None = None
) -> RosterCounts:
    """How many are on the roster and how many of them joined (``until``: joined by then)."""
    rows = (await store(uow, community).all_rows()).values()
    by_cohort: dict[str, tuple[int, int]] = {}
    joined = 0
    for row in rows:
        came = row.joined_at is not None and (until is None or row.joined_at <= until)
        total, done = by_cohort.get(row.cohort, (0, 0))
        by_cohort[row.cohort] = (total + 1, done + came)
        joined += came
    return RosterCounts(rows=len(rows), joined=joined, by_cohort=by_cohort)


async def is_join_code(uow: UnitOfWork, loaded: LoadedPlaybook, member: Member, text: str) -> bool:
    """Whether the roster step answers ``text``, a DM from ``member``, as a join code."""
    cfg = loaded.steps.get(STEP_NAME)
    return isinstance(cfg, RosterConfig) and cfg.enabled and cfg.read_dms and looks_like_code(text)


async def remove(roster: RosterStore, uow: UnitOfWork, community: CommunityRef, email: str) -> Row | None:
    """Delete the row of ``email`` (flushed); a matched member leaves the cohort the roster put
    them in once the bot settles it (:func:`request_reconcile`)."""
    rid = row_id(email)
    row = await roster.remove(rid)
    if row is None:
        return None
    await roster.flush()
    if row.member is not None:
        docs = DocumentStore(uow.state, community, STEP_NAME)
        pending = await docs.load(Pending)
        pending.removed.append((row.member, row.enrolled or ""))
        await docs.store(pending)
    return row


async def request_reconcile(uow: UnitOfWork, community: CommunityRef, due_at: datetime) -> None:
    """Have the bot's roster step settle the rows changed outside it, from ``due_at`` on."""
    kind = f"{STEP_NAME}.{Reconcile.__name__}"
    await uow.timers.set(Timer(key=f"{kind}:{community}", community=community, due_at=due_at, kind=kind))
