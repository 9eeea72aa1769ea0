"""The tests' env scrub (tests/conftest.py) is derived from the settings classes and the registry:
a developer's real tokens never leak into a test, including a newly registered platform's."""

from __future__ import annotations

import os

import pytest

from cohortbot.adapters import registry
from cohortbot.config.settings import Settings, env_names
from tests.conftest import scrub_settings_env, settings_env_names
from tests.unit.adapters import fakechat


def test_the_scrub_list_is_every_env_var_of_the_core_settings_and_every_registered_platform() -> None:
    expected = {*env_names(Settings)}
    for spec in registry.PLATFORMS:
        expected |= set(spec.env_names())
    assert set(settings_env_names()) == expected
    # The names the old hand-written list had, and the ones it missed.
    assert {
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "COHORTBOT_DATABASE_URL",
        "DATABASE_URL",
        "COHORTBOT_PLAYBOOK",
        "DISCORD_API_BASE_URL",
        "SLACK_MODE",
        "COHORTBOT_CONSOLE_START",
        "COHORTBOT_DELIVERY",
    } <= expected


def test_the_scrub_removes_every_registered_env_var_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    names = settings_env_names()
    for name in names:
        monkeypatch.setenv(name, "from-the-developer-shell")
        monkeypatch.setenv(name.lower(), "from-the-developer-shell")  # settings ignore case
    monkeypatch.setenv("COHORTBOT_TEST_POSTGRES_URL", "kept")  # not a setting: the tests' own
    scrub_settings_env(monkeypatch)
    left = [n for n in os.environ if n.upper() in set(names)]
    assert left == []
    assert os.environ["COHORTBOT_TEST_POSTGRES_URL"] == "kept"
    # And so every settings class reads its defaults again.
    for spec in registry.PLATFORMS:
        loaded = spec.load(_env_file=None)
        defaults = {
            name: field.get_default(call_default_factory=True)
            for name, field in spec.settings.model_fields.items()
        }
        assert loaded.model_dump() == defaults, spec.name


def test_a_newly_registered_platforms_env_vars_are_scrubbed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PLATFORMS", (*registry.PLATFORMS, fakechat.PLATFORM))
    monkeypatch.setenv("FAKECHAT_TOKEN", "a-real-token")
    monkeypatch.setenv("FAKECHAT_ROOM", "hall")
    assert {"FAKECHAT_TOKEN", "FAKECHAT_WEBHOOK_SECRET", "FAKECHAT_ROOM"} <= set(settings_env_names())
    scrub_settings_env(monkeypatch)
    assert "FAKECHAT_TOKEN" not in os.environ and "FAKECHAT_ROOM" not in os.environ
