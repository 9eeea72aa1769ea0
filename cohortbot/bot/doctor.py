"""``cohortbot doctor``: every check, in plain words, with the fix for each that fails.

The settings and playbooks (as ``check``), the database (reachable, migrated), then for each
platform whose token is set: the token, what the platform says of the application (Discord's
privileged intents, Slack's scopes), a playbook for every server or workspace the bot is in
(and the bot in every one a playbook names), and in each: the channels the playbook uses, the
bot's permissions and membership there, its role above the roles it grants. Platform details
come from the adapters' admin sessions (``adapters/workspace.py``); nothing here talks to a
platform or changes anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

from cohortbot.adapters.workspace import AdminError, AdminSession, CommunityInfo, Finding
from cohortbot.bot.setup import needs_of
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.step import LoadedPlaybook

__all__ = ["Section", "check_community", "check_database", "check_platform", "render"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Section:
    title: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)


async def check_database(url: str) -> list[Finding]:
    """Reachable and migrated; a SQLite file that does not exist yet is created by ``run``."""
    from cohortbot.storage.database import Database

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        file = Path(str(parsed.database))
        if not file.exists():  # noqa: ASYNC240  (one stat, before any connection)
            return [Finding(True, f"the database {file} does not exist yet: `cohortbot run` creates it")]
    where = parsed.render_as_string(hide_password=True)
    database = Database(url)
    try:
        try:
            current = await database.current_revision()
        except Exception as exc:
            log.debug("database unreachable", exc_info=True)
            return [
                Finding(
                    False,
                    f"the database is reachable ({where})",
                    f"{type(exc).__name__}: check COHORTBOT_DATABASE_URL and that the server runs",
                )
            ]
        pending = _pending(current)
        return [
            Finding(True, f"the database is reachable ({where})"),
            Finding(
                not pending,
                "the database is migrated",
                f"{len(pending)} migration(s) to apply: run `cohortbot db upgrade` (`run` also does it)",
            ),
        ]
    finally:
        await database.dispose()


def _pending(current: str | None) -> list[str]:
    from alembic.script import ScriptDirectory

    from cohortbot.storage.database import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return [step.revision for step in script.iterate_revisions("heads", current)]


def _named(playbooks: PlaybookSet, platform: str) -> dict[str, str]:
    """{server/workspace id: playbook file} of the communities the playbooks name on ``platform``."""
    named: dict[str, str] = {}
    for loaded in playbooks.playbooks:
        for spec in loaded.community.communities:
            kind, _, ident = spec.partition(":")
            if kind == platform and ident:
                named.setdefault(ident, loaded.source)
    return named


async def check_platform(title: str, session: AdminSession, playbooks: PlaybookSet | None) -> Section:
    """One platform: its token, its application, its communities against the playbooks."""
    section = Section(title)
    try:
        await session.open()
    except AdminError as exc:
        section.findings.append(Finding(False, f"the {title} token is valid", str(exc)))
        return section
    try:
        section.findings.append(Finding(True, f"the {title} token is valid"))
        section.findings += await session.findings()
        communities = await session.communities()
        if not communities:
            section.findings.append(
                Finding(False, f"the bot is in a {title} community", _invite_hint(session.platform))
            )
        if playbooks is not None:
            await _check_communities(section, session, communities, playbooks)
    except AdminError as exc:
        section.findings.append(Finding(False, f"{title} answers the checks", str(exc)))
    finally:
        await session.close()
    return section


async def _check_communities(
    section: Section, session: AdminSession, communities: Sequence[CommunityInfo], playbooks: PlaybookSet
) -> None:
    platform = session.platform
    present = {c.id for c in communities}
    for ident, source in _named(playbooks, platform).items():
        if ident not in present:
            section.findings.append(
                Finding(
                    False,
                    f"the bot is in {platform}:{ident}, named by {source}",
                    f"the id is wrong, or the bot was not added there: {_invite_hint(platform)}",
                )
            )
    for community in communities:
        loaded = playbooks.for_community(CommunityRef(Platform(platform), community.id, community.name))
        section.findings.append(
            Finding(
                loaded is not None,
                f"a playbook runs {community.name} ({community})",
                f"no playbook names it, so the bot ignores every event there, even /cohort help: add "
                f"'{community}' to `communities:` of a playbook, or make one `default: true`",
            )
        )
        if loaded is None:
            continue
        workspace = await session.workspace(community)
        section.findings += await workspace.findings(needs_of(loaded, platform))


async def check_community(
    session: AdminSession, community: CommunityInfo, loaded: LoadedPlaybook
) -> list[Finding]:
    """What ``doctor`` checks of one community ``loaded`` runs (``/cohort status`` shows it):
    what the platform says of the application (intents, scopes), the bot's presence there, and
    its channels, permissions and roles against the playbook. ``session`` is open."""
    findings = list(await session.findings())
    if community.id not in {c.id for c in await session.communities()}:
        findings.append(
            Finding(False, f"the bot's token reaches {community}", _invite_hint(session.platform))
        )
        return findings
    workspace = await session.workspace(community)
    findings += await workspace.findings(needs_of(loaded, session.platform))
    return findings


def _invite_hint(platform: str) -> str:
    if platform == "discord":
        return (
            "invite it with the OAuth2 URL Generator (Developer Portal -> OAuth2, scopes bot and "
            "applications.commands)"
        )
    return "install the app to the workspace (api.slack.com/apps -> Install App)"


def render(sections: Sequence[Section], *, color: bool = False) -> list[str]:
    """The report as lines: one per check, its fix indented under it."""
    lines: list[str] = []
    for section in sections:
        lines.append(f"{section.title}:")
        for finding in section.findings:
            mark = "ok  " if finding.ok else "FAIL"
            lines.append(f"  {mark} {_plain(finding.check)}")
            if not finding.ok and finding.fix:
                lines.append(f"       fix: {_plain(finding.fix)}")
    failed = sum(not f.ok for s in sections for f in s.findings)
    lines.append("All checks passed." if not failed else f"{failed} check(s) failed.")
    return lines


def _plain(text: str) -> str:
    """Names come from the platform (a server named with terminal escapes prints as text)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
