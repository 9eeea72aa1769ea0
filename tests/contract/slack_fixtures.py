"""Fixtures for the Slack contract tests: a fake Slack and the real adapter wired to it.

Import them into a test module (``from tests.contract.slack_fixtures import slack, slack_fake``);
``slack`` is parametrized over HTTP mode and Socket Mode.
"""

from __future__ import annotations

import asyncio
import copy
import json
import textwrap
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.slack import SlackAdapter, SlackConfig
from cohortbot.bot.bootstrap import build_app
from cohortbot.bot.runtime import Runtime
from cohortbot.playbook.commands import CommandSpec, OptionKind, OptionSpec
from cohortbot.playbook.events import Event
from cohortbot.playbook.refs import Platform
from tests.contract.conftest import run_settings
from tests.contract.fakes.slack_fake import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack

__all__ = [
    "CATALOG",
    "Ack",
    "RecordingSink",
    "SlackBot",
    "SlackHarness",
    "load_payload",
    "make_config",
    "slack",
    "slack_fake",
    "slack_http",
    "start_bot",
]

PAYLOADS = Path(__file__).parent / "payloads" / "slack"

CATALOG = (
    CommandSpec(path=("status",), description="How the community is doing"),
    CommandSpec(path=("welcome", "preview"), description="Preview the welcome", moderator=True),
    CommandSpec(
        path=("role", "grant"),
        description="Give a member a role",
        options=(
            OptionSpec(name="member", description="who", kind=OptionKind.USER),
            OptionSpec(name="role", description="which role"),
        ),
        moderator=True,
    ),
)


def load_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return copy.deepcopy(data)


@dataclass
class RecordingSink:
    """The runtime's sink, recorded. ``gate`` (when set) holds every call: a slow engine;
    an event whose id is in ``raise_on`` makes it raise (a sink that fails)."""

    events: list[Event] = field(default_factory=list)
    gate: asyncio.Event | None = None
    raise_on: set[str] = field(default_factory=set)

    async def __call__(self, event: Event) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if event.event_id in self.raise_on:
            raise RuntimeError(f"the sink failed on {event.event_id}")
        self.events.append(event)


@dataclass(frozen=True)
class Ack:
    status: int
    body: Any  # HTTP: the response text (JSON-decoded if it is JSON); Socket: the ack payload


@dataclass
class SlackHarness:
    fake: FakeSlack
    adapter: SlackAdapter
    sink: RecordingSink
    mode: str

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http_port}/slack/events"

    async def deliver(self, payload: dict[str, Any], *, kind: str, retry: int = 0) -> Ack:
        """Deliver like Slack does in this mode; returns once Slack would have its ack."""
        if self.mode == "http":
            status, text = await self.fake.send_signed(
                self.endpoint, payload, kind=kind, retry_num=retry or None
            )
            try:
                return Ack(status, json.loads(text) if text else None)
            except json.JSONDecodeError:
                return Ack(status, text)
        envelope_id = await self.fake.push_envelope(payload, kind=kind, retry_attempt=retry)
        ack = await self.fake.wait_ack(envelope_id)
        return Ack(200, ack.get("payload"))

    async def events(self, count: int, *, within: float = 5.0) -> list[Event]:
        await self.fake.wait_for(lambda: len(self.sink.events) >= count, within=within)
        return self.sink.events


def make_config(fake: FakeSlack, mode: str, **overrides: Any) -> SlackConfig:
    values: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "app_token": APP_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "api_url": fake.api_url,
        "mode": mode,
        "http_host": "127.0.0.1",
        "http_port": 0,
        "retry_backoff": 0.01,
        # Slack's per-minute tiers, 1,000 times faster: tests of other things don't wait a real
        # minute (one post a second per channel); test_slack_rate.py sets its own scale.
        "rate_minute": 0.06,
        **overrides,
    }
    return SlackConfig(**values)


async def _harness(fake: FakeSlack, mode: str) -> AsyncIterator[SlackHarness]:
    sink = RecordingSink()
    adapter = SlackAdapter(make_config(fake, mode))
    await adapter.start(sink, CATALOG)
    try:
        yield SlackHarness(fake=fake, adapter=adapter, sink=sink, mode=mode)
    finally:
        await adapter.close()


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.users["UNEW"] = {"id": "UNEW", "name": "grace", "profile": {"display_name": "grace"}}
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture(params=["http", "socket"])
async def slack(request: pytest.FixtureRequest, slack_fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The adapter started in each mode against the fake."""
    async for harness in _harness(slack_fake, request.param):
        yield harness


@pytest.fixture
async def slack_http(slack_fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    """One mode is enough where only outbound calls matter."""
    async for harness in _harness(slack_fake, "http"):
        yield harness


@dataclass
class SlackBot:
    """What ``cohortbot run`` builds, with the Slack adapter at the fake: the real runtime."""

    fake: FakeSlack
    adapter: SlackAdapter
    runtime: Runtime
    mode: str
    unit_of_work: Callable[[], Any]

    async def deliver(self, payload: dict[str, object], *, kind: str, retry: int = 0) -> Ack:
        if self.mode == "http":
            url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
            status, text = await self.fake.send_signed(url, payload, kind=kind, retry_num=retry or None)
            try:
                return Ack(status, json.loads(text) if text else None)
            except json.JSONDecodeError:
                return Ack(status, text)
        envelope_id = await self.fake.push_envelope(payload, kind=kind, retry_attempt=retry)
        ack = await self.fake.wait_ack(envelope_id)
        return Ack(200, ack.get("payload"))

    async def handled(self, count: int) -> None:
        """Wait until ``count`` events were decided (processed or dropped as duplicates), then deliver."""
        await self.fake.wait_for(lambda: self.runtime.processed + self.runtime.duplicates >= count)
        await self.runtime.settle()


@asynccontextmanager
async def start_bot(fake: FakeSlack, tmp_path: Path, mode: str, playbook: str) -> AsyncIterator[SlackBot]:
    """The runtime on SQLite with the Slack adapter in ``mode``, started on ``playbook`` (YAML)."""
    file = tmp_path / "playbook.yaml"
    file.write_text(textwrap.dedent(playbook))
    settings, platforms = run_settings(
        COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN if mode == "socket" else None,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        SLACK_MODE=mode,
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=0,
    )
    app = build_app(settings, platform_settings=platforms, playbook_paths=[file])
    await app.database.upgrade()
    adapter = app.runtime.adapters[Platform.SLACK]
    assert isinstance(adapter, SlackAdapter)
    await adapter.start(app.runtime.submit, app.runtime.engine.commands())
    try:
        yield SlackBot(
            fake=fake,
            adapter=adapter,
            runtime=app.runtime,
            mode=mode,
            unit_of_work=app.database.unit_of_work,
        )
    finally:
        await adapter.close()
        await app.database.dispose()
