"""Fixtures for the Discord contract tests: a fake Discord and the real adapter connected to it.

``discord_fake`` yields a started :class:`FakeDiscord` (``.base_url``, ``.gateway_url``,
``.token``); ``discord_bot`` yields a :class:`DiscordHarness` whose adapter is connected,
ready and feeding a :class:`RecordingSink`. Reuse ``discord_config(fake)`` to point any
adapter (or ``cohortbot run``'s settings) at the fake.
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic_settings import BaseSettings

from cohortbot.adapters import registry
from cohortbot.adapters.discord import DiscordAdapter, DiscordConfig
from cohortbot.bot.bootstrap import App, build_app
from cohortbot.bot.runtime import Runtime
from cohortbot.config.settings import Settings
from cohortbot.playbook.commands import CommandSpec, OptionKind, OptionSpec
from cohortbot.playbook.events import Event
from cohortbot.playbook.refs import Platform
from tests.contract.fakes.discord_fake import FakeDiscord

__all__ = [
    "DISCORD_CATALOG",
    "DiscordHarness",
    "RecordingSink",
    "all_delivered",
    "discord_config",
    "eventually",
    "run_settings",
]

E = TypeVar("E", bound=Event)

# discord.py waits this long after the last server the fake streams (2 s in production).
FAST_READY = 0.1

DISCORD_CATALOG = [
    CommandSpec(path=("status",), description="How the community is doing", moderator=True),
    CommandSpec(path=("welcome", "preview"), description="Preview the welcome message", moderator=True),
    CommandSpec(
        path=("prompt", "add"),
        description="Add a discussion prompt",
        moderator=True,
        options=(
            OptionSpec(name="schedule", description="Which schedule", choices=("weekly", "daily")),
            OptionSpec(name="text", description="The prompt", rest=True),
        ),
    ),
    CommandSpec(
        path=("champion", "nominate"),
        description="Nominate a champion",
        options=(
            OptionSpec(name="member", description="Who", kind=OptionKind.USER),
            OptionSpec(name="weeks", description="For how long", kind=OptionKind.INTEGER, required=False),
        ),
    ),
    CommandSpec(path=("privacy", "export"), description="Export your data"),
]


def run_settings(**env: Any) -> tuple[Settings, dict[Platform, BaseSettings]]:
    """What ``cohortbot run`` reads when ``env`` is its environment (and there is no ``.env``):
    the core settings and every registered platform's, for ``build_app``."""
    platforms = {spec.name: spec.load(_env_file=None, **env) for spec in registry.PLATFORMS}
    return Settings(_env_file=None, **env), platforms


async def discord_app(fake: FakeDiscord, folder: Path, playbook: str | Path, **env: Any) -> App:
    """The bot as ``cohortbot run`` builds it against the fake Discord, on SQLite in ``folder``,
    migrated but not started. ``playbook``: YAML text (written to ``folder``) or a file."""
    if isinstance(playbook, str):
        file = folder / "playbook.yaml"
        file.write_text(textwrap.dedent(playbook))
    else:
        file = playbook
    settings, platforms = run_settings(
        COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'bot.db'}",
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.base_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_READY_TIMEOUT=FAST_READY,
        **env,
    )
    app = build_app(settings, platform_settings=platforms, playbook_paths=[file])
    await app.database.upgrade()
    return app


async def eventually(check: Callable[[], Any], *, within: float = 3.0, interval: float = 0.01) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)


async def all_delivered(runtime: Runtime, unit_of_work: Callable[[], Any], *, within: float = 10.0) -> None:
    """Deliver until the outbox holds nothing that could ever be sent again; fail after ``within`` s.

    Count a fake's calls ("sent once") only after this. A delivery that was performed but not
    recorded stays pending, under its lease (2 minutes) or waiting for a retry, and would be
    performed again: so this waits until no outbox row is pending at all (not due, not leased,
    not retrying), twice in a row across ``runtime.settle()``, which delivers what is due and
    waits for a round the background deliverer has in flight (and the feedback it processes).
    """
    deadline = time.monotonic() + within
    quiet = 0
    while True:
        await runtime.settle()
        async with unit_of_work() as uow:
            pending = await uow.outbox.next_due()
        quiet = quiet + 1 if pending is None else 0
        if quiet == 2:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"after {within}s the outbox still holds a pending delivery (claimable at {pending}, "
                f"now {runtime.clock.now()}): performed but not recorded, it would be sent again"
            )
        await asyncio.sleep(0 if pending is None else 0.02)


@dataclass
class RecordingSink:
    events: list[Event] = field(default_factory=list)

    async def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(
        self, kind: type[E], where: Callable[[E], bool] = lambda e: True, *, within: float = 3.0
    ) -> E:
        found: E = await eventually(lambda: next((e for e in self.of(kind) if where(e)), None), within=within)
        return found


def discord_config(fake: FakeDiscord, **overrides: Any) -> DiscordConfig:
    options: dict[str, Any] = {
        "token": fake.token,
        "api_base_url": fake.base_url,
        "gateway_url": fake.gateway_url,
        "command_sync": "guild",
        "guild_ready_timeout": 0.05,
        "ready_timeout": 5.0,
        "defer_after": 2.0,
    }
    options.update(overrides)
    return DiscordConfig(**options)


@dataclass
class DiscordHarness:
    fake: FakeDiscord
    adapter: DiscordAdapter
    sink: RecordingSink

    def channel_id(self, name: str) -> str:
        return str(self.fake.channel_named(name)["id"])


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def discord_overrides() -> dict[str, Any]:
    """Override in a test module (or parametrize) to change the adapter's DiscordConfig."""
    return {}


@pytest.fixture
async def discord_bot(
    discord_fake: FakeDiscord, discord_overrides: dict[str, Any]
) -> AsyncIterator[DiscordHarness]:
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(discord_fake, **discord_overrides))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        yield DiscordHarness(discord_fake, adapter, sink)
    finally:
        await adapter.close()
