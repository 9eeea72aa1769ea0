"""The platform registry: adding a platform is its package plus one line in ``registry.PLATFORMS``.

Everything else the composition root knows about a platform (its env vars, its secrets, its
adapter, its pacing, its loggers) comes from that registration.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from cohortbot.adapters import console, discord, registry, slack
from cohortbot.adapters.console import ConsoleAdapter
from cohortbot.adapters.discord import DiscordAdapter
from cohortbot.adapters.platform import Wiring
from cohortbot.adapters.slack import SlackAdapter
from cohortbot.bot.bootstrap import build_app, default_playbook_path, install_logging
from cohortbot.bot.clock import ManualClock, OffsetClock, SystemClock
from cohortbot.config.playbook import load_playbooks
from cohortbot.config.settings import EnvSettings, Settings, env_names
from cohortbot.playbook.refs import Platform
from tests.unit.adapters import fakechat
from tests.unit.adapters.fakechat import FakechatAdapter

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.fixture
def core(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, COHORTBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")


@pytest.fixture
def with_fakechat(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one line a new platform adds to the registry."""
    monkeypatch.setattr(registry, "PLATFORMS", (*registry.PLATFORMS, fakechat.PLATFORM))


@pytest.fixture
def no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings also read ./.env: run where there is none.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


# ---------------------------------------------------------------------- the registry itself


def test_the_registry_lists_discord_slack_and_the_console_fallback() -> None:
    assert registry.PLATFORMS == (discord.PLATFORM, slack.PLATFORM, console.PLATFORM)
    assert [spec.name for spec in registry.PLATFORMS if spec.fallback] == [Platform.CONSOLE]
    assert len({spec.name for spec in registry.PLATFORMS}) == len(registry.PLATFORMS)


def test_pacing_is_part_of_each_registration() -> None:
    rates = {spec.name: spec.requests_per_second for spec in registry.PLATFORMS}
    # Discord and Slack keep their own limits in the adapter (their headers, their tiers),
    # so the deliverer paces neither; the registration still says so explicitly.
    assert rates == {Platform.DISCORD: None, Platform.SLACK: None, Platform.CONSOLE: None}


@pytest.mark.parametrize("spec", registry.PLATFORMS, ids=lambda spec: spec.name)
def test_every_setting_that_looks_secret_is_a_secret_str(spec: object) -> None:
    """Redaction is derived from SecretStr fields, so a token typed as str would leak."""
    settings = spec.settings  # type: ignore[attr-defined]
    assert issubclass(settings, EnvSettings)
    for name, field in settings.model_fields.items():
        if re.search(r"token|secret|password", name):
            assert field.annotation in (SecretStr, SecretStr | None), f"{settings.__name__}.{name}"


def _readme_env_vars() -> set[str]:
    """The env vars named in the first column of the README's Settings table."""
    section = README.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`[^|]+) \|", section, flags=re.M)
    return {name for row in rows for name in re.findall(r"`([A-Z0-9_]+)`", row)}


def test_every_documented_env_var_is_read_and_every_read_env_var_is_documented() -> None:
    read = {*env_names(Settings), *(name for spec in registry.PLATFORMS for name in spec.env_names())}
    documented = _readme_env_vars()
    assert "DISCORD_TOKEN" in documented and "SLACK_API_URL" in documented  # the table was parsed
    assert documented <= read
    assert read - documented == {"DATABASE_URL"}  # the undocumented old spelling of COHORTBOT_DATABASE_URL


def test_documented_defaults_hold(no_dotenv: None) -> None:
    core = Settings()
    assert (core.database_url, core.playbook, core.log_level, core.delivery) == (
        "sqlite+aiosqlite:///cohortbot.db",
        None,
        "INFO",
        "on",
    )
    d = discord.PLATFORM.load()
    assert (d.token, d.api_base_url, d.gateway_url, d.shard_ids, d.shard_count, d.command_sync) == (
        None,
        None,
        None,
        None,
        None,
        "guild",
    )
    s = slack.PLATFORM.load()
    assert (s.bot_token, s.app_token, s.signing_secret, s.mode, s.api_url, s.community_channel) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )
    assert (s.http_host, s.http_port) == ("0.0.0.0", 3000)
    assert console.PLATFORM.load().start is None


# ---------------------------------------------------------------------- the real platforms


def test_discord_reads_its_env_vars_and_builds_its_adapter_only_with_a_token(
    monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings
) -> None:
    assert discord.PLATFORM.build(discord.PLATFORM.load(), _wiring()) is None
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-123")
    monkeypatch.setenv("DISCORD_API_BASE_URL", "http://proxy/api/v10")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "ws://gateway")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "[0,1]")
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_COMMAND_SYNC", "global")
    adapter = discord.PLATFORM.build(discord.PLATFORM.load(), _wiring())
    assert isinstance(adapter, DiscordAdapter)
    config = adapter.config
    assert (config.token, config.api_base_url, config.gateway_url) == (
        "discord-token-123",
        "http://proxy/api/v10",
        "ws://gateway",
    )
    assert (config.shard_ids, config.shard_count, config.command_sync) == ([0, 1], 4, "global")


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "sig"}, "socket"),
        ({"SLACK_SIGNING_SECRET": "sig"}, "http"),
        ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "sig", "SLACK_MODE": "http"}, "http"),
    ],
)
def test_slack_runs_socket_mode_when_it_has_an_app_token_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings, env: dict[str, str], mode: str
) -> None:
    for name, value in {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_HTTP_PORT": "0", **env}.items():
        monkeypatch.setenv(name, value)
    adapter = slack.PLATFORM.build(slack.PLATFORM.load(), _wiring())
    assert isinstance(adapter, SlackAdapter)
    assert adapter.config.mode == mode
    assert adapter.config.bot_token == "xoxb-1" and adapter.config.http_port == 0


async def test_with_discord_and_slack_configured_one_process_serves_both_each_paced_by_its_registration(
    monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-123")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123456")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-123456")
    app = build_app(core)
    try:
        adapters = app.runtime.adapters
        assert list(adapters) == [Platform.DISCORD, Platform.SLACK]  # no console: it is the fallback
        assert isinstance(adapters[Platform.DISCORD], DiscordAdapter)
        assert isinstance(adapters[Platform.SLACK], SlackAdapter)
        deliverer = app.runtime.deliverer
        assert (deliverer.rate(Platform.DISCORD), deliverer.rate(Platform.SLACK)) == (None, None)
        assert adapters[Platform.DISCORD].config.global_rate_limit == 50  # kept by the adapter
        assert isinstance(app.runtime.clock, SystemClock)
    finally:
        await app.database.dispose()


async def test_with_nothing_configured_the_console_starts_on_a_simulated_clock(
    monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings
) -> None:
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    monkeypatch.setenv("COHORTBOT_CONSOLE_START", start.isoformat())
    app = build_app(core, stdin=io.StringIO(""), stdout=io.StringIO())
    try:
        [adapter] = app.runtime.adapters.values()
        assert isinstance(adapter, ConsoleAdapter)
        assert adapter.community.name == "Data Science Cohort"  # from the example playbook
        assert str(adapter.zone) == "Europe/Berlin"
        assert app.runtime.deliverer.rate(Platform.CONSOLE) is None
        clock = app.runtime.clock
        assert isinstance(clock, ManualClock)  # a scripted session: time moves only by /advance
        assert clock.now() == start
        assert adapter.control.clock is clock  # the console drives the runtime built after it
    finally:
        await app.database.dispose()


def test_discord_and_slack_secrets_are_redacted_from_logs_but_other_settings_are_not(
    monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings, root_logging: None
) -> None:
    secrets = {
        "DISCORD_TOKEN": "discord-token-123",
        "SLACK_BOT_TOKEN": "xoxb-bot-123",
        "SLACK_APP_TOKEN": "xapp-app-123",
        "SLACK_SIGNING_SECRET": "signing-123",
    }
    for name, value in {**secrets, "DISCORD_API_BASE_URL": "http://proxy-host/api"}.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    install_logging(core, stream=out)
    logging.getLogger("cohortbot.test").warning("connecting to %s with %s", "http://proxy-host/api", secrets)
    logged = out.getvalue()
    assert not [value for value in secrets.values() if value in logged]
    assert logged.count("***") == 4
    assert "http://proxy-host/api" in logged
    assert logging.getLogger("discord").level == logging.WARNING
    assert logging.getLogger("slack_sdk").level == logging.WARNING


# ---------------------------------------------------------------------- a new platform: one folder, one line


def test_a_registered_platform_reads_its_settings_from_the_environment(
    with_fakechat: None, monkeypatch: pytest.MonkeyPatch, no_dotenv: None
) -> None:
    monkeypatch.setenv("FAKECHAT_TOKEN", "fake-token-123")
    monkeypatch.setenv("FAKECHAT_ROOM", "hall")
    [loaded] = [spec.load() for spec in registry.PLATFORMS if spec is fakechat.PLATFORM]
    assert isinstance(loaded, fakechat.FakechatSettings)
    assert loaded.token is not None and loaded.token.get_secret_value() == "fake-token-123"
    assert loaded.room == "hall"
    assert fakechat.PLATFORM.env_names() == ("FAKECHAT_TOKEN", "FAKECHAT_WEBHOOK_SECRET", "FAKECHAT_ROOM")
    assert fakechat.PLATFORM.secrets(loaded) == ["fake-token-123"]  # only the SecretStr fields that are set


def test_a_registered_platform_has_its_secrets_redacted_from_logs(
    with_fakechat: None, monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings, root_logging: None
) -> None:
    monkeypatch.setenv("FAKECHAT_TOKEN", "fake-token-123")
    monkeypatch.setenv("FAKECHAT_WEBHOOK_SECRET", "hook-secret-456")
    monkeypatch.setenv("FAKECHAT_ROOM", "hall-of-fame")
    out = io.StringIO()
    install_logging(core, stream=out)
    logging.getLogger("cohortbot.test").error(
        "token=%s hook=%s room=%s", "fake-token-123", "hook-secret-456", "hall-of-fame"
    )
    logged = out.getvalue()
    assert "fake-token-123" not in logged and "hook-secret-456" not in logged
    assert "token=*** hook=*** room=hall-of-fame" in logged
    assert logging.getLogger("fakechat_lib").level == logging.WARNING


async def test_a_registered_platform_gets_its_adapter_built_and_paced_instead_of_the_console(
    with_fakechat: None, monkeypatch: pytest.MonkeyPatch, no_dotenv: None, core: Settings
) -> None:
    monkeypatch.setenv("FAKECHAT_TOKEN", "fake-token-123")
    monkeypatch.setenv("FAKECHAT_ROOM", "hall")
    app = build_app(core)
    try:
        [(name, adapter)] = app.runtime.adapters.items()
        assert name == Platform("fakechat")
        assert isinstance(adapter, FakechatAdapter)
        assert (adapter.token, adapter.room) == ("fake-token-123", "hall")
        assert app.runtime.deliverer.rate(Platform("fakechat")) == 7.0
        assert isinstance(app.runtime.clock, SystemClock)
    finally:
        await app.database.dispose()


async def test_an_unconfigured_registered_platform_leaves_the_console_as_the_fallback(
    with_fakechat: None, no_dotenv: None, core: Settings
) -> None:
    app = build_app(core, stdin=io.StringIO(""), stdout=io.StringIO())
    try:
        assert list(app.runtime.adapters) == [Platform.CONSOLE]
    finally:
        await app.database.dispose()


def _wiring() -> Wiring:
    class NoRuntime:
        def __getattr__(self, name: str) -> object:
            raise AssertionError("a network platform's factory has no use for the runtime")

    return Wiring(playbooks=load_playbooks([default_playbook_path()]), control=NoRuntime())


async def test_a_live_console_without_a_start_lets_time_flow_from_now(
    no_dotenv: None, core: Settings
) -> None:
    app = build_app(core, stdin=io.StringIO(""), stdout=io.StringIO())
    try:
        clock = app.runtime.clock
        assert isinstance(clock, OffsetClock)
        assert abs(clock.now() - datetime.now(UTC)).total_seconds() < 60
    finally:
        await app.database.dispose()
