"""The ``cohortbot`` command line. Exit codes: 0 ok, 2 bad input, 1 runtime failure."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings

from cohortbot.bot import admin_cli, calendar_cli, roster_cli
from cohortbot.bot.progress import Progress, progress_on
from cohortbot.config.playbook import PlaybookError, check_playbooks
from cohortbot.config.settings import LOG_LEVELS, Settings
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.refs import Platform

__all__ = ["app", "main"]

BAD_INPUT, FAILURE = 2, 1
log = logging.getLogger("cohortbot")

app = typer.Typer(
    help="cohortbot runs the community playbook of an online course on Discord, Slack or the console.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    """``--version``: the installed package's version, then exit."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"cohortbot {version('cohortbot')}")
        except PackageNotFoundError:  # imported from a source tree that was never installed
            typer.echo("cohortbot (not installed: run `make install`)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """cohortbot runs the community playbook of an online course on Discord, Slack or the console."""


def _read_settings() -> tuple[Settings | None, dict[Platform, BaseSettings], list[str]]:
    """The core settings and every registered platform's, and what is wrong with them."""
    from cohortbot.adapters import registry

    errors: list[ErrorDetails] = []
    core: Settings | None = None
    platforms: dict[Platform, BaseSettings] = {}
    try:
        core = Settings()
    except ValidationError as exc:
        errors += exc.errors()
    for spec in registry.PLATFORMS:
        try:
            platforms[spec.name] = spec.load()
        except ValidationError as exc:
            errors += exc.errors()
    # Never echo the input: it may be a token.
    return core, platforms, [_setting_problem(err) for err in errors]


def _setting_problem(err: ErrorDetails) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    where = ".".join(map(str, err["loc"]))
    return f"setting {where}: {message}" if where else f"settings: {message}"


def _refuse(problems: list[str]) -> None:
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        typer.echo(f"{len(problems)} problem(s) found.", err=True)
        raise typer.Exit(BAD_INPUT)


def _settings() -> tuple[Settings, dict[Platform, BaseSettings]]:
    """The core settings and every registered platform's; any bad value is bad input."""
    core, platforms, problems = _read_settings()
    _refuse(problems)
    assert core is not None
    return core, platforms


async def _pending_migrations(database: Any) -> list[str]:
    """The migrations ``database`` lacks, oldest first."""
    from alembic.script import ScriptDirectory

    from cohortbot.storage.database import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    current = await database.current_revision()
    return [step.revision for step in reversed(list(script.iterate_revisions("heads", current)))]


@contextlib.contextmanager
def _long_lived() -> Iterator[None]:
    """What is built inside (settings, playbooks, the engine) lives as long as the process: the
    cyclic garbage collector neither runs while it is built (its full passes over the growing heap
    were a quarter of reading 1,000 playbooks) nor walks it afterwards (a quarter of a second a
    pass with 1,000 playbooks, one of them at exit). Refcounting still frees what is dropped."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _preflight(paths: Sequence[Path]) -> tuple[Settings, dict[Platform, BaseSettings], PlaybookSet]:
    """Everything ``run`` refuses at start, found in one pass: the settings, then every playbook
    (each file read once). ``check`` is this very function, so the two always agree."""
    from cohortbot.adapters import registry

    core, platforms, problems = _read_settings()
    if not paths:
        from cohortbot.bot.bootstrap import default_playbook_path

        configured = core.playbook if core is not None else None
        paths = [configured] if configured else [default_playbook_path()]
    checked = check_playbooks(paths, platforms=[spec.name for spec in registry.PLATFORMS])
    _refuse(problems + [str(issue) for issue in checked.issues])
    assert core is not None and checked.playbooks is not None
    return core, platforms, checked.playbooks


PlaybookOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--playbook",
        "-p",
        help="Playbook YAML file or a folder of them (repeatable). Default: COHORTBOT_PLAYBOOK "
        "or the embedded example playbook.",
    ),
]


LogLevelOption = Annotated[
    str | None,
    typer.Option(
        "--log-level",
        help=f"Log level: {', '.join(LOG_LEVELS)}. Default: COHORTBOT_LOG_LEVEL or INFO.",
        show_default=False,
    ),
]


def _log_level(level: str | None) -> str | None:
    """The ``--log-level`` asked for, upper-cased; an unknown one is bad input."""
    if level is None:
        return None
    name = level.strip().upper()
    if name not in LOG_LEVELS:
        _refuse([f"--log-level {level[:40]!r} is not one of {', '.join(LOG_LEVELS)}"])
    return name


NoConsoleOption = Annotated[
    bool,
    typer.Option(
        "--no-console",
        help="Never fall back to the console community: with no platform token set, exit 2 "
        "saying which to set (the Docker image runs this way).",
    ),
]

NO_PLATFORM = (
    "no platform token is set: set DISCORD_TOKEN and/or SLACK_BOT_TOKEN (in the environment or "
    "in .env; see .env.example). Without --no-console, `cohortbot run` plays the console "
    "community instead."
)


FreshOption = Annotated[
    bool,
    typer.Option(
        "--fresh",
        help="Console only: start the console community over, empty. Deletes its members, messages "
        "and timers from the configured database (COHORTBOT_DATABASE_URL, ./cohortbot.db by default); "
        "Discord and Slack data there is kept. Without it, a second run resumes the community.",
    ),
]


@app.command()
def run(
    playbook: PlaybookOption = None,
    log_level: LogLevelOption = None,
    no_console: NoConsoleOption = False,
    fresh: FreshOption = False,
) -> None:
    """Start the bot: Discord and/or Slack when their tokens are set, else the console."""
    from cohortbot.adapters import registry
    from cohortbot.bot.bootstrap import build_app, endpoint_for, install_logging
    from cohortbot.bot.console_state import console_of

    level = _log_level(log_level)
    # --no-console: the platforms that run only when configured; none configured is bad input.
    specs = [spec for spec in registry.PLATFORMS if not (no_console and spec.fallback)]
    with _long_lived():
        settings, platforms, playbooks = _preflight(playbook or [])
        install_logging(settings, platforms, level=level)
        built = build_app(settings, platform_settings=platforms, platforms=specs, playbooks=playbooks)
    if not built.runtime.adapters:
        _refuse([NO_PLATFORM])
    if fresh and console_of(built) is None:
        _refuse(["--fresh starts the console community over; it does nothing for Discord or Slack"])
    try:
        asyncio.run(_run(built, endpoint_for(built, settings), fresh=fresh, database=settings.database_url))
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        log.debug("fatal", exc_info=True)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(FAILURE) from None


async def _run(built: object, endpoint: object = None, *, fresh: bool = False, database: str = "") -> None:
    from cohortbot.bot import console_state
    from cohortbot.bot.bootstrap import App

    assert isinstance(built, App)
    if endpoint is not None:  # aiohttp's server takes a fifth of a second to import: only when asked for
        from cohortbot.bot.http import Endpoint

        assert isinstance(endpoint, Endpoint)
    try:
        await built.database.upgrade()
        # The console resumes the community stored (saying so), or starts it over (--fresh).
        await console_state.prepare(built, fresh=fresh, source=console_state.database_name(database))
        if endpoint is not None:
            await endpoint.start()   # /metrics and /healthz, from before the adapters connect
        try:
            await built.runtime.run()
            await console_state.remember(built)
        finally:
            if endpoint is not None:
                await endpoint.stop()
    finally:
        await built.database.dispose()


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Playbook files or folders to validate.")],
    log_level: LogLevelOption = None,
) -> None:
    """Validate playbooks and settings as `run` would; print every problem with its file, line and field."""
    from cohortbot.bot.bootstrap import install_logging

    level = _log_level(log_level)
    with _long_lived():
        settings, platforms, playbooks = _preflight(files)
    install_logging(settings, platforms, level=level)
    for loaded in playbooks.playbooks:
        enabled = ", ".join(n for n, c in loaded.steps.items() if c.enabled) or "no steps"
        typer.echo(f"ok: {loaded.source}: playbook {loaded.name!r} ({enabled})")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (also done automatically by `run`)."""
    from cohortbot.storage.database import Database

    settings, _ = _settings()

    async def upgrade(progress: Progress) -> None:
        database = Database(settings.database_url)
        try:
            pending = await _pending_migrations(database)
            for done, revision in enumerate(pending):
                progress(f"applying migration {revision}", done=done, total=len(pending))
                await database.upgrade(revision)
            await database.upgrade()   # nothing left to do, unless the history branches
        finally:
            await database.dispose()

    try:
        with progress_on(sys.stderr, lines=False) as progress:
            asyncio.run(upgrade(progress))
    except Exception as exc:
        typer.echo(f"error: database upgrade failed: {exc}", err=True)
        raise typer.Exit(FAILURE) from None
    typer.echo("database is up to date")


@app.command()
def report(
    since: Annotated[str, typer.Option(help="First day of the report, YYYY-MM-DD (community time zone).")],
    until: Annotated[
        str | None, typer.Option(help="Last day of the report, YYYY-MM-DD (included). Default: today.")
    ] = None,
    format_: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="html, png or csv (repeatable). Default: html."),
    ] = None,
    community: Annotated[
        str | None,
        typer.Option(help="Only this community, as platform:id (e.g. discord:1234). Default: all."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder to write the files to.")] = Path("."),
    playbook: PlaybookOption = None,
    log_level: LogLevelOption = None,
) -> None:
    """Write the community health report to files: HTML with charts, PNG charts, CSV of the metrics."""
    from datetime import date

    from cohortbot.bot.bootstrap import default_playbook_path, install_logging
    from cohortbot.bot.report import FORMATS, ReportInputError, write_reports

    level = _log_level(log_level)

    formats = [f.strip().lower() for item in (format_ or ["html"]) for f in item.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        typer.echo(f"error: unknown format {', '.join(unknown)}; use html, png or csv", err=True)
        raise typer.Exit(BAD_INPUT)
    try:
        first = date.fromisoformat(since)
        last = date.fromisoformat(until) if until else date.today()
    except ValueError as exc:
        typer.echo(f"error: dates are YYYY-MM-DD: {exc}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    settings, platforms = _settings()
    install_logging(settings, platforms, level=level)
    paths = list(playbook or []) or ([settings.playbook] if settings.playbook else [default_playbook_path()])
    try:
        with progress_on(sys.stderr) as progress:
            written = write_reports(
                settings.database_url,
                paths,
                since=first,
                until=last,
                formats=formats,
                out=out,
                community=community,
                progress=progress,
            )
    except PlaybookError as exc:
        for issue in exc.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    except ReportInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    except Exception as exc:
        log.debug("report failed", exc_info=True)
        typer.echo(f"error: report failed: {exc}", err=True)
        raise typer.Exit(FAILURE) from None
    for path in written:
        typer.echo(str(path))


admin_cli.register(app)  # setup, doctor, init (bot/admin_cli.py)
calendar_cli.register(app)  # calendar export, calendar url (bot/calendar_cli.py)
roster_cli.register(app)  # roster import, list, remove (bot/roster_cli.py)


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # never a traceback for the user
        typer.echo(f"error: {exc}", err=True)
        sys.exit(FAILURE)


if __name__ == "__main__":
    main()
