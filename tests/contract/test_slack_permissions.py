"""Moderator commands on Slack, through slack-bolt against the fake Slack (issue 10).

Table-driven from the engine's own catalog (as ``test_permissions.py`` on the harness): every
moderator subcommand of ``/cohort``, typed as a slash command by a plain member, is refused;
typed by a moderator (a workspace admin: the example playbook counts platform admins), it is
answered. The answer travels as Slack's does: the runtime decides, the deliverer posts it to
the command's response_url. A command nobody has is answered by help, which lists only what
the asker may run.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.commands import CommandSpec, OptionKind
from cohortbot.playbook.steps import STEPS
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import SlackBot, load_payload, slack_fake, start_bot

__all__ = ["slack_fake"]

CATALOG = [command.spec for step in STEPS for command in step.commands]
MODERATOR_ONLY = [spec for spec in CATALOG if spec.moderator]
MEMBER, MODERATOR = "UMEMBER", "UADMIN"  # the fake's plain member and workspace admin


def valid_text(spec: CommandSpec) -> str:
    """The command with arguments its parser accepts, so a refusal is the permission check's."""
    words = list(spec.path)
    for opt in spec.options:
        if opt.choices:
            words.append(opt.choices[0])
        elif opt.kind is OptionKind.INTEGER:
            words.append("2")
        elif opt.kind is OptionKind.USER:
            words.append("<@UNEW|grace>")  # how Slack escapes a mention (should_escape: true)
        else:
            words.append("x")
    return " ".join(words)


@pytest.fixture
async def bot(slack_fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    async with start_bot(slack_fake, tmp_path, "http", default_playbook_path().read_text()) as started:
        yield started


async def command(bot: SlackBot, user: str, text: str, *, name: str) -> Any:
    """``/cohort text`` from ``user``; returns the ack's body."""
    payload = load_payload("slash_command") | {
        "user_id": user,
        "user_name": bot.fake.users[user]["name"],
        "text": text,
        "trigger_id": f"t-{name}",
        "response_url": bot.fake.response_url(name),
    }
    ack = await bot.deliver(payload, kind="slash_commands")
    assert ack.status == 200
    return ack.body


def answers(bot: SlackBot, name: str) -> list[str]:
    """Every answer through ``name``'s response_url (text and blocks), at least one."""
    found = [json.dumps(r) for r in bot.fake.responses if r["id"] == name]
    assert found, f"{name}: no answer"
    return found


def answer(bot: SlackBot, name: str) -> str:
    [only] = answers(bot, name)
    return only


def test_the_table_is_not_empty() -> None:
    assert len(MODERATOR_ONLY) >= 20


@pytest.mark.parametrize("spec", MODERATOR_ONLY, ids=lambda s: s.name)
async def test_a_member_is_refused_every_moderator_command_and_a_moderator_is_answered(
    bot: SlackBot, spec: CommandSpec
) -> None:
    await command(bot, MEMBER, valid_text(spec), name="member")
    await bot.handled(1)
    refused = answer(bot, "member")
    assert f"only moderators can use `/cohort {spec.name}`" in refused
    assert json.loads(refused)["response_type"] == "ephemeral"
    assert bot.fake.calls_to("views.open") == []  # nor a form for the member

    await command(bot, MODERATOR, valid_text(spec), name="moderator")
    await bot.handled(2)
    opened = bot.fake.calls_to("views.open")  # a command may answer with a form instead
    # ... or more than once (/cohort health: "preparing the report", then the report)
    assert opened or not any("only moderators" in a for a in answers(bot, "moderator"))


async def test_an_unknown_command_lists_only_what_a_member_may_run(bot: SlackBot) -> None:
    await command(bot, MEMBER, "frobnicate now", name="unknown")
    await command(bot, MODERATOR, "frobnicate now", name="unknown-mod")
    await bot.handled(2)  # help answers, in the engine: it knows who asks
    reply, moderator_reply = answer(bot, "unknown"), answer(bot, "unknown-mod")
    assert json.loads(reply)["response_type"] == "ephemeral"
    assert "There's no “/cohort frobnicate now”. What you can run:" in json.loads(reply)["text"]
    for spec in CATALOG:
        assert (f"/cohort {spec.name}" in reply) is not spec.moderator, spec.name
        assert f"/cohort {spec.name}" in moderator_reply, spec.name


async def test_help_lists_only_what_the_asker_may_run(bot: SlackBot) -> None:
    await command(bot, MEMBER, "help", name="member")
    await command(bot, MODERATOR, "help", name="moderator")
    await bot.handled(2)
    member_help, moderator_help = answer(bot, "member"), answer(bot, "moderator")
    for spec in CATALOG:
        assert (f"/cohort {spec.name}" in member_help) is not spec.moderator, spec.name
        assert f"/cohort {spec.name}" in moderator_help, spec.name
