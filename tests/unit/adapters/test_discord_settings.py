"""DISCORD_SHARD_IDS and DISCORD_SHARD_COUNT: a process's shards must exist in the bot's count."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cohortbot.adapters.discord.settings import DiscordSettings
from tests.e2e.test_console_cli import cohortbot


def read(monkeypatch: pytest.MonkeyPatch, **env: str) -> DiscordSettings:
    """The settings as a process with ``env`` in its environment (and no ``.env``) reads them."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return DiscordSettings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("ids", "count", "expected"),
    [
        (None, None, (None, None)),
        (None, "4", (None, 4)),  # every shard of the count in this one process
        ("[0,1]", "4", ([0, 1], 4)),
        ("[3]", "4", ([3], 4)),
        ("[0]", "1", ([0], 1)),
    ],
)
def test_shards_within_the_count_are_accepted(
    monkeypatch: pytest.MonkeyPatch, ids: str | None, count: str | None, expected: tuple[object, object]
) -> None:
    env = {k: v for k, v in {"DISCORD_SHARD_IDS": ids, "DISCORD_SHARD_COUNT": count}.items() if v}
    settings = read(monkeypatch, **env)
    assert (settings.shard_ids, settings.shard_count) == expected


@pytest.mark.parametrize(
    ("ids", "count", "message"),
    [
        ("[0,4]", "4", "DISCORD_SHARD_IDS [4] outside DISCORD_SHARD_COUNT=4: shard ids go from 0 to 3"),
        ("[-1,5,7]", "2", "DISCORD_SHARD_IDS [-1, 5, 7] outside DISCORD_SHARD_COUNT=2: shard ids go from 0 to 1"),  # noqa: E501
        ("[0,1]", None, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the number of shards of the whole bot"),
        ("[1,1]", "2", "DISCORD_SHARD_IDS names a shard twice"),
        (None, "0", "greater than or equal to 1"),
    ],
)
def test_shards_outside_the_count_are_refused_saying_which(
    monkeypatch: pytest.MonkeyPatch, ids: str | None, count: str | None, message: str
) -> None:
    env = {k: v for k, v in {"DISCORD_SHARD_IDS": ids, "DISCORD_SHARD_COUNT": count}.items() if v}
    with pytest.raises(ValidationError) as refused:
        read(monkeypatch, **env)
    assert message in str(refused.value)


def test_check_and_run_refuse_a_shard_outside_the_count_before_connecting(tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text("name: P\ndefault: true\n")
    # A token but no reachable Discord: the refusal comes first, from the settings alone.
    env = {"DISCORD_TOKEN": "not-a-token", "DISCORD_SHARD_IDS": "[0,4]", "DISCORD_SHARD_COUNT": "4",
           "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10"}  # fmt: skip
    for args in (("check", str(playbook)), ("run", "--playbook", str(playbook))):
        result = cohortbot(*args, cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [
            "error: settings: DISCORD_SHARD_IDS [4] outside DISCORD_SHARD_COUNT=4: shard ids go from 0 to 3",
            "1 problem(s) found.",
        ]
