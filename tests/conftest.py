"""Shared fixtures. Platform fakes live in tests/contract; storage backends in tests/storage."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from cohortbot.adapters import registry
from cohortbot.config.settings import Settings, env_names

# Property tests (tests/unit/properties) are deterministic: the same examples on every run and
# every machine (derandomize), no example database to carry state between runs or clones, and
# no per-example deadline (a shared CI core must not turn a slow example into a failure).
settings.register_profile(
    "cohortbot",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
# HYPOTHESIS_PROFILE=explore: random and ten times longer, to hunt for new crashes by hand.
settings.register_profile("explore", settings.get_profile("cohortbot"), derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cohortbot"))

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
