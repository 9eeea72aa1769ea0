"""Logs: COHORTBOT_LOG_FORMAT=json writes one JSON object per line, with the community and event id
of the event being decided, and never a configured secret (message, fields or traceback)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.bot.bootstrap import install_logging
from cohortbot.bot.logs import deciding
from cohortbot.config.settings import Settings
from cohortbot.playbook.events import MemberLeft
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from tests.harness import START, Harness

PLAYBOOK = """
name: Logs test
default: true
channels: {welcome: welcome}
steps:
  welcome: {message: "Hi {member}"}
"""
TOKEN = "discord-token-very-secret-123"


@pytest.fixture(autouse=True)
def root_logging(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)   # no .env
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_json_lines_parse_and_carry_the_community_and_event_id_of_the_event_being_decided(
    bot: Harness,
) -> None:
    out = io.StringIO()
    install_logging(settings(COHORTBOT_LOG_FORMAT="json"), stream=out, level="DEBUG")
    await bot.post("alice", "general", "hi", event_id="evt-42")
    await bot.post("alice", "general", "hi", event_id="evt-42")   # the platform sends it again
    [duplicate] = [line for line in lines(out) if "duplicate event" in line["message"]]
    assert duplicate["community"] == "memory:c1" and duplicate["event_id"] == "evt-42"
    assert duplicate["level"] == "DEBUG" and duplicate["logger"] == "cohortbot.runtime"
    assert duplicate["time"].endswith("+00:00")
    logging.getLogger("cohortbot.test").info("between events")
    assert "community" not in lines(out)[-1] and "event_id" not in lines(out)[-1]


def test_ids_passed_by_the_log_call_win_and_hostile_text_stays_one_line_of_json() -> None:
    out = io.StringIO()
    install_logging(settings(COHORTBOT_LOG_FORMAT="json"), stream=out)
    event = MemberLeft(
        community=CommunityRef(Platform.MEMORY, "c1"), occurred_at=START, event_id="e1",
        member=UserRef(Platform.MEMORY, "u1"),
    )
    with deciding(event):
        logging.getLogger("cohortbot.test").warning(
            'name "%s"', 'Eve"}\n{"level": "CRITICAL', extra={"event_id": "x" * 1000}
        )
    [line] = lines(out)
    assert line["message"] == 'name "Eve"}\n{"level": "CRITICAL"' and line["level"] == "WARNING"
    assert line["community"] == "memory:c1" and line["event_id"] == "x" * 300   # bounded


def test_json_output_never_shows_a_secret_in_the_message_fields_or_traceback() -> None:
    out = io.StringIO()
    install_logging(settings(COHORTBOT_LOG_FORMAT="json"), stream=out)
    log = logging.getLogger("cohortbot.test")
    try:
        raise ConnectionError(f"gateway refused token {TOKEN}")
    except ConnectionError:
        log.exception("connecting with %s failed", TOKEN, extra={"community": f"discord:{TOKEN}"})
    assert TOKEN not in out.getvalue()
    [line] = lines(out)
    assert line["message"] == "connecting with *** failed"
    assert line["community"] == "discord:***"
    assert "ConnectionError: gateway refused token ***" in line["exception"]


def test_text_output_also_redacts_tracebacks_and_an_unknown_level_or_format_is_refused() -> None:
    out = io.StringIO()
    install_logging(settings(), stream=out)
    try:
        raise ConnectionError(f"gateway refused token {TOKEN}")
    except ConnectionError:
        logging.getLogger("cohortbot.test").exception("failed")
    assert TOKEN not in out.getvalue() and "refused token ***" in out.getvalue()
    with pytest.raises(ValueError, match="DEBUG, INFO, WARNING, ERROR, CRITICAL"):
        settings(COHORTBOT_LOG_LEVEL="LOUD")
    with pytest.raises(ValueError, match="text"):
        settings(COHORTBOT_LOG_FORMAT="xml")
    assert settings(COHORTBOT_LOG_LEVEL="debug", COHORTBOT_LOG_FORMAT="JSON").log_format == "json"


def test_the_level_given_wins_over_the_setting() -> None:
    out = io.StringIO()
    install_logging(settings(COHORTBOT_LOG_LEVEL="DEBUG"), stream=out, level="WARNING")
    logging.getLogger("cohortbot.test").info("hidden")
    logging.getLogger("cohortbot.test").warning("shown")
    assert "hidden" not in out.getvalue() and "shown" in out.getvalue()
