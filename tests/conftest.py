"""Shared fixtures. Platform fakes live in tests/contract; storage backends in tests/storage."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get(
    "COHORTBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real tokens or database from the environment."""
    for name in (
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "COHORTBOT_DATABASE_URL",
        "DATABASE_URL",
        "COHORTBOT_PLAYBOOK",
    ):
        monkeypatch.delenv(name, raising=False)
