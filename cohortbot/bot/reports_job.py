"""The reports job: performs ``BuildReport`` actions off the event path.

A report reads aggregates over up to a million activity rows and draws charts: seconds of
work. Deciding ``/cohort health`` or the weekly digest only records a ``BuildReport`` in the
outbox (with the decision, so it survives a crash and is performed once); the deliverer hands
each claimed one here instead of to an adapter. The job reads the report in its own read-only
unit of work (it holds nothing the decider needs: no lock of the runtime, no write), draws the
charts in a worker thread, and performs the resulting answer or post through the platform's
adapter, under the outbox row's lease like any other delivery: a process killed meanwhile
leaves the row to be performed again (``resumed``), and the answer's key lets the adapter send
it idempotently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from cohortbot.adapters.base import Delivered, PermanentDeliveryError, PlatformAdapter
from cohortbot.playbook.actions import BuildReport
from cohortbot.playbook.charts import Chart
from cohortbot.playbook.engine import Engine
from cohortbot.playbook.messages import Attachment
from cohortbot.playbook.ports import ChartRenderer, Clock
from cohortbot.playbook.steps.health import api as health

__all__ = ["ReportsJob"]

log = logging.getLogger("cohortbot.reports")


class ReportsJob:
    """Reads the playbooks and the chart renderer the engine decides with."""

    def __init__(self, engine: Engine, unit_of_work: Callable[[], Any], clock: Clock) -> None:
        self.engine = engine
        self._uow = unit_of_work
        self.clock = clock

    async def perform(self, action: BuildReport, adapter: PlatformAdapter, *, resumed: bool) -> Delivered:
        """Build the report ``action`` asks for and send it through ``adapter``."""
        if action.report != health.STEP_NAME:
            raise PermanentDeliveryError(f"no such report: {action.report!r}")
        loaded = self.engine.playbooks.for_community(action.community)
        cfg = loaded.steps.get(health.STEP_NAME) if loaded is not None else None
        if loaded is None or not isinstance(cfg, health.HealthConfig):
            raise PermanentDeliveryError(f"{action.community} no longer runs the health step")
        async with self._uow() as uow:  # read only: never committed
            report = await health.load_report(
                uow,
                action.community,
                loaded,
                cfg,
                since=action.since,
                until=action.until,
                history_from=action.history_from,
                newcomers_from=action.newcomers_from,
                now=self.clock.now(),
            )
        attachments: tuple[Attachment, ...] = ()
        charts = self.engine.charts
        if charts is not None and cfg.charts and report.charts:
            attachments = await asyncio.to_thread(_draw, charts, report.charts)
        try:
            answer = health.answer(
                action,
                report,
                attachments,
                max_length=adapter.capabilities.max_message_length,
                now=self.clock.now(),
            )
        except ValueError as exc:
            raise PermanentDeliveryError(str(exc)) from None
        log.info("report %s built; sending it as %s", action.key, answer.kind)
        return await adapter.perform(answer, resumed=resumed)


def _draw(charts: ChartRenderer, drawn: Sequence[Chart]) -> tuple[Attachment, ...]:
    return tuple(charts.render(chart) for chart in drawn)
