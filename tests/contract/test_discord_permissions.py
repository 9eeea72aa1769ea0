"""Moderator commands on Discord, table-driven from the engine's catalog (real discord.py vs the fake).

What `cohortbot run` builds with DISCORD_TOKEN and the example playbook, running its real loops:
every moderator subcommand of the `/cohort` tree, invoked as a slash-command interaction by a
plain member, is refused (ephemerally); invoked by a member holding the playbook's
`facilitators` role (a role without any Discord permission, so the answer comes from the
playbook, not from server admin rights), it is answered. `/cohort help` and the reply to a
command Discord still shows but the bot no longer has list a member only what they may run.
One bot serves the whole module; each command is its own test case.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from cohortbot.bot.bootstrap import App, default_playbook_path
from cohortbot.playbook.commands import CommandSpec, OptionKind
from tests.contract.conftest import discord_app, eventually
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.test_permissions import CATALOG, MODERATOR_ONLY

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 1 << 6
DEFERRED = 5  # the "thinking" acknowledgement: not yet the answer


@dataclass
class Bot:
    fake: FakeDiscord
    app: App
    member: str  # user ids
    moderator: str

    async def run(self, user_id: str, spec: CommandSpec) -> tuple[str, dict[str, Any]]:
        """``/cohort <spec>`` with valid options; the answer's text (content and embeds)."""
        raw = await self.fake.invoke_command(user_id, spec.path, valid_options(spec, self.member))
        return await answer(raw), raw


def valid_options(spec: CommandSpec, somebody: str) -> dict[str, Any]:
    """Options Discord would accept, so a refusal can only come from the permission check."""
    values: dict[str, Any] = {}
    for option in spec.options:
        if option.choices:
            values[option.name] = option.choices[0]
        elif option.kind is OptionKind.INTEGER:
            values[option.name] = 2
        elif option.kind is OptionKind.USER:
            values[option.name] = somebody
        else:
            values[option.name] = "x"
    return values


async def answer(raw: dict[str, Any]) -> str:
    def answered() -> list[dict[str, Any]]:
        given = [r.get("data") or {} for r in raw["responses"] if r["type"] != DEFERRED]
        return given + raw["followups"]

    bodies = await eventually(answered, within=10)
    return " ".join(f"{b.get('content') or ''} {b.get('embeds') or ''}" for b in bodies)


def listed(text: str) -> set[str]:
    """The commands a help text names: as `/cohort NAME`, or as `NAME` in the layout of a list
    too long for one message, which says once to type each after /cohort."""
    return {spec.name for spec in CATALOG if f"/cohort {spec.name}" in text or f"`{spec.name}`" in text}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bot]:
    fake = await FakeDiscord().start()
    for name in ("mod-team", "announcements"):  # the example playbook's other channels
        fake.add_channel(name)
    fake.add_role("facilitators")  # no permission at all: a moderator only by the playbook
    tmp: Path = tmp_path_factory.mktemp("discord")
    app = await discord_app(fake, tmp, default_playbook_path())
    task = asyncio.create_task(app.runtime.run())
    try:
        await eventually(lambda: fake.commands, within=10)  # ready: /cohort registered
        alice = await fake.add_member("alice")
        bob = await fake.add_member("bob", roles=("facilitators",))
        yield Bot(fake, app, member=alice["user"]["id"], moderator=bob["user"]["id"])
    finally:
        app.runtime.request_stop()
        await asyncio.wait_for(task, timeout=15)
        await app.database.dispose()
        await fake.close()


async def test_the_registered_tree_holds_every_command_of_the_catalog(bot: Bot) -> None:
    (cohort,) = bot.fake.commands[bot.fake.guild_id]
    registered: set[tuple[str, ...]] = set()
    for option in cohort["options"]:
        if option["type"] == 1:
            registered.add((option["name"],))
        else:
            registered.update((option["name"], sub["name"]) for sub in option["options"])
    assert registered == {spec.path for spec in CATALOG}


@pytest.mark.parametrize("spec", MODERATOR_ONLY, ids=lambda s: s.name)
async def test_a_member_is_refused_and_a_moderator_answered(bot: Bot, spec: CommandSpec) -> None:
    refused, raw = await bot.run(bot.member, spec)
    assert f"only moderators can use `/cohort {spec.name}`" in refused
    assert raw["responses"][0]["data"]["flags"] & EPHEMERAL  # seen by the member alone

    answered, _ = await bot.run(bot.moderator, spec)
    assert answered.strip() and "only moderators" not in answered


async def test_help_lists_the_member_their_commands_and_a_moderator_all(bot: Bot) -> None:
    [help_spec] = [spec for spec in CATALOG if spec.path == ("help",)]
    member_help, _ = await bot.run(bot.member, help_spec)
    moderator_help, _ = await bot.run(bot.moderator, help_spec)
    assert listed(member_help) == {spec.name for spec in CATALOG if not spec.moderator}
    assert listed(moderator_help) == {spec.name for spec in CATALOG}


async def test_a_command_the_bot_no_longer_has_names_nothing_the_member_may_not_run(bot: Bot) -> None:
    # Discord keeps showing a registration until it is synced again: the bot answers anyway.
    gone = CommandSpec(path=("prompt", "retired"), description="", moderator=True)
    reply, _ = await bot.run(bot.member, gone)
    assert "`/cohort prompt retired` is not available here" in reply
    assert listed(reply) == {"help"}
