"""What ``cohortbot setup`` and ``doctor`` read from a playbook, and ``init`` on the console."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from cohortbot.adapters.slack.admin import manifest_scopes
from cohortbot.adapters.workspace import Visibility
from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.bot.setup import needs_of, same_channel
from cohortbot.bot.starter import starter_playbook
from cohortbot.config.playbook import load_playbook
from tests.e2e.test_console_cli import cli_env


def test_the_example_playbook_needs_its_channels_with_their_visibility_and_the_roles_it_grants() -> None:
    needs = needs_of(load_playbook(default_playbook_path()), "discord")
    visibility = {c.name: c.visibility for c in needs.channels}
    assert visibility == {
        "welcome": Visibility.READ_ONLY,
        "introductions": Visibility.PUBLIC,
        "mod-team": Visibility.PRIVATE,
        "announcements": Visibility.READ_ONLY,
        "general": Visibility.PUBLIC,
    }
    uses = {c.name: c.uses for c in needs.channels}
    assert "steps.health.channel" in uses["mod-team"]  # "channel: moderators" is the playbook's mod-team
    assert needs.granted_roles == ("Member", "Champion")
    assert needs.moderator_roles == ("Moderators", "facilitators")
    assert needs.moderator_users == ()  # "facilitator" is a console name, not a Discord id
    assert (
        needs.guidelines
        == "Community guidelines of Data Science Cohort:\nhttps://example.org/cohort/guidelines"
    )
    assert needs.category == "Data Science Cohort" and needs.native_events


def test_channel_names_match_as_platforms_write_them() -> None:
    assert same_channel("mod-team", "Mod Team") and same_channel("general", "general")
    assert not same_channel("general-chat", "general")


def test_the_manifest_asks_for_what_setup_does() -> None:
    assert {
        "channels:join",
        "channels:manage",
        "groups:write",
        "usergroups:write",
        "pins:read",
    } <= manifest_scopes()


def test_a_starter_playbook_quotes_any_name_as_yaml_text() -> None:
    example = default_playbook_path().read_text()
    text = starter_playbook(example, name='a: "b" # c\\', timezone="Asia/Tokyo", communities=["slack:T1"])
    data = yaml.safe_load(text)
    assert data["name"] == data["community_name"] == 'a: "b" # c\\'
    assert data["communities"] == ["slack:T1"] and data["timezone"] == "Asia/Tokyo"
    assert data["moderators"]["users"] == []


def test_init_without_a_token_writes_a_console_playbook_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    def init(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "cohortbot.bot.cli", "init", *args]
        return subprocess.run(command, cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True)

    ran = init("--name", "Evening Python", "--timezone", "Europe/Paris", "--yes")
    assert ran.returncode == 0, ran.stderr
    assert "wrote playbook.yaml: playbook 'Evening Python' for console, time zone Europe/Paris" in ran.stdout
    assert "next: cohortbot run --playbook playbook.yaml" in ran.stdout
    assert yaml.safe_load((tmp_path / "playbook.yaml").read_text())["communities"] == ["console"]
    again = init("--yes")
    assert again.returncode == 2
    assert "playbook.yaml exists; pass --force to overwrite it" in again.stderr
    bad = init("other.yaml", "--timezone", "Mars/Olympus", "--yes")
    assert bad.returncode == 2 and "unknown time zone 'Mars/Olympus'" in bad.stderr
    assert not (tmp_path / "other.yaml").exists()
