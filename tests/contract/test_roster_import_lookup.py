"""``cohortbot roster import`` as a facilitator types it, against the fake Slack and the fake
Discord: the people already in the workspace or server are found (Slack by email, Discord by
username) and recorded as joined; the others are not yet. Without Slack's optional email scope
the import says so once and still matches by handle."""

from __future__ import annotations

from pathlib import Path

from tests.contract.cli_runs import discord_env, run_cli, slack_env
from tests.contract.conftest import discord_fake
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import slack_fake

__all__ = ["discord_fake", "slack_fake"]

ROSTER = (
    "name,email,handle,cohort\n"
    "Bo Member,bo@example.org,,\n"  # in the workspace: found by email
    "Ada Admin,ada.private@example.org,ada,\n"  # another email: found by handle
    "Cy Newcomer,cy@example.org,cy,\n"  # not there yet
)


def playbook(folder: Path, community: str) -> Path:
    file = folder / "cohort.yaml"
    file.write_text(
        f"name: Roster cohort\ncommunities: [\"{community}\"]\ntimezone: Europe/Berlin\n"
        "channels: {welcome: welcome, intros: intros, moderators: mods}\n"
        "steps:\n  roster: {daily: null}\n"
    )
    return file


async def import_roster(folder: Path, community: str, env: dict[str, str], *, then_list: bool = False) -> str:
    """What the import prints, and what ``roster list`` prints after it with ``then_list``."""
    (folder / "learners.csv").write_text(ROSTER)
    file = str(playbook(folder, community))
    done = await run_cli(
        "roster", "import", "learners.csv", "-p", file, "--community", community, cwd=folder, env=env
    )
    assert done.code == 0, done.text
    if not then_list:
        return done.text
    listed = await run_cli("roster", "list", "-p", file, "--community", community, cwd=folder, env=env)
    assert listed.code == 0, listed.text
    return done.text + listed.out


async def test_a_slack_import_finds_members_by_email_and_else_by_handle(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    said = await import_roster(tmp_path, "slack:T0COHORT", slack_env(slack_fake), then_list=True)
    assert "2 already in the community: matched" in said
    assert "slack:T0COHORT: 3 on the roster, 2 joined, 1 not yet" in said
    assert "Cy Newcomer <cy@example.org> @cy: not yet" in said
    assert [c.params["email"] for c in slack_fake.calls_to("users.lookupByEmail")] == [
        "bo@example.org",
        "ada.private@example.org",
        "cy@example.org",
    ]


async def test_without_the_email_scope_a_slack_import_says_so_and_matches_handles(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    slack_fake.scopes.discard("users:read.email")
    said = await import_roster(tmp_path, "slack:T0COHORT", slack_env(slack_fake))
    assert said.count("users:read.email") == 1  # said once, not once per row
    assert "1 already in the community: matched" in said  # Ada, by handle


async def test_a_discord_import_finds_members_by_username(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    await discord_fake.add_member("Ada Lovelace", username="ada")
    await discord_fake.add_member("Cyrus", username="cyrus")  # "cy" is the start of it, not it
    community = f"discord:{discord_fake.guild_id}"
    said = await import_roster(tmp_path, community, discord_env(discord_fake))
    assert "1 already in the community: matched" in said
    assert sorted(discord_fake.member_searches) == ["ada", "cy"]
