"""``/cohort setup`` and ``/cohort status``'s checks in chat, on Slack (slack-bolt vs the fake Slack).

A workspace admin (a moderator by the playbook) types ``/cohort setup``: the plan arrives
through the command's response_url and nothing changes; ``/cohort setup apply`` joins #intros,
creates the private #mods and the user group, pins the guidelines, and says so; once joined,
a post in #intros reaches the bot. ``/cohort status`` lists the doctor's failures (a missing
scope, a channel the bot is not in) and adds nothing once all is well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import SlackBot, slack_fake, start_bot
from tests.contract.test_setup_doctor_slack import PLAYBOOK
from tests.contract.test_slack_permissions import MODERATOR, command

__all__ = ["slack_fake"]

CHANGING = ("conversations.create", "conversations.join", "usergroups.create", "pins.add")


@pytest.fixture
async def bot(slack_fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    slack_fake.bot_absent_from.add("CINTROS")  # installed, never invited to #intros
    slack_fake.add_usergroup("S0MODS", "moderators", ["UADMIN"])
    async with start_bot(slack_fake, tmp_path, "http", PLAYBOOK) as started:
        yield started


async def moderator(bot: SlackBot, text: str, *, name: str) -> list[str]:
    """``/cohort text`` from the workspace admin: every answer's text, in order."""
    before = bot.runtime.processed
    await command(bot, MODERATOR, text, name=name)
    await bot.handled(before + 1)
    return ["\n".join(strings(r)) for r in bot.fake.responses if r["id"] == name]


def strings(value: Any) -> list[str]:
    """Every text in a Slack message body (its text and its blocks'), in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, inner in value.items() if key != "id" for s in strings(inner)]
    if isinstance(value, list):
        return [s for inner in value for s in strings(inner)]
    return []


def changes(fake: FakeSlack) -> list[str]:
    return [c.method for c in fake.calls if c.method in CHANGING]


async def test_setup_plans_then_applies_then_finds_everything(bot: SlackBot) -> None:
    [plan] = await moderator(bot, "setup", name="plan")
    assert "Already there: role 'moderators', #welcome, #intros" in plan
    assert "• join #intros (so the bot sees its messages)" in plan
    assert "• create channel #mods (private: moderators and the bot)" in plan
    assert "`/cohort setup apply` makes these changes" in plan
    assert changes(bot.fake) == []

    [done] = await moderator(bot, "setup apply", name="apply")
    assert "Done: 5 change(s)." in done
    assert "• joined #intros (so the bot sees its messages)" in done
    mods = next(c for c in bot.fake.channels.values() if c["name"] == "mods")
    assert mods["is_private"] and "UADMIN" in mods["members"]
    assert bot.fake.channel_message("CINTROS", "UMEMBER", "Hi, I'm Bo and I love statistics") is not None

    made = changes(bot.fake)
    [again] = await moderator(bot, "setup apply", name="again")
    assert "Nothing to do: everything the playbook names exists." in again
    assert changes(bot.fake) == made


async def test_status_lists_what_is_wrong_then_nothing_once_setup_ran(bot: SlackBot) -> None:
    bot.fake.scopes.discard("channels:join")
    status, checks = await moderator(bot, "status", name="status")
    assert "Outbox:" in status
    assert "problem(s), as `cohortbot doctor` finds them:" in checks
    assert "• the Slack app has every scope of the manifest — fix: missing channels:join" in checks
    assert "• the bot is in #intros" in checks
    assert checks.rstrip().endswith("`/cohort setup apply` creates what is missing.")

    bot.fake.scopes.add("channels:join")
    await moderator(bot, "setup apply", name="apply")
    answered = await moderator(bot, "status", name="status-after")
    assert len(answered) == 1  # the status alone: every check passed
