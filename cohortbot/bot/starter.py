"""``cohortbot init``: a starter playbook for your community, checked as ``check`` would.

The example playbook with your community's name, time zone and ``communities:``: on Discord or
Slack, with the token set, the servers or workspaces the bot is in are listed and the one picked
(or each, with ``--yes``) is filled in. Asks for what the flags do not give when run in a
terminal; ``--yes`` takes the defaults.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from cohortbot.adapters.workspace import AdminError, CommunityInfo

__all__ = ["init", "starter_playbook"]

BAD_INPUT, FAILURE = 2, 1
PLATFORMS = ("discord", "slack", "console")


def starter_playbook(example: str, *, name: str, timezone: str, communities: list[str]) -> str:
    """The example playbook's text with these values (JSON strings are YAML strings: any name is safe)."""
    on_console = communities == ["console"]
    replacements = [
        (r"^name: .*$", f"name: {json.dumps(name)}"),
        (r"^communities: .*$", f"communities: {json.dumps(communities)}"),
        (r"^community_name: .*$", f"community_name: {json.dumps(name)}"),
        (r"^timezone: .*$", f"timezone: {timezone}"),
    ]
    if not on_console:  # console names mean nothing on a platform: moderators by role and admins
        replacements.append(
            (r"^  users: \[facilitator\].*$", '  users: []                     # ids, e.g. "discord:1234"')
        )
    text = example
    for pattern, value in replacements:
        text, count = re.subn(pattern, value.replace("\\", "\\\\"), text, count=1, flags=re.MULTILINE)
        if not count:
            raise RuntimeError(f"the example playbook has no line matching {pattern!r}")
    header = (
        f"# The playbook of {name}, written by `cohortbot init` from the example playbook.\n"
        "# Change what you like, then `cohortbot check` it; `cohortbot doctor` and `cohortbot setup`\n"
        "# check and create the channels and roles it names.\n"
    )
    return header + text.split("\n", 1)[1]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(
            f"unknown time zone {value[:60]!r}; use an IANA name such as Europe/Berlin or America/New_York"
        ) from None
    return value


async def _list_communities(platform: str) -> list[CommunityInfo]:
    from cohortbot.bot import cli
    from cohortbot.bot.admin_cli import sessions_for

    _core, platforms, _problems = cli._read_settings()
    for session in sessions_for(platforms):
        if session.platform != platform:
            continue
        try:
            await session.open()
            return await session.communities()
        finally:
            await session.close()
    return []


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the playbook.")] = Path("playbook.yaml"),
    name: Annotated[str | None, typer.Option(help="Your community's name.")] = None,
    timezone: Annotated[str | None, typer.Option(help="Its time zone, e.g. Europe/Berlin.")] = None,
    platform: Annotated[str | None, typer.Option(help="discord, slack or console.")] = None,
    community: Annotated[
        list[str] | None,
        typer.Option(
            help="The Discord server id or Slack team id (repeatable). Default: listed with the token."
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Ask nothing: defaults for what is not given.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Overwrite the file if it exists.")] = False,
) -> None:
    """Write a starter playbook for your community and validate it as `check` does.

    Asks for (or takes) the name, time zone and platform; with a token set, lists the servers or
    workspaces the bot is in and fills `communities:` with their ids."""
    from cohortbot.adapters import registry
    from cohortbot.bot import cli
    from cohortbot.bot.bootstrap import default_playbook_path
    from cohortbot.config.playbook import check_playbooks

    if path.exists() and not force:
        typer.echo(f"error: {path} exists; pass --force to overwrite it, or name another file", err=True)
        raise typer.Exit(BAD_INPUT)
    ask = not yes and sys.stdin.isatty()
    _core, platforms, _problems = cli._read_settings()
    configured = [p for p in ("discord", "slack") if _token_set(platforms, p)]
    default_platform = configured[0] if configured else "console"
    if name is None:
        name = typer.prompt("Community name", default="My cohort") if ask else "My cohort"
    if timezone is None:
        timezone = typer.prompt("Time zone (IANA)", default="UTC", value_proc=_zone) if ask else "UTC"
    timezone = _zone(timezone)
    if platform is None:
        platform = (
            typer.prompt("Platform (discord, slack, console)", default=default_platform)
            if ask
            else default_platform
        )
    platform = platform.strip().lower()
    if platform not in PLATFORMS:
        typer.echo(f"error: --platform {platform[:30]!r} is not one of {', '.join(PLATFORMS)}", err=True)
        raise typer.Exit(BAD_INPUT)
    communities = _communities(platform, list(community or []), ask=ask, configured=platform in configured)
    example = default_playbook_path().read_text(encoding="utf-8")
    path.write_text(starter_playbook(example, name=name, timezone=timezone, communities=communities))
    checked = check_playbooks([path], platforms=[spec.name for spec in registry.PLATFORMS])
    for issue in checked.issues:
        typer.echo(f"error: {issue}", err=True)
    if checked.issues:
        raise typer.Exit(FAILURE)
    typer.echo(f"wrote {path}: playbook {name!r} for {', '.join(communities)}, time zone {timezone}")
    typer.echo(f"ok: `cohortbot check {path}` accepts it")
    if platform != "console":
        typer.echo(
            f"next: cohortbot doctor -p {path}; cohortbot setup -p {path} --dry-run; then setup and run"
        )
    else:
        typer.echo(f"next: cohortbot run --playbook {path}")


def _token_set(platforms: Mapping[Any, object], platform: str) -> bool:
    settings = next((s for p, s in platforms.items() if str(p) == platform), None)
    return getattr(settings, "token", None) is not None or getattr(settings, "bot_token", None) is not None


def _communities(platform: str, given: list[str], *, ask: bool, configured: bool) -> list[str]:
    if platform == "console":
        return ["console"]
    if given:
        return [f"{platform}:{c.removeprefix(platform + ':')}" for c in given]
    if not configured:
        token = "DISCORD_TOKEN" if platform == "discord" else "SLACK_BOT_TOKEN"
        typer.echo(
            f"error: give --community (the {'server' if platform == 'discord' else 'team'} id), or set "
            f"{token} so that init lists where the bot is",
            err=True,
        )
        raise typer.Exit(BAD_INPUT)
    try:
        found = asyncio.run(_list_communities(platform))
    except AdminError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(FAILURE) from None
    if not found:
        typer.echo(
            f"error: the bot is in no {platform} community yet: add it there, or give --community", err=True
        )
        raise typer.Exit(FAILURE)
    for n, c in enumerate(found, 1):
        typer.echo(f"  {n}. {''.join(ch if ch.isprintable() else '?' for ch in c.name)} ({c})")
    if len(found) == 1 or not ask:
        return [str(c) for c in found]
    picked = typer.prompt("Which one (a number, or 'all')", default="all")
    if picked.strip().lower() == "all":
        return [str(c) for c in found]
    if not picked.strip().isdigit() or not 1 <= int(picked) <= len(found):
        typer.echo(f"error: pick 1 to {len(found)} or 'all'", err=True)
        raise typer.Exit(BAD_INPUT)
    return [str(found[int(picked) - 1])]
