"""``/metrics`` and ``/healthz``: a small aiohttp server on the bot's own event loop.

Off unless ``COHORTBOT_METRICS_PORT`` is set; bound to ``COHORTBOT_METRICS_HOST`` (127.0.0.1
by default: expose it deliberately). It is its own server on its own port, apart from the Slack
adapter's HTTP receiver.

- ``/metrics``: the Prometheus text format of the default registry (``bot/metrics.py``, the
  adapters' 429 counts, the process's memory and CPU). The outbox gauges are read first, by
  one query in a unit of work of its own (bounded by ``query_timeout``): a scrape never waits
  for the decider, and a database that does not answer leaves the last values.
- ``/healthz``: 200 ``{"status": "ok", ...}`` while the runtime serves (every background task
  alive, no stop requested) and the database answered a query just now; 503 with the same
  short JSON body saying which part is not well otherwise (also while starting and stopping).
- ``/calendar/<key>.ics``: a community's calendar feed (``bot/calendar_feed.py``), only with
  ``COHORTBOT_CALENDAR_SECRET`` set. The key (``bot/calendar_links.py``) names the community;
  any other key is a plain 404, like a path that does not exist. Forward only ``/calendar/``
  from a public reverse proxy: ``/metrics`` is for the operator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from cohortbot.bot import metrics
from cohortbot.bot.calendar_links import CalendarLinks
from cohortbot.bot.crontab import CronCalendar
from cohortbot.bot.runtime import Runtime
from cohortbot.playbook.refs import CommunityRef

__all__ = ["CalendarFeeds", "Endpoint"]

log = logging.getLogger("cohortbot.http")


class CalendarFeeds:
    """The feeds behind ``/calendar/<key>.ics``: the key's community, its feed as of now.

    Each feed is built in a read-only unit of work of its own and kept ``keep`` seconds
    (calendar apps poll; a burst of polls builds it once). The communities are the ones the
    database knows, read again when a key matches none (at most every ``keep`` seconds, so
    guessed keys cost no query each).
    """

    def __init__(
        self,
        runtime: Runtime,
        links: CalendarLinks,
        read_unit_of_work: Callable[[], Any],
        *,
        keep: float = 60.0,
    ) -> None:
        self.runtime = runtime
        self.links = links
        self._uow = read_unit_of_work
        self.keep = keep
        self._cron = CronCalendar()
        self._communities: list[CommunityRef] = []
        self._listed_at: float | None = None
        self._built: dict[CommunityRef, tuple[float, bytes]] = {}

    async def _community(self, key: str) -> CommunityRef | None:
        found = self.links.find(key, self._communities)
        clock = asyncio.get_running_loop().time()
        if found is None and (self._listed_at is None or clock - self._listed_at >= self.keep):
            async with self._uow() as uow:
                self._communities = [ref for ref, _ in await uow.communities.list()]
            self._listed_at = clock
            found = self.links.find(key, self._communities)
        return found

    async def feed(self, key: str) -> tuple[CommunityRef, bytes] | None:
        """The community's ``.ics``, or None when the key names no community the bot runs."""
        community = await self._community(key)
        loaded = self.runtime.engine.playbooks.for_community(community) if community else None
        if community is None or loaded is None:
            return None
        clock = asyncio.get_running_loop().time()
        built = self._built.get(community)
        if built is None or clock - built[0] >= self.keep:
            from cohortbot.bot.calendar_feed import build_feed  # icalendar: only once a feed is asked for

            async with self._uow() as uow:
                data = await build_feed(uow, community, loaded, now=self.runtime.clock.now(), cron=self._cron)
            built = self._built[community] = (clock, data)
        return community, built[1]


class Endpoint:
    def __init__(
        self,
        runtime: Runtime,
        unit_of_work: Callable[[], Any],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        query_timeout: float = 2.0,
        registry: CollectorRegistry = REGISTRY,
        calendar: CalendarFeeds | None = None,
    ) -> None:
        self.runtime = runtime
        self._uow = unit_of_work
        self.host = host
        self.port = port   # 0: any free port; the bound one is known after start()
        self.query_timeout = query_timeout
        self.registry = registry
        self.calendar = calendar   # None: the calendar feed is off (no COHORTBOT_CALENDAR_SECRET)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        if self.calendar is not None:
            app.router.add_get("/calendar/{name}", self._calendar)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = int(self._runner.addresses[0][1])
        log.info("metrics on http://%s:%d/metrics, health on /healthz", self.host, self.port)
        if self.calendar is not None:
            log.info("calendar feeds on http://%s:%d/calendar/<key>.ics", self.host, self.port)
        else:
            log.info("calendar feed off: COHORTBOT_CALENDAR_SECRET is not set")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _database_answers(self) -> str | None:
        """None when the outbox query answered within the timeout, else why not (no details:
        an error message may name the database's address)."""
        try:
            await asyncio.wait_for(
                metrics.refresh_outbox(self._uow, self.runtime.clock.now()), self.query_timeout
            )
        except TimeoutError:
            return f"no answer within {self.query_timeout:g}s"
        except Exception as exc:
            log.debug("the metrics query failed", exc_info=True)
            return f"failed ({type(exc).__name__})"
        return None

    async def _metrics(self, request: web.Request) -> web.Response:
        await self._database_answers()
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        runtime = self.runtime
        tasks = {task.get_name(): "stopped" if task.done() else "running" for task in runtime.tasks}
        problems: list[str] = []
        if not tasks:
            problems.append("not serving yet")
        problems += [f"the {name} task stopped" for name, state in tasks.items() if state != "running"]
        if runtime.stop_requested.is_set():
            problems.append("stopping")
        database = await self._database_answers()
        if database is not None:
            problems.append(f"the database: {database}")
        body = {
            "status": "unavailable" if problems else "ok",
            "tasks": tasks,
            "database": database or "ok",
            "problems": problems,
        }
        return web.json_response(body, status=503 if problems else 200)

    async def _calendar(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        found = None
        if self.calendar is not None and name.endswith(".ics"):
            try:
                found = await self.calendar.feed(name.removesuffix(".ics").lower())
            except Exception:
                log.exception("the calendar feed could not be built")
                return web.Response(status=500, text="the calendar could not be built; see the bot's log\n")
        if found is None:
            raise web.HTTPNotFound()
        community, data = found
        return web.Response(
            body=data,
            headers={
                "Content-Type": "text/calendar; charset=utf-8",
                "Content-Disposition": f'inline; filename="{community.platform}-calendar.ics"',
                "Cache-Control": "private, max-age=300",
                "Referrer-Policy": "no-referrer",
                "X-Robots-Tag": "noindex",
            },
        )
