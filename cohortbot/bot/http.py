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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from cohortbot.bot import metrics
from cohortbot.bot.runtime import Runtime

__all__ = ["Endpoint"]

log = logging.getLogger("cohortbot.http")


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
    ) -> None:
        self.runtime = runtime
        self._uow = unit_of_work
        self.host = host
        self.port = port   # 0: any free port; the bound one is known after start()
        self.query_timeout = query_timeout
        self.registry = registry
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
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
