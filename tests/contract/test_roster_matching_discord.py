"""Roster matching on Discord (issue 13), with the real discord.py against the fake Discord:
a join (live or caught up) carries the member's username as ``handle``, and the roster
import's lookups find members by their exact username through Search Guild Members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cohortbot.adapters.discord.adapter import DiscordAdapter, DiscordConfig
from cohortbot.adapters.discord.admin import DiscordAdmin
from cohortbot.bot.roster_lookup import look_up
from cohortbot.config.playbook import load_playbooks
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from tests.contract.conftest import DISCORD_CATALOG, RecordingSink, discord_config, discord_fake
from tests.contract.fakes.discord_fake import FakeDiscord

__all__ = ["discord_fake"]

SEARCH = "GET /guilds/{guild_id}/members/search"


def playbooks(fake: FakeDiscord, folder: Path) -> PlaybookSet:
    file = folder / "cohort.yaml"
    file.write_text(
        f"name: Discord cohort\ncommunities: [discord:{fake.guild_id}]\ntimezone: Europe/Berlin\n"
        "channels: {welcome: welcome, intros: introductions}\n"
    )
    return load_playbooks([file])


def admin(fake: FakeDiscord) -> DiscordAdmin:
    return DiscordAdmin(DiscordConfig(token=fake.token, api_base_url=fake.base_url))


class Notes:
    """A progress callback that keeps what it was told."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, message: str, /, *, done: int | None = None, total: int | None = None) -> None:
        self.lines.append(message if done is None else f"{message} {done}/{total}")


async def test_a_join_and_the_catch_up_carry_the_username_as_the_handle(discord_fake: FakeDiscord) -> None:
    fake = discord_fake
    earlier = fake._member(
        fake._user(fake.new_id(), "Grace Hopper", username="grace_h"),
        roles=[],
        pending=False,
        joined_at=(datetime.now(UTC) - timedelta(days=3)).isoformat(),
    )
    fake.members[earlier["user"]["id"]] = earlier  # a member before the bot connected
    sink = RecordingSink()
    adapter = DiscordAdapter(discord_config(fake))
    await adapter.start(sink, DISCORD_CATALOG)
    try:
        caught = await sink.wait_for(MemberJoined, lambda e: e.member.id == earlier["user"]["id"])
        assert caught.backfill
        assert (caught.handle, caught.display_name, caught.email) == ("grace_h", "Grace Hopper", "")

        joined = await fake.add_member("Ada Lovelace", username="ada.l")
        live = await sink.wait_for(MemberJoined, lambda e: e.member.id == joined["user"]["id"])
        assert not live.backfill
        assert (live.handle, live.display_name, live.email) == ("ada.l", "Ada Lovelace", "")
    finally:
        await adapter.close()


async def test_the_lookup_finds_members_by_their_exact_username_only(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    fake = discord_fake
    ada = await fake.add_member("Ada Lovelace", username="ada")
    adam = await fake.add_member("Adam Smith", username="adam")
    nicknamed = await fake.add_member("Zed", username="zed_real")
    nicknamed["nick"] = "carol"  # the search finds them for "carol": a nickname is not a handle
    people = [
        ("ada@example.org", "ada"),  # Discord shows a bot no emails: by handle
        ("", "@Adam"),
        ("", "ad"),  # the start of two usernames, neither of them
        ("", "Ada Lovelace"),  # a display name
        ("", "carol"),
        ("", "nobody"),
        ("", ""),
        ("someone@example.org", "ADA"),  # the same member again
        ("", "x"),  # too short for a username: not asked
    ]
    notes = Notes()
    community = CommunityRef(Platform.DISCORD, fake.guild_id)
    found = await look_up(playbooks(fake, tmp_path), community, people, notes, sessions=[admin(fake)])

    assert dict(found) == {
        0: UserRef(Platform.DISCORD, ada["user"]["id"], "Ada Lovelace"),
        1: UserRef(Platform.DISCORD, adam["user"]["id"], "Adam Smith"),
        7: UserRef(Platform.DISCORD, ada["user"]["id"], "Ada Lovelace"),
    }
    assert [found[i].name for i in (0, 1, 7)] == ["Ada Lovelace", "Adam Smith", "Ada Lovelace"]
    assert found.problems == []
    # Each handle asked once (as Discord spells usernames), the empty and impossible ones never.
    assert sorted(fake.member_searches) == ["ad", "ada", "ada lovelace", "adam", "carol", "nobody"]
    assert all(c.params["limit"] == "1000" for c in fake.calls_to(SEARCH))
    assert notes.lines[-1].endswith(" 9/9")
    assert not [line for line in notes.lines if "ada" in line.lower() or "@" in line]  # no member data


async def test_a_search_discord_refuses_is_reported_once_and_not_asked_again(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    fake = discord_fake
    await fake.add_member("Ada Lovelace", username="ada")
    fake.fail_next(SEARCH, 403, code=50001, message="Missing Access")
    notes = Notes()
    people = [("", "ada"), ("", "bea"), ("", "cy")]
    community = CommunityRef(Platform.DISCORD, fake.guild_id)
    found = await look_up(playbooks(fake, tmp_path), community, people, notes, sessions=[admin(fake)])

    assert dict(found) == {}
    assert found.problems == [
        "Discord could not search the members of Learning Cohort: HTTP 403 (code 50001)"
    ]
    assert notes.lines.count(found.problems[0]) == 1
    assert len(fake.calls_to(SEARCH, ok_only=False)) == 1  # the other rows were not tried
    assert fake.token not in "\n".join(notes.lines)


async def test_no_playbook_for_the_server_or_no_token_is_said_not_raised(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    fake = discord_fake
    books = playbooks(fake, tmp_path)
    other = CommunityRef(Platform.DISCORD, "42")
    found = await look_up(books, other, [("", "ada")], sessions=[admin(fake)])
    assert found.problems == ["no playbook runs discord:42: add it to `communities:` of a playbook"]

    here = CommunityRef(Platform.DISCORD, fake.guild_id)
    found = await look_up(books, here, [("", "ada")], sessions=[])
    assert found.problems == [
        "looking members up on discord needs DISCORD_TOKEN: members match when they join"
    ]
    assert fake.member_searches == []
