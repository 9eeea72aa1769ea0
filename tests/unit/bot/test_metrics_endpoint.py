"""/metrics and /healthz: the real endpoint on 127.0.0.1 (an ephemeral port), scraped over HTTP.

Metrics live in the process-wide registry, so each test compares two scrapes (what its own
events added), never absolute counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cohortbot.adapters.base import PermanentDeliveryError, RetryableDeliveryError
from cohortbot.bot.http import Endpoint
from tests.harness import Harness
from tests.unit.steps.prompts.support import BERLIN, DAILY, started

PLAYBOOK = """
name: Metrics test
default: true
channels: {welcome: welcome}
moderators: {users: [mod]}
steps:
  welcome: {message: "Hi {member}"}
"""

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


@pytest.fixture
async def endpoint(bot: Harness) -> AsyncIterator[Endpoint]:
    served = Endpoint(bot.runtime, bot.database.unit_of_work, host="127.0.0.1", port=0)
    await served.start()
    yield served
    await served.stop()


async def _get(endpoint: Endpoint, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{endpoint.port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


async def scrape(endpoint: Endpoint) -> Samples:
    status, content_type, text = await _get(endpoint, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def added(before: Samples, after: Samples) -> Callable[..., float]:
    return lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)


async def test_metrics_count_events_decisions_batches_and_deliveries_by_type(
    bot: Harness, endpoint: Endpoint
) -> None:
    before = await scrape(endpoint)
    await bot.join("alice")
    await bot.post("alice", "general", "hello everyone", event_id="m1")
    await bot.post("alice", "general", "hello everyone", event_id="m1")   # the platform replays it
    after = await scrape(endpoint)
    delta = added(before, after)

    assert delta("cohortbot_events_in_total", type="MemberJoined") == 1
    assert delta("cohortbot_events_in_total", type="MessagePosted") == 2
    assert delta("cohortbot_decisions_total", type="MessagePosted", outcome="processed") == 1
    assert delta("cohortbot_decisions_total", type="MessagePosted", outcome="duplicate") == 1
    assert delta("cohortbot_decision_batch_size_count") >= 3
    assert delta("cohortbot_actions_total", kind="SendDirectMessage", outcome="delivered") == 1
    assert delta("cohortbot_delivery_latency_seconds_count", platform="memory") == 1
    for lane in ("interactive", "live", "backfill"):
        assert ("cohortbot_decision_waiting", frozenset({("lane", lane)})) in after
    # Labels name types, kinds and platforms only: never a community or a member.
    assert not [key for key in after if any(v == "c1" or "alice" in v for _k, v in key[1])]


async def test_the_outbox_gauges_show_what_waits_and_for_how_long_and_latency_counts_from_the_decision(
    bot: Harness, endpoint: Endpoint
) -> None:
    await bot.join("alice", settle=False)
    bot.clock.advance(timedelta(seconds=90))
    waiting = await scrape(endpoint)
    assert value(waiting, "cohortbot_outbox_pending") == 1
    assert value(waiting, "cohortbot_outbox_oldest_pending_age_seconds") == 90

    await bot.runtime.settle()
    delivered = await scrape(endpoint)
    assert value(delivered, "cohortbot_outbox_pending") == 0
    assert value(delivered, "cohortbot_outbox_oldest_pending_age_seconds") == 0
    latency = added(waiting, delivered)
    assert latency("cohortbot_delivery_latency_seconds_count", platform="memory") == 1
    assert latency("cohortbot_delivery_latency_seconds_sum", platform="memory") == 90


async def test_failed_and_parked_deliveries_are_counted_by_kind_and_parked_rows_show_in_the_gauge(
    bot: Harness, endpoint: Endpoint
) -> None:
    before = await scrape(endpoint)
    bot.adapter.fail_next.append(RetryableDeliveryError("503 from the platform"))
    await bot.join("alice")
    bot.adapter.fail_next.append(PermanentDeliveryError("403: cannot send"))
    await bot.join("bob")
    after = await scrape(endpoint)
    delta = added(before, after)
    assert delta("cohortbot_actions_total", kind="SendDirectMessage", outcome="failed") == 1
    assert delta("cohortbot_actions_total", kind="SendDirectMessage", outcome="parked") == 1
    assert value(after, "cohortbot_outbox_pending") == 1   # alice's, retried after the backoff
    assert value(after, "cohortbot_outbox_parked") == 1


async def test_scheduler_lateness_is_how_long_after_its_time_an_occurrence_fired(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    bot = await started(tmp_path, DAILY, datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN))
    served = Endpoint(bot.runtime, bot.database.unit_of_work, host="127.0.0.1", port=0)
    await served.start()
    try:
        before = await scrape(served)
        bot.clock.set(datetime(2026, 3, 2, 8, 0, 20, tzinfo=UTC))   # 09:00:20 in Berlin: 20 s late
        await bot.runtime.scheduler.run_due()
        delta = added(before, await scrape(served))
    finally:
        await served.stop()
        await bot.close()
    assert delta("cohortbot_scheduler_lateness_seconds_count", source="schedule") == 1
    assert delta("cohortbot_scheduler_lateness_seconds_sum", source="schedule") == 20


# ---------------------------------------------------------------------- /healthz


async def _health(endpoint: Endpoint) -> tuple[int, dict[str, Any]]:
    import json

    status, content_type, text = await _get(endpoint, "/healthz")
    assert content_type.startswith("application/json")
    return status, json.loads(text)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):   # yields to the loop; no wall-clock wait
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never happened")


async def test_healthz_is_200_only_while_the_runtime_serves_and_the_database_answers(
    bot: Harness, endpoint: Endpoint
) -> None:
    status, body = await _health(endpoint)
    assert status == 503 and body["problems"] == ["not serving yet"]

    running = asyncio.create_task(bot.runtime.run())
    await _until(lambda: bool(bot.runtime.tasks))
    status, body = await _health(endpoint)
    assert status == 200, body
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body["tasks"]) == {"intake", "scheduler", "deliverer"}

    bot.runtime.request_stop()
    await asyncio.wait_for(running, timeout=10)
    status, body = await _health(endpoint)
    assert status == 503 and body["status"] == "unavailable"
    assert "stopping" in body["problems"]


class _Unanswering:
    """A database that does not answer: every unit of work fails to open."""

    def __call__(self) -> Any:
        raise ConnectionRefusedError("connection refused: postgresql://bot:hunter22@db/cohort")


async def test_healthz_is_503_when_the_database_does_not_answer_and_says_so_without_details(
    bot: Harness,
) -> None:
    served = Endpoint(bot.runtime, _Unanswering(), host="127.0.0.1", port=0)
    await served.start()
    running = asyncio.create_task(bot.runtime.run())
    try:
        await _until(lambda: bool(bot.runtime.tasks))
        status, body = await _health(served)
        assert status == 503
        assert body["database"] == "failed (ConnectionRefusedError)"
        assert "hunter22" not in str(body)
        status, _type, text = await _get(served, "/metrics")   # metrics still answer
        assert status == 200 and "cohortbot_events_in_total" in text
    finally:
        bot.runtime.request_stop()
        await asyncio.wait_for(running, timeout=10)
        await served.stop()


async def test_a_taken_port_fails_start_and_leaves_nothing_listening(
    bot: Harness, endpoint: Endpoint
) -> None:
    second = Endpoint(bot.runtime, bot.database.unit_of_work, host="127.0.0.1", port=endpoint.port)
    with pytest.raises(OSError):
        await second.start()
    await second.stop()
