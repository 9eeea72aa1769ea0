"""Issue 12's "done when" on Discord, typed as a user would against the fake Discord:
``setup --dry-run`` shows the plan, ``setup`` creates what is missing with the right permissions
and changes nothing the second time; ``doctor`` pinpoints a missing intent, a missing channel
permission and a server no playbook runs; ``init`` writes a playbook ``check`` accepts."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.contract.cli_runs import discord_env, run_cli
from tests.contract.conftest import discord_fake
from tests.contract.fakes.discord_fake import FakeDiscord

__all__ = ["discord_fake"]

VIEW, SEND = 1 << 10, 1 << 11
# What a bot invited with the permissions the README lists has, without Administrator:
# view, send, history, embeds, files, reactions, threads, manage messages, channels, roles, events.
BOT_PERMISSIONS = sum(1 << bit for bit in (10, 11, 16, 14, 15, 6, 35, 38, 13, 4, 28, 33))


def playbook(fake: FakeDiscord, folder: Path, *, communities: str | None = None) -> Path:
    file = folder / "cohort.yaml"
    file.write_text(
        textwrap.dedent(
            f"""\
            name: Discord cohort
            communities: [{communities or f"discord:{fake.guild_id}"}]
            community_name: Data Cohort
            timezone: Europe/Berlin
            channels: {{welcome: welcome, intros: introductions, moderators: mod-team,
                        announcements: announcements, general: general}}
            moderators: {{roles: [Moderators], platform_admins: true}}
            guidelines: {{text: "Be kind. Ask anything.", link: "https://example.org/rules"}}
            steps:
              welcome:
                message: "Hi {{member}}!"
                guidelines: {{required: true, role: Member}}
              champions: {{role: Champion}}
            """
        )
    )
    return file


def created_channels(fake: FakeDiscord) -> list[str]:
    return [c.json["name"] for c in fake.calls if c.route == "POST /guilds/{guild_id}/channels"]


async def test_setup_plans_then_creates_what_is_missing_and_changes_nothing_the_second_time(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    fake, env = discord_fake, discord_env(discord_fake)
    file = playbook(fake, tmp_path)

    dry = await run_cli("setup", "--playbook", str(file), "--dry-run", cwd=tmp_path, env=env)
    assert dry.code == 0, dry.text
    assert f"Discord server Learning Cohort (discord:{fake.guild_id}), playbook 'Discord cohort'" in dry.out
    assert "exists: role 'Moderators', role 'Champion', #welcome, #introductions, #general" in dry.out
    assert "would create role 'Member'" in dry.out
    assert "would create category 'Data Cohort'" in dry.out
    assert "would create channel #mod-team (private: moderators and the bot)" in dry.out
    assert "would create channel #announcements (read-only for members)" in dry.out
    assert "would post and pin the guidelines in #welcome" in dry.out
    assert "Dry run: 5 change(s) planned, nothing changed." in dry.out
    assert not [c for c in fake.calls if c.method in ("POST", "PUT")]  # the dry run changed nothing

    done = await run_cli("setup", "--playbook", str(file), cwd=tmp_path, env=env)
    assert done.code == 0, done.text
    assert "created channel #mod-team (private: moderators and the bot)" in done.out
    assert "Setup done: 5 change(s)." in done.out
    assert fake.token not in done.text
    assert created_channels(fake) == ["Data Cohort", "mod-team", "announcements"]
    member = fake.role_named("Member")
    assert member["position"] < fake.guilds[fake.guild_id]["bot_role"]["position"]

    category = fake.channel_named("Data Cohort")
    mods = fake.channel_named("mod-team")
    assert category["type"] == 4 and mods["parent_id"] == category["id"]
    overwrites = {o["id"]: o for o in mods["permission_overwrites"]}
    assert int(overwrites[fake.guild_id]["deny"]) & VIEW  # @everyone does not see it
    assert int(overwrites[fake.role_named("Moderators")["id"]]["allow"]) & VIEW
    assert int(overwrites[fake.bot["id"]]["allow"]) & (VIEW | SEND) == VIEW | SEND
    news = {o["id"]: o for o in fake.channel_named("announcements")["permission_overwrites"]}
    assert int(news[fake.guild_id]["deny"]) & SEND and not int(news[fake.guild_id]["deny"]) & VIEW

    pinned = [m for m in fake.messages[fake.channel_named("welcome")["id"]] if m.get("pinned")]
    assert [m["content"] for m in pinned] == [
        "Community guidelines of Data Cohort:\nBe kind. Ask anything.\nhttps://example.org/rules"
    ]

    changes = [c for c in fake.calls if c.method in ("POST", "PUT", "PATCH", "DELETE")]
    again = await run_cli("setup", "--playbook", str(file), cwd=tmp_path, env=env)
    assert again.code == 0, again.text
    assert "Nothing to do: everything the playbook names exists." in again.out
    assert "the guidelines pinned in #welcome" in again.out
    assert [c for c in fake.calls if c.method in ("POST", "PUT", "PATCH", "DELETE")] == changes


async def test_doctor_passes_on_a_server_set_up_for_the_playbook(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    env = discord_env(discord_fake)
    file = playbook(discord_fake, tmp_path)
    assert (await run_cli("setup", "-p", str(file), cwd=tmp_path, env=env)).code == 0
    ran = await run_cli("doctor", "-p", str(file), cwd=tmp_path, env=env)
    assert ran.code == 0, ran.text
    assert "ok   the Discord token is valid" in ran.out
    assert "ok   the Server Members intent is enabled (joins, welcomes)" in ran.out
    assert "ok   the bot's permissions in #mod-team on Learning Cohort" in ran.out
    assert "ok   the bot's role is above 'Member' on Learning Cohort" in ran.out
    assert ran.out.rstrip().endswith("All checks passed.")


async def test_doctor_pinpoints_a_missing_intent_a_missing_permission_and_a_server_no_playbook_runs(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    fake, env = discord_fake, discord_env(discord_fake)
    file = playbook(fake, tmp_path)
    assert (await run_cli("setup", "-p", str(file), cwd=tmp_path, env=env)).code == 0
    fake.bot_role["permissions"] = str(BOT_PERMISSIONS)  # no Administrator: overwrites apply to it
    fake.message_content_intent_enabled = False
    fake.deny_bot("introductions", SEND)
    other = fake.add_guild("Other Server")

    ran = await run_cli("doctor", "-p", str(file), cwd=tmp_path, env=env)
    assert ran.code == 1, ran.text
    lines = ran.out.splitlines()
    failed = [
        (line.strip(), lines[n + 1].strip()) for n, line in enumerate(lines) if line.startswith("  FAIL")
    ]
    assert failed == [
        (
            "FAIL the Message Content intent is enabled (introductions, replies, activity)",
            "fix: https://discord.com/developers/applications -> your application -> Bot -> Privileged "
            "Gateway Intents: enable MESSAGE CONTENT INTENT, save, restart the bot",
        ),
        (
            "FAIL the bot's permissions in #introductions on Learning Cohort",
            "fix: missing Send Messages: in #introductions -> Edit Channel -> Permissions, allow them for "
            "the bot's role (cohortbot)",
        ),
        (
            f"FAIL a playbook runs Other Server (discord:{other})",
            "fix: no playbook names it, so the bot ignores every event there, even /cohort help: add "
            f"'discord:{other}' to `communities:` of a playbook, or make one `default: true`",
        ),
    ]
    assert ran.out.rstrip().endswith("3 check(s) failed.")
    assert fake.token not in ran.text


async def test_doctor_says_when_the_token_is_refused_without_printing_it(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    env = discord_env(discord_fake) | {"DISCORD_TOKEN": "not-the-token-123"}
    ran = await run_cli("doctor", "-p", str(playbook(discord_fake, tmp_path)), cwd=tmp_path, env=env)
    assert ran.code == 1
    assert "FAIL the Discord token is valid" in ran.out
    assert "Discord rejected the bot token (401 Unauthorized)" in ran.out
    assert "not-the-token-123" not in ran.text


async def test_doctor_names_a_server_id_in_a_playbook_that_the_bot_is_not_in(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    env = discord_env(discord_fake)
    file = playbook(
        discord_fake, tmp_path, communities=f"discord:{discord_fake.guild_id}, discord:123456789012345678"
    )
    ran = await run_cli("doctor", "-p", str(file), cwd=tmp_path, env=env)
    assert ran.code == 1
    assert f"FAIL the bot is in discord:123456789012345678, named by {file}" in ran.out


async def test_init_lists_the_servers_and_writes_a_playbook_that_check_accepts(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    env = discord_env(discord_fake)
    ran = await run_cli(
        "init",
        "--name",
        'Data "Science" Cohort',
        "--timezone",
        "America/New_York",
        "--yes",
        cwd=tmp_path,
        env=env,
    )
    assert ran.code == 0, ran.text
    assert f"1. Learning Cohort (discord:{discord_fake.guild_id})" in ran.out
    text = (tmp_path / "playbook.yaml").read_text()
    assert f'communities: ["discord:{discord_fake.guild_id}"]' in text
    assert 'community_name: "Data \\"Science\\" Cohort"' in text and "timezone: America/New_York" in text
    checked = await run_cli("check", "playbook.yaml", cwd=tmp_path, env=env)
    assert checked.code == 0, checked.text
    assert "playbook 'Data \"Science\" Cohort'" in checked.out
    doctor = await run_cli("doctor", "-p", "playbook.yaml", cwd=tmp_path, env=env)
    assert f"ok   a playbook runs Learning Cohort (discord:{discord_fake.guild_id})" in doctor.out
