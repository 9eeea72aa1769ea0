"""Where the ``cohortbot roster`` commands work: the community (``--community platform:id``,
or the only one the playbooks and the database know), the database, and the moment the bot
is to settle what a command changed (for the console, its simulated clock)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.step import LoadedPlaybook

__all__ = [
    "CONSOLE",
    "Context",
    "RosterInputError",
    "choose_community",
    "context",
    "known",
    "open_database",
    "settle_from",
    "unheard_of",
]

CONSOLE = CommunityRef(Platform.CONSOLE, "local", "console community")


class RosterInputError(ValueError):
    """Bad input (exit 2): an unknown community, an unreadable file."""


def _named(spec: str) -> CommunityRef | None:
    """``discord:123`` -> its ref; ``console`` (or ``console:local``) -> the console's."""
    platform, _, ident = spec.strip().partition(":")
    if platform == Platform.CONSOLE and ident in ("", CONSOLE.id):
        return CONSOLE
    return CommunityRef(Platform(platform), ident) if platform and ident else None


def _wanted(wanted: str | None) -> CommunityRef | None:
    """``--community`` as a ref (None: not given); :class:`RosterInputError` if unreadable."""
    ref = _named(wanted) if wanted is not None else None
    if wanted is not None and ref is None:
        raise RosterInputError(
            f"--community {wanted[:60]!r}: write platform:id, e.g. discord:1234 or console"
        )
    return ref


def _candidates(playbooks: PlaybookSet, known: Sequence[CommunityRef]) -> list[CommunityRef]:
    """The communities the playbooks name and the database knows, each with a playbook."""
    named = [_named(spec) for p in playbooks.playbooks for spec in p.community.communities]
    found = dict.fromkeys([*(r for r in named if r is not None), *known])
    return [ref for ref in found if playbooks.for_community(ref) is not None]


def unheard_of(playbooks: PlaybookSet, known: Sequence[CommunityRef], ref: CommunityRef) -> str:
    """A warning when neither the database nor a playbook knows ``ref`` (a mistyped id?)."""
    candidates = _candidates(playbooks, known)
    if ref in candidates:
        return ""
    seen = ", ".join(str(c) for c in candidates) or "none yet"
    return f"the bot has not seen {ref} and no playbook names it: is the id right? (known: {seen})"


def choose_community(
    playbooks: PlaybookSet, known: Sequence[CommunityRef], wanted: str | None
) -> tuple[CommunityRef, LoadedPlaybook]:
    """The community to work on, and its playbook; :class:`RosterInputError` if unclear."""
    ref = _wanted(wanted)
    if ref is not None:
        candidates = [ref]
    else:
        candidates = _candidates(playbooks, known)
        if len(candidates) != 1:
            seen = ", ".join(str(ref) for ref in candidates) or "none yet"
            raise RosterInputError(f"which community? pass --community platform:id (known: {seen})")
    loaded = playbooks.for_community(candidates[0])
    if loaded is None:
        raise RosterInputError(f"no playbook runs {candidates[0]}: add it to a playbook's communities")
    return candidates[0], loaded


async def known(database: Any) -> list[CommunityRef]:
    async with database.read_unit_of_work() as uow:
        return [ref for ref, _playbook in await uow.communities.list()]


async def settle_from(database: Any, community: CommunityRef, start: datetime | None) -> datetime:
    """When the bot should settle what this command changed: now, or for the console (whose
    clock is simulated) no later than the moment it starts or resumes at."""
    now = datetime.now(UTC)
    if community != CONSOLE:
        return now
    from cohortbot.bot.console_state import CLOCK_KEY

    async with database.read_unit_of_work() as uow:
        stored = await uow.state.get(community, CLOCK_KEY)
    moments = [
        now,
        *([start] if start else []),
        *([datetime.fromisoformat(stored)] if isinstance(stored, str) else []),
    ]
    return min(moments)


@dataclass(frozen=True)
class Context:
    database_url: str
    playbooks: PlaybookSet
    console_start: datetime | None
    platforms: Any


def context(playbook: list[Path] | None) -> Context:
    from cohortbot.adapters.console.settings import ConsoleSettings
    from cohortbot.bot import cli

    settings, platforms, playbooks = cli._preflight(playbook or [])
    console = platforms.get(Platform.CONSOLE)
    start = console.start if isinstance(console, ConsoleSettings) else None
    return Context(settings.database_url, playbooks, start, platforms)


async def open_database(url: str, wanted: str | None, *, create: bool = False) -> Any:
    """The database (created or brought up to date with ``create``; else it must exist)."""
    from cohortbot.storage.database import Database

    _wanted(wanted)  # a --community that is no community is refused before anything is read
    database = Database(url)
    if create:
        await database.upgrade()
    elif await database.current_revision() is None:
        await database.dispose()
        raise RosterInputError(
            f"no cohortbot database at {database.safe_url} yet: import a roster first "
            "(or set COHORTBOT_DATABASE_URL)"
        )
    return database
