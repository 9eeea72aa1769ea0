"""Moderator commands, table-driven from the engine's own catalog: refused to a plain member.

A new moderator command is covered without touching this file. Valid arguments are made from
each command's options, so the refusal comes from the permission check, not the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.commands import CommandSpec, OptionKind
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness

CATALOG = [command.spec for step in STEPS for command in step.commands]
MODERATOR_ONLY = [spec for spec in CATALOG if spec.moderator]


def valid_text(spec: CommandSpec) -> str:
    words = list(spec.path)
    for opt in spec.options:
        if opt.choices:
            words.append(opt.choices[0])
        elif opt.kind is OptionKind.INTEGER:
            words.append("2")
        elif opt.kind is OptionKind.USER:
            words.append("alice")
        else:
            words.append("x")
    return " ".join(words)


def test_the_table_is_not_empty() -> None:
    assert len(MODERATOR_ONLY) >= 20


@pytest.mark.parametrize("spec", MODERATOR_ONLY, ids=lambda s: s.name)
async def test_a_member_is_refused_every_moderator_command(tmp_path: Path, spec: CommandSpec) -> None:
    bot = await Harness.start(tmp_path, default_playbook_path().read_text())
    try:
        await bot.join("alice")
        refused = await bot.command("alice", valid_text(spec))
        assert refused is not None
        assert f"only moderators can use `/cohort {spec.name}`" in refused.message.text
        answered = await bot.command("facilitator", valid_text(spec))
        assert answered is not None and "only moderators" not in answered.message.text
    finally:
        await bot.close()


def names(text: str, command: str) -> bool:
    """Whether a help text lists ``command``: as `/cohort NAME`, or as `NAME` in the layout of a
    list too long for one message (it says once to type each after /cohort)."""
    return f"/cohort {command}" in text or f"`{command}`" in text


async def test_help_lists_only_what_the_member_may_run(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, default_playbook_path().read_text())
    try:
        member_help = await bot.command("alice", "help")
        moderator_help = await bot.command("facilitator", "help")
        assert member_help is not None and moderator_help is not None
        for spec in CATALOG:
            assert names(member_help.message.text, spec.name) is not spec.moderator, spec.name
            assert names(moderator_help.message.text, spec.name), spec.name
    finally:
        await bot.close()
