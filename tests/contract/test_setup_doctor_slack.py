"""Issue 12's "done when" on Slack, typed as a user would against the fake Slack: the bot joins
the public channels the playbook uses, so their messages reach it and are counted; setup creates
the missing channels and user groups once; doctor names a missing scope and channel membership."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.cli_runs import run_cli, slack_env
from tests.contract.fakes.slack_fake import BOT_TOKEN, FakeSlack
from tests.contract.slack_fixtures import SlackBot, slack_fake, start_bot

__all__ = ["slack_fake"]

PLAYBOOK = """
name: Slack cohort
communities: ["slack:T0COHORT"]
community_name: Slack Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: intros, moderators: mods, general: general}
moderators: {roles: [moderators], platform_admins: true}
guidelines: {link: "https://example.org/rules"}
steps:
  welcome:
    message: "Hi {member}!"
    guidelines: {required: true, role: Member}
  intros: {min_length: 20}
"""


@pytest.fixture
async def bot(slack_fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    slack_fake.bot_absent_from.add("CINTROS")  # installed, never invited to #intros
    slack_fake.add_usergroup("S0MODS", "moderators", ["UADMIN"])
    async with start_bot(slack_fake, tmp_path, "socket", PLAYBOOK) as started:
        yield started


def activity_count(folder: Path) -> int:
    with sqlite3.connect(folder / "bot.db") as db:
        return int(db.execute("SELECT count(*) FROM activity").fetchone()[0])


async def test_setup_joins_the_channels_so_their_messages_are_counted_and_a_second_run_changes_nothing(
    bot: SlackBot, tmp_path: Path
) -> None:
    fake, env, file = bot.fake, slack_env(bot.fake), str(tmp_path / "playbook.yaml")
    assert (
        fake.channel_message("CINTROS", "UMEMBER", "Hi, I'm Bo and I love statistics") is None
    )  # Slack sends nothing

    dry = await run_cli("setup", "-p", file, "--dry-run", cwd=tmp_path, env=env)
    assert dry.code == 0, dry.text
    assert "Slack workspace Cohort Test (slack:T0COHORT), playbook 'Slack cohort'" in dry.out
    assert "exists: role 'moderators', #welcome, #intros" in dry.out
    assert "would join #intros (so the bot sees its messages)" in dry.out
    assert "would create channel #mods (private: moderators and the bot)" in dry.out
    assert "would create channel #general" in dry.out
    assert "would create role 'Member'" in dry.out
    assert "Dry run: 5 change(s) planned, nothing changed." in dry.out
    assert not fake.calls_to("conversations.join") and not fake.calls_to("conversations.create")

    done = await run_cli("setup", "-p", file, cwd=tmp_path, env=env)
    assert done.code == 0, done.text
    assert "joined #intros (so the bot sees its messages)" in done.out
    assert BOT_TOKEN not in done.text
    mods = next(c for c in fake.channels.values() if c["name"] == "mods")
    assert mods["is_private"] and "UADMIN" in mods["members"]  # the moderators' group is invited
    assert [g["handle"] for g in fake.usergroups.values()] == ["moderators", "member"]
    assert [m["text"] for m in fake.posted_in("CWELCOME") if m.get("pinned")] == [
        "Community guidelines of Slack Cohort:\nhttps://example.org/rules"
    ]

    before = activity_count(tmp_path)
    payload = fake.channel_message("CINTROS", "UMEMBER", "Hi, I'm Bo and I love statistics")
    assert payload is not None
    await bot.deliver(payload, kind="events_api")
    await bot.handled(1)
    assert activity_count(tmp_path) == before + 1

    calls = len(fake.calls)
    again = await run_cli("setup", "-p", file, cwd=tmp_path, env=env)
    assert again.code == 0, again.text
    assert "Nothing to do: everything the playbook names exists." in again.out
    changing = (
        "conversations.create",
        "conversations.join",
        "usergroups.create",
        "pins.add",
        "chat.postMessage",
    )
    assert not [c for c in fake.calls[calls:] if c.method in changing]


async def test_doctor_names_a_missing_scope_and_a_channel_the_bot_is_not_in(
    bot: SlackBot, tmp_path: Path
) -> None:
    fake, env = bot.fake, slack_env(bot.fake)
    fake.scopes.discard("channels:join")
    ran = await run_cli("doctor", "-p", str(tmp_path / "playbook.yaml"), cwd=tmp_path, env=env)
    assert ran.code == 1, ran.text
    assert "ok   the Slack token is valid" in ran.out
    assert "FAIL the Slack app has every scope of the manifest" in ran.out
    assert "fix: missing channels:join: add them under OAuth & Permissions -> Bot Token Scopes" in ran.out
    assert "FAIL the bot is in #intros (Slack sends no messages from a channel the bot is not in)" in ran.out
    assert "fix: run `cohortbot setup` (the bot joins it), or /invite @cohortbot in the channel" in ran.out
    assert "FAIL #mods exists in Cohort Test" in ran.out
    assert "ok   a playbook runs Cohort Test (slack:T0COHORT)" in ran.out
    assert BOT_TOKEN not in ran.text


async def test_doctor_passes_once_setup_ran(bot: SlackBot, tmp_path: Path) -> None:
    env, file = slack_env(bot.fake), str(tmp_path / "playbook.yaml")
    assert (await run_cli("setup", "-p", file, cwd=tmp_path, env=env)).code == 0
    ran = await run_cli("doctor", "-p", file, cwd=tmp_path, env=env)
    assert ran.code == 0, ran.text
    assert "ok   the bot is in #intros" in ran.out and "ok   the user group 'Member' exists" in ran.out
    assert ran.out.rstrip().endswith("All checks passed.")


async def test_init_fills_in_the_workspace_of_the_token(slack_fake: FakeSlack, tmp_path: Path) -> None:
    env = slack_env(slack_fake)
    ran = await run_cli("init", "cohort.yaml", "--name", "Slack Cohort", "--yes", cwd=tmp_path, env=env)
    assert ran.code == 0, ran.text
    assert "1. Cohort Test (slack:T0COHORT)" in ran.out
    assert 'communities: ["slack:T0COHORT"]' in (tmp_path / "cohort.yaml").read_text()
    assert (await run_cli("check", "cohort.yaml", cwd=tmp_path, env=env)).code == 0
