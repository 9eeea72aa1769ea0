"""The composition root: the ONLY place that picks concrete adapters, storage and clocks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.bot.charts import MatplotlibCharts
from cohortbot.bot.clock import OffsetClock, SystemClock
from cohortbot.bot.runtime import Runtime
from cohortbot.bot.scheduler import CronCalendar
from cohortbot.bot.sentiment import VaderSentiment
from cohortbot.config.playbook import load_playbooks
from cohortbot.config.settings import Settings
from cohortbot.playbook.engine import Engine, PlaybookSet
from cohortbot.playbook.ports import Clock
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.steps import STEPS
from cohortbot.storage.database import Database

__all__ = ["App", "build_app", "default_playbook_path", "install_logging"]

log = logging.getLogger("cohortbot")


def default_playbook_path() -> Path:
    """The example playbook shipped inside the package (the embedded default)."""
    return Path(str(resources.files("cohortbot.config") / "examples" / "learning-cohort.yaml"))


@dataclass
class App:
    runtime: Runtime
    database: Database
    playbooks: PlaybookSet


class _Redact(logging.Filter):
    """Defence in depth: no configured secret ever reaches a log line."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(s in message for s in self.secrets):
                for secret in self.secrets:
                    message = message.replace(secret, "***")
                record.msg, record.args = message, None
        return True


def install_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [
        s.get_secret_value()
        for s in (
            settings.discord_token,
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
        )
        if s is not None
    ]
    handler.addFilter(_Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("discord", "slack_bolt", "slack_sdk", "aiosqlite", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _platform_adapters(settings: Settings) -> dict[Platform, PlatformAdapter]:
    adapters: dict[Platform, PlatformAdapter] = {}
    if settings.discord_token is not None:
        from cohortbot.adapters.discord.adapter import DiscordAdapter, DiscordConfig

        adapters[Platform.DISCORD] = DiscordAdapter(
            DiscordConfig(
                token=settings.discord_token.get_secret_value(),
                api_base_url=settings.discord_api_base_url,
                gateway_url=settings.discord_gateway_url,
                shard_ids=settings.discord_shard_ids,
                shard_count=settings.discord_shard_count,
                command_sync=settings.discord_command_sync,
            )
        )
    if settings.slack_bot_token is not None:
        from cohortbot.adapters.slack.adapter import SlackAdapter, SlackConfig

        mode = settings.slack_mode or ("socket" if settings.slack_app_token else "http")
        adapters[Platform.SLACK] = SlackAdapter(
            SlackConfig(
                bot_token=settings.slack_bot_token.get_secret_value(),
                app_token=settings.slack_app_token.get_secret_value() if settings.slack_app_token else None,
                signing_secret=(
                    settings.slack_signing_secret.get_secret_value()
                    if settings.slack_signing_secret
                    else None
                ),
                api_url=settings.slack_api_url,
                mode=mode,
                http_host=settings.slack_http_host,
                http_port=settings.slack_http_port,
                community_channel=settings.slack_community_channel,
            )
        )
    return adapters


def build_app(
    settings: Settings,
    *,
    playbook_paths: Sequence[Path] = (),
    clock: Clock | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    adapters: dict[Platform, PlatformAdapter] | None = None,
) -> App:
    """Everything wired, nothing started. Raises PlaybookError for a broken playbook."""
    paths = list(playbook_paths) or ([settings.playbook] if settings.playbook else [default_playbook_path()])
    playbooks = load_playbooks(paths)
    chosen = dict(adapters) if adapters is not None else _platform_adapters(settings)
    console = not chosen
    if clock is None and console:
        simulated = OffsetClock()
        if settings.console_start is not None:
            simulated.set(settings.console_start)
        clock = simulated
    elif clock is None:
        clock = SystemClock()
    database = Database(settings.database_url)
    capabilities = {p: a.capabilities for p, a in chosen.items()}
    if console:
        from cohortbot.adapters.console import ConsoleAdapter

        capabilities[Platform.CONSOLE] = ConsoleAdapter.capabilities
    engine = Engine(
        playbooks,
        STEPS,
        clock=clock,
        calendar=CronCalendar(),
        capabilities=capabilities,
        sentiment=VaderSentiment(),
        charts=MatplotlibCharts(),
    )
    runtime = Runtime(
        engine=engine,
        unit_of_work=database.unit_of_work,
        adapters=chosen,
        clock=clock,
        deliver=settings.delivery == "on",
    )
    if console:
        community = CommunityRef(Platform.CONSOLE, "local", "console community")
        loaded = playbooks.for_community(community)
        zone = loaded.community.timezone if loaded else "UTC"
        name = loaded.community.community_name if loaded else None
        community = CommunityRef(Platform.CONSOLE, "local", name or "console community")
        runtime.add_adapter(
            ConsoleAdapter(runtime, stdin=stdin, stdout=stdout, community=community, timezone=zone)
        )
    return App(runtime=runtime, database=database, playbooks=playbooks)
