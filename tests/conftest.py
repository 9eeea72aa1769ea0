"""Shared fixtures. Platform fakes live in tests/contract; storage backends in tests/storage."""

from __future__ import annotations

import os

import pytest

from cohortbot.adapters import registry
from cohortbot.config.settings import Settings, env_names

POSTGRES_URL = os.environ.get(
    "COHORTBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def settings_env_names() -> tuple[str, ...]:
    """Every env var the bot reads: the core settings' and every registered platform's."""
    names = [*env_names(Settings)]
    for spec in registry.PLATFORMS:
        names += spec.env_names()
    return tuple(dict.fromkeys(names))


def scrub_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings read env var names case-insensitively: scrub every spelling present.
    wanted = set(settings_env_names())
    for name in [n for n in os.environ if n.upper() in wanted]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real tokens, database or settings from the environment."""
    scrub_settings_env(monkeypatch)
