"""The composition root: the ONLY place that picks concrete adapters, storage and clocks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic_settings import BaseSettings

from cohortbot.adapters import registry
from cohortbot.adapters.base import PlatformAdapter
from cohortbot.adapters.platform import PlatformSpec, Wiring
from cohortbot.adapters.workspace import AdminSession
from cohortbot.bot.calendar_links import links_for
from cohortbot.bot.clock import ManualClock, OffsetClock, SystemClock
from cohortbot.bot.reports_job import ReportsJob
from cohortbot.bot.runtime import Runtime
from cohortbot.bot.scheduler import CronCalendar
from cohortbot.bot.sentiment import VaderSentiment
from cohortbot.bot.setup_job import Sessions, SetupJob
from cohortbot.config.playbook import load_playbooks
from cohortbot.config.settings import Settings, secret_values
from cohortbot.playbook.engine import Engine, PlaybookSet
from cohortbot.playbook.ports import ChartRenderer, Clock, Links
from cohortbot.playbook.refs import Platform
from cohortbot.playbook.step import Step
from cohortbot.playbook.steps import STEPS
from cohortbot.storage.database import Database

if TYPE_CHECKING:
    from cohortbot.bot.http import Endpoint

__all__ = ["App", "build_app", "default_playbook_path", "endpoint_for", "install_logging", "wire"]

log = logging.getLogger("cohortbot")


def default_playbook_path() -> Path:
    """The example playbook shipped inside the package (the embedded default)."""
    return Path(str(resources.files("cohortbot.config") / "examples" / "learning-cohort.yaml"))


@dataclass
class App:
    runtime: Runtime
    database: Database
    playbooks: PlaybookSet


def install_logging(
    settings: Settings,
    platform_settings: Mapping[Platform, BaseSettings] | None = None,
    *,
    platforms: Sequence[PlatformSpec[Any]] | None = None,
    stream: TextIO | None = None,
    level: str | None = None,
) -> None:
    """Log to stderr at ``level`` (else ``COHORTBOT_LOG_LEVEL``), as text or one JSON object per
    line (``COHORTBOT_LOG_FORMAT``), never showing a secret: the SecretStr values of the core
    settings and of every registered platform's settings (read from the environment unless
    given) are replaced in the message, the fields and the traceback."""
    from cohortbot.bot.logs import ContextFilter, JsonFormatter, Redact, TextFormatter

    specs = _registered(platforms)
    loaded = _platform_settings(specs, platform_settings)
    redact = Redact(secret_values(settings) + [s for one in loaded.values() for s in secret_values(one)])
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if settings.log_format == "json" else TextFormatter(redact))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or settings.log_level).upper())
    libraries = [name for spec in specs for name in spec.loggers]
    for noisy in (*libraries, "aiosqlite", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def endpoint_for(app: App, settings: Settings) -> Endpoint | None:
    """The /metrics and /healthz server ``settings`` ask for (COHORTBOT_METRICS_PORT), not started;
    with COHORTBOT_CALENDAR_SECRET it serves the calendar feeds too."""
    links = links_for(settings)
    if settings.metrics_port is None:
        if links is not None:
            log.warning(
                "the calendar feed is not served: COHORTBOT_CALENDAR_SECRET is set but "
                "COHORTBOT_METRICS_PORT is not (the feed is served by the metrics server)"
            )
        return None
    from cohortbot.bot.http import CalendarFeeds, Endpoint

    feeds = None
    if links is not None:
        feeds = CalendarFeeds(app.runtime, links, app.database.read_unit_of_work)
    return Endpoint(
        app.runtime,
        app.database.unit_of_work,
        host=settings.metrics_host,
        port=settings.metrics_port,
        calendar=feeds,
    )


def _registered(platforms: Sequence[PlatformSpec[Any]] | None) -> Sequence[PlatformSpec[Any]]:
    # Read at call time, so a platform added to the registry is seen everywhere.
    return registry.PLATFORMS if platforms is None else platforms


def _platform_settings(
    specs: Sequence[PlatformSpec[Any]], given: Mapping[Platform, BaseSettings] | None
) -> dict[Platform, BaseSettings]:
    given = given or {}
    return {spec.name: given[spec.name] if spec.name in given else spec.load() for spec in specs}


def _choose_adapters(
    specs: Sequence[PlatformSpec[Any]],
    loaded: Mapping[Platform, BaseSettings],
    wiring: Wiring,
    given: Mapping[Platform, PlatformAdapter] | None,
) -> dict[Platform, PlatformAdapter]:
    """The given adapters, else every configured platform's; the fallbacks' when there are none."""

    def build(*, fallback: bool) -> dict[Platform, PlatformAdapter]:
        built = {
            spec.name: spec.build(loaded[spec.name], wiring) for spec in specs if spec.fallback is fallback
        }
        return {name: adapter for name, adapter in built.items() if adapter is not None}

    chosen = dict(given) if given is not None else build(fallback=False)
    return chosen or build(fallback=True)


def _clock_for(running: Sequence[PlatformSpec[Any]], loaded: Mapping[Platform, BaseSettings]) -> Clock:
    """A movable clock if a running platform plays in simulated time (the console), else real time.

    Given a start (``COHORTBOT_CONSOLE_START``), time stands still there and moves only when the
    session says so (``/advance``), so a script replays identically; without one, it flows
    from now like a real community's.
    """
    for spec in running:
        if spec.simulated_time is not None:
            start = spec.simulated_time(loaded[spec.name])
            return OffsetClock() if start is None else ManualClock(start)
    return SystemClock()


class _LateRuntime:
    """The runtime, for factories called before it exists (the console drives it later)."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    def bind(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @property
    def _bound(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the runtime is not built yet")
        return self._runtime

    @property
    def clock(self) -> Clock:
        return self._bound.clock

    async def settle(self) -> None:
        await self._bound.settle()

    async def advance(self, delta: timedelta) -> int:
        return await self._bound.advance(delta)

    def request_stop(self, fatal: str | None = None) -> None:
        self._bound.request_stop(fatal)


def wire(
    playbooks: PlaybookSet,
    *,
    adapters: Mapping[Platform, PlatformAdapter],
    unit_of_work: Callable[[], Any],
    clock: Clock,
    steps: Sequence[Step[Any]] = STEPS,
    charts: ChartRenderer | None = None,
    pacing: Mapping[Platform, float | None] | None = None,
    deliver: bool = True,
    driven: bool = False,
    sessions: Sessions | None = None,
    links: Links | None = None,
) -> Runtime:
    """The engine and the runtime around it: what ``build_app`` and the test harness share.

    ``charts`` defaults to matplotlib; ``pacing`` is each platform's requests per second;
    ``sessions`` opens a platform's admin session for ``/cohort setup`` (None: no platform);
    ``links`` gives steps the addresses served outside the chat (the calendar feed's URL).
    """
    if charts is None:
        from cohortbot.bot.charts import MatplotlibCharts  # matplotlib takes a second to import

        charts = MatplotlibCharts()
    engine = Engine(
        playbooks,
        steps,
        clock=clock,
        calendar=CronCalendar(),
        capabilities={p: a.capabilities for p, a in adapters.items()},
        sentiment=VaderSentiment(),
        charts=charts,
        links=links,
    )
    runtime = Runtime(
        engine=engine,
        unit_of_work=unit_of_work,
        adapters=adapters,
        clock=clock,
        deliver=deliver,
        driven=driven,
    )
    for platform, rate in (pacing or {}).items():
        runtime.deliverer.pace(platform, rate)
    # Reports are built off the event path: the deliverer hands BuildReport rows to this job.
    # Its reads take no write lock (SQLite): the store's read_unit_of_work, where it has one.
    store = getattr(unit_of_work, "__self__", None)
    runtime.deliverer.reports = ReportsJob(engine, getattr(store, "read_unit_of_work", unit_of_work), clock)
    # /cohort setup and status's checks talk to the platform off the event path too.
    runtime.deliverer.setup = SetupJob(engine, sessions or _no_sessions, clock)
    return runtime


def build_app(
    settings: Settings,
    *,
    platform_settings: Mapping[Platform, BaseSettings] | None = None,
    platforms: Sequence[PlatformSpec[Any]] | None = None,
    playbook_paths: Sequence[Path] = (),
    clock: Clock | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    adapters: dict[Platform, PlatformAdapter] | None = None,
    playbooks: PlaybookSet | None = None,
) -> App:
    """Everything wired, nothing started. Raises PlaybookError for a broken playbook.

    Platforms come from the registry (``platforms`` replaces it), each with its settings from
    ``platform_settings`` or the environment; ``adapters`` replaces the configured ones;
    ``playbooks`` already loaded (by the CLI's checks) replace ``playbook_paths``.
    """
    if playbooks is None:
        configured = [settings.playbook] if settings.playbook else [default_playbook_path()]
        playbooks = load_playbooks(list(playbook_paths) or configured)
    specs = _registered(platforms)
    loaded = _platform_settings(specs, platform_settings)
    control = _LateRuntime()
    wiring = Wiring(playbooks=playbooks, control=control, stdin=stdin, stdout=stdout)
    chosen = _choose_adapters(specs, loaded, wiring, adapters)
    running = [spec for spec in specs if spec.name in chosen]
    if clock is None:
        clock = _clock_for(running, loaded)
    database = Database(settings.database_url)
    runtime = wire(
        playbooks,
        adapters=chosen,
        unit_of_work=database.unit_of_work,
        clock=clock,
        pacing={spec.name: spec.requests_per_second for spec in running},
        deliver=settings.delivery == "on",
        # A console session on a fixed start plays in simulated time only: it moves the clock
        # and delivers between its lines, and nothing runs on the real clock beside it.
        driven=isinstance(clock, ManualClock),
        sessions=_admin_sessions(loaded),
        # /cohort calendar's URL: the engine gets the finished address, never the secret.
        links=links_for(settings),
    )
    control.bind(runtime)
    return App(runtime=runtime, database=database, playbooks=playbooks)


def _no_sessions(platform: Platform) -> None:
    return None


def _admin_sessions(platforms: Mapping[Platform, BaseSettings]) -> Sessions:
    """A new admin session (as ``cohortbot setup`` opens) for a platform whose token is set."""
    from cohortbot.bot.admin_cli import sessions_for

    def session(platform: Platform) -> AdminSession | None:
        return next((s for s in sessions_for(dict(platforms)) if s.platform == platform), None)

    return session
