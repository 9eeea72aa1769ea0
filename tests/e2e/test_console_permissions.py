"""Moderator commands through `cohortbot run`'s console, table-driven from the engine's catalog.

One scripted session (a subprocess, the default playbook): alice, a plain member, runs every
moderator subcommand and is refused each; bob, given the playbook's Moderators role, runs the
same and is answered; the reply to an unknown command and `/cohort help` list alice only what
she may run. A `/time` line between commands marks where each one's output ends.
"""

from __future__ import annotations

import re

import pytest

from cohortbot.playbook.commands import CommandSpec
from tests.contract.test_permissions import CATALOG, MODERATOR_ONLY, valid_text
from tests.e2e.test_console_cli import cohortbot

MARK = re.compile(r"^\* time is .*$", re.MULTILINE)
EXTRA = [
    "alice: /cohort nonsense",
    "alice: /cohort session frobnicate",
    "alice: /cohort help",
    "bob: /cohort help",
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each scripted command line -> what the bot printed in answer to it."""
    lines = [f"{who}: /cohort {valid_text(spec)}" for spec in MODERATOR_ONLY for who in ("alice", "bob")]
    lines += EXTRA
    script = "/join alice\n/role bob Moderators\n" + "".join(f"/time\n{line}\n" for line in lines) + "/time\n"
    result = cohortbot("run", cwd=tmp_path_factory.mktemp("console"), stdin=script, timeout=120)
    assert result.returncode == 0, result.stderr
    segments = MARK.split(result.stdout)[1:-1]  # before the first mark: the join; after the last: nothing
    assert len(segments) == len(lines)
    return dict(zip(lines, segments, strict=True))


@pytest.mark.parametrize("spec", MODERATOR_ONLY, ids=lambda s: s.name)
def test_a_member_is_refused_and_a_moderator_answered(outputs: dict[str, str], spec: CommandSpec) -> None:
    refused = outputs[f"alice: /cohort {valid_text(spec)}"]
    answered = outputs[f"bob: /cohort {valid_text(spec)}"]
    assert f"[to alice, only you] Sorry, only moderators can use `/cohort {spec.name}`." in refused
    assert "[to bob, only you] " in answered and "only moderators" not in answered


def listed(text: str) -> set[str]:
    return {spec.name for spec in CATALOG if f"/cohort {spec.name}" in text}


def test_the_unknown_command_reply_lists_only_what_the_member_may_run(outputs: dict[str, str]) -> None:
    unknown = outputs["alice: /cohort nonsense"]
    assert "There's no “/cohort nonsense”. What you can run:" in unknown
    assert listed(unknown) == {spec.name for spec in CATALOG if not spec.moderator}
    # A word the session group lacks: its member commands, not its moderator ones (create, notes).
    in_group = outputs["alice: /cohort session frobnicate"]
    assert "There's no “/cohort session frobnicate”. In sessions and deadlines you can run:" in in_group
    group = {s.name for s in CATALOG if s.path[0] in ("session", "deadline") and not s.moderator}
    assert listed(in_group) == group | {"help"}  # and where to see the rest
    assert {s.name for s in MODERATOR_ONLY if s.path[0] == "session"}  # there was something to leave out


def test_help_lists_the_member_their_commands_and_a_moderator_all(outputs: dict[str, str]) -> None:
    assert listed(outputs["alice: /cohort help"]) == {spec.name for spec in CATALOG if not spec.moderator}
    assert listed(outputs["bob: /cohort help"]) == {spec.name for spec in CATALOG}
