"""``cohortbot setup``, ``doctor`` and ``init``: registered on the CLI by :func:`register`.

Each talks to the platforms whose token is set through their admin sessions (REST only, no
gateway; ``adapters/workspace.py``), so it runs beside a running bot. Tokens never appear in
what they print: errors are the sessions' own sentences.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic_settings import BaseSettings

from cohortbot.adapters.workspace import AdminError, AdminSession, CommunityInfo
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.refs import CommunityRef, Platform

__all__ = ["register", "sessions_for"]

BAD_INPUT, FAILURE = 2, 1
_TITLES = {"discord": "Discord", "slack": "Slack"}


def sessions_for(platforms: dict[Platform, BaseSettings]) -> list[AdminSession]:
    """An admin session for each platform whose token is set."""
    from cohortbot.adapters.discord.settings import DiscordSettings
    from cohortbot.adapters.slack.settings import SlackSettings

    found: list[AdminSession] = []
    discord = platforms.get(Platform.DISCORD)
    if isinstance(discord, DiscordSettings) and discord.token is not None:
        from cohortbot.adapters.discord.adapter import DiscordConfig
        from cohortbot.adapters.discord.admin import DiscordAdmin

        config = DiscordConfig(token=discord.token.get_secret_value(), api_base_url=discord.api_base_url)
        found.append(DiscordAdmin(config))
    slack = platforms.get(Platform.SLACK)
    if isinstance(slack, SlackSettings) and slack.bot_token is not None:
        from cohortbot.adapters.slack.admin import SlackAdmin

        found.append(SlackAdmin(slack.bot_token.get_secret_value(), api_url=slack.api_url))
    return found


def _plain(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _title(community: CommunityInfo) -> str:
    kind = "server" if community.platform == "discord" else "workspace"
    return (
        f"{_TITLES.get(community.platform, community.platform)} {kind} {_plain(community.name)} ({community})"
    )


# ---------------------------------------------------------------------------- setup


async def _setup(
    sessions: Sequence[AdminSession], playbooks: PlaybookSet, *, dry_run: bool, only: str | None
) -> int:
    from cohortbot.bot.setup import apply, needs_of, plan

    failed = planned = 0
    seen = False
    for session in sessions:
        try:
            await session.open()
            for community in await session.communities():
                if only is not None and str(community) != only:
                    continue
                seen = True
                loaded = playbooks.for_community(
                    CommunityRef(Platform(community.platform), community.id, community.name)
                )
                if loaded is None:
                    typer.echo(
                        f"{_title(community)}: skipped, no playbook runs it "
                        f"(add '{community}' to a playbook's communities; `cohortbot doctor` checks)"
                    )
                    continue
                typer.echo(f"{_title(community)}, playbook {loaded.name!r} ({loaded.source}):")
                workspace = await session.workspace(community)
                needs = needs_of(loaded, community.platform)
                steps = await plan(needs, workspace)
                if steps.present:
                    typer.echo("  exists: " + ", ".join(_plain(p) for p in steps.present))
                for note in steps.notes:
                    typer.echo(f"  note: {_plain(note)}")
                planned += len(steps.changes)
                if dry_run:
                    for change in steps.changes:
                        typer.echo(f"  would {_plain(str(change))}")
                    continue
                try:
                    for line in await apply(needs, steps.changes, workspace):
                        typer.echo(f"  {_plain(line)}")
                except AdminError as exc:
                    typer.echo(f"error: {exc}", err=True)
                    failed += 1
        except AdminError as exc:
            typer.echo(f"error: {_TITLES.get(session.platform, session.platform)}: {exc}", err=True)
            failed += 1
        finally:
            await session.close()
    if only is not None and not seen and not failed:
        typer.echo(f"error: the bot is not in {only}", err=True)
        return BAD_INPUT
    if dry_run:
        typer.echo(
            f"Dry run: {planned} change(s) planned, nothing changed."
            + (" Run `cohortbot setup` to make them." if planned else "")
        )
    elif failed:
        typer.echo(f"Setup stopped: {failed} problem(s); fix them and run it again.", err=True)
    else:
        typer.echo(
            f"Setup done: {planned} change(s)."
            if planned
            else "Nothing to do: everything the playbook names exists."
        )
    return FAILURE if failed else 0


def setup(
    playbook: Annotated[
        list[Path] | None,
        typer.Option("--playbook", "-p", help="Playbook YAML file or folder (repeatable), as for `run`."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")] = False,
    community: Annotated[
        str | None, typer.Option(help="Only this server or workspace, as platform:id (e.g. discord:1234).")
    ] = None,
) -> None:
    """Create the channels, roles or user groups the playbook names that are missing.

    With the right permissions (the moderators' channel private, welcome and announcements
    read-only for members where the platform allows), new Discord channels in a category named
    after the community; joins the public Slack channels the playbook uses; posts and pins the
    guidelines. Running it twice changes nothing."""
    from cohortbot.bot import cli

    _settings, platforms, playbooks = cli._preflight(playbook or [])
    sessions = sessions_for(platforms)
    if not sessions:
        typer.echo(
            "error: setup needs DISCORD_TOKEN or SLACK_BOT_TOKEN (the console has nothing to set up)",
            err=True,
        )
        raise typer.Exit(BAD_INPUT)
    code = asyncio.run(_setup(sessions, playbooks, dry_run=dry_run, only=community))
    raise typer.Exit(code)


# ---------------------------------------------------------------------------- doctor


async def _doctor(
    database_url: str | None, sessions: Sequence[AdminSession], playbooks: PlaybookSet | None
) -> list[Any]:
    from cohortbot.adapters.workspace import Finding
    from cohortbot.bot.doctor import Section, check_database, check_platform

    sections: list[Section] = []
    if database_url is not None:
        sections.append(Section("Database", await check_database(database_url)))
    if not sessions:
        sections.append(
            Section(
                "Platforms",
                [Finding(True, "no Discord or Slack token is set: `cohortbot run` starts the console")],
            )
        )
    for session in sessions:
        sections.append(
            await check_platform(_TITLES.get(session.platform, session.platform), session, playbooks)
        )
    return sections


def doctor(
    playbook: Annotated[
        list[Path] | None,
        typer.Option("--playbook", "-p", help="Playbook YAML file or folder (repeatable), as for `run`."),
    ] = None,
) -> None:
    """Check everything the bot needs, with the fix for each problem.

    Settings, playbooks, the database, the tokens, Discord's intents and the bot's permissions,
    Slack's scopes and channel membership, a playbook for every server or workspace the bot is
    in. Exit 0 when all is well, 1 otherwise."""
    from cohortbot.adapters import registry
    from cohortbot.adapters.workspace import Finding
    from cohortbot.bot import cli
    from cohortbot.bot.bootstrap import default_playbook_path
    from cohortbot.bot.doctor import Section, render
    from cohortbot.config.playbook import check_playbooks

    core, platforms, problems = cli._read_settings()
    paths = list(playbook or []) or [core.playbook if core and core.playbook else default_playbook_path()]
    checked = check_playbooks(paths, platforms=[spec.name for spec in registry.PLATFORMS])
    first = Section("Settings and playbooks", [Finding(False, p) for p in problems])
    first.findings += [Finding(False, str(issue)) for issue in checked.issues]
    if checked.playbooks is not None:
        names = ", ".join(f"{p.name!r}" for p in checked.playbooks.playbooks)
        first.findings.append(Finding(True, f"the playbooks are valid ({names})"))
    if not problems:
        first.findings.insert(0, Finding(True, "the settings are valid"))
    sections = asyncio.run(
        _doctor(core.database_url if core else None, sessions_for(platforms), checked.playbooks)
    )
    if core is not None:
        from cohortbot.bot.calendar_links import feed_problems

        findings = [Finding(ok, what, fix) for ok, what, fix in feed_problems(core)]
        sections.append(Section("Calendar feed", findings))
    lines = render([first, *sections])
    for line in lines:
        typer.echo(line)
    raise typer.Exit(0 if lines[-1] == "All checks passed." else FAILURE)


def register(app: typer.Typer) -> None:
    """Add ``setup``, ``doctor`` and ``init`` to the ``cohortbot`` command."""
    from cohortbot.bot.starter import init

    app.command()(setup)
    app.command()(doctor)
    app.command()(init)
