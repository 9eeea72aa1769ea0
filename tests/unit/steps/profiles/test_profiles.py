"""Profiles: set (form or field by field), share, show, the directory, personas, privacy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.actions import OpenForm, RespondToInteraction
from cohortbot.playbook.events import FormSubmitted
from cohortbot.playbook.messages import literal
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import InteractionRef, Platform
from cohortbot.playbook.steps.profiles.api import persona_of
from tests.harness import Harness

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  welcome:
    follow_ups:
      - after: 2d
        unless: posted
        persona: Career-Changer  # as the playbook names it
        message: "Hi {member}, career changers meet on Fridays!"
  profiles:
    ask_persona_at_join: true
    personas:
      - name: career-changer
        label: Changing careers
        welcome: "Welcome, {member}! Many here changed careers too."
      - name: student
        label: Student
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


def text(answer: RespondToInteraction | None) -> str:
    assert answer is not None
    return answer.message.text


async def test_fields_are_set_one_at_a_time_and_validated(bot: Harness) -> None:
    await bot.join("alice")
    assert "Saved" in text(await bot.command("alice", "profile set skills Python, SQL ,python"))
    answer = text(await bot.command("alice", "profile set timezone Mars/Olympus"))
    assert "IANA" in answer and "Europe/Berlin" in answer
    await bot.command("alice", "profile set timezone America/New_York")
    await bot.command("alice", "profile set pronouns she/her")
    assert "at most 30 characters" in text(await bot.command("alice", "profile set pronouns " + "x" * 31))
    pirate = text(await bot.command("alice", "profile set persona pirate"))
    assert "Personas: career-changer, student" in pirate
    shown = text(await bot.command("alice", "profile show"))
    assert "**skills**: python, sql (shared with members)" in shown
    assert f"**timezone**: {literal('America/New_York')}" in shown
    assert "**pronouns**: she/her" in shown
    await bot.command("alice", "profile set skills none")
    assert "**skills**: —" in text(await bot.command("alice", "profile show"))


async def test_too_many_or_too_long_items_are_refused(bot: Harness) -> None:
    await bot.join("alice")
    many = ", ".join(f"s{i}" for i in range(11))
    assert "At most 10 skills" in text(await bot.command("alice", f"profile set skills {many}"))
    assert "at most 40 characters" in text(await bot.command("alice", "profile set interests " + "y" * 41))
    member = await bot.member("alice")
    assert member is not None and "profiles" not in member.data


async def test_with_modals_set_opens_a_form_and_its_answers_are_saved(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, capabilities=Capabilities(modals=True))
    try:
        await bot.join("alice")
        shown = await bot.command("alice", "profile set")
        assert shown is not None and "**skills**: — (shared with members)" in shown.message.text
        await bot.click("alice", Harness.button([shown], "Edit my profile"))
        [form] = bot.of(OpenForm)
        assert isinstance(form, OpenForm)
        inputs = [i.input_id for i in form.form.inputs]
        assert inputs == ["interests", "skills", "goals", "timezone", "pronouns"]
        interaction = InteractionRef(Platform.MEMORY, "form1", token="tok")
        await bot.send(
            FormSubmitted,
            actor=bot.actor("alice"),
            interaction=interaction,
            form_id=form.form.form_id,
            values={"skills": "statistics", "timezone": "Nowhere/Land", "goals": "", "pronouns": "they/them"},
        )
        answer = text(bot.answer(interaction))
        assert answer.startswith("Saved, except:\ntimezone: A time zone is an IANA name")
        assert "**skills**: statistics" in answer and "**pronouns**: they/them" in answer
    finally:
        await bot.close()


async def test_what_members_see_follows_what_the_owner_shares(bot: Harness) -> None:
    for name in ("alice", "bob", "mod"):
        await bot.join(name)
    await bot.command("alice", "profile set skills python")
    await bot.command("alice", "profile set goals <@bob> **win**")
    assert "python" in text(await bot.command("bob", "profile show alice"))
    assert "\\<@bob\\> \\*\\*win\\*\\*" in text(await bot.command("bob", "profile show alice"))
    await bot.command("alice", "profile share moderators goals")
    assert "goals" not in text(await bot.command("bob", "profile show alice"))
    assert "win" in text(await bot.command("mod", "profile show alice"))
    await bot.command("alice", "profile share nobody")
    assert text(await bot.command("bob", "profile show alice")) == "alice shares no profile with you."
    assert text(await bot.command("mod", "profile show alice")) == "alice shares no profile with you."
    assert "python" in text(await bot.command("alice", "profile show"))  # always their own


async def test_the_directory_lists_only_what_members_share(bot: Harness) -> None:
    for name in ("alice", "bob", "carol", "dave"):
        await bot.join(name)
    await bot.command("alice", "profile set skills python, sql")
    await bot.command("bob", "profile set interests python for science")
    await bot.command("carol", "profile set skills python")
    await bot.command("carol", "profile share nobody skills")
    found = text(await bot.command("dave", "profile find PYTHON"))
    assert found.splitlines() == [
        "Members with python:",
        "- <@alice> (skills: python, sql)",
        "- <@bob> (interests: python for science)",
    ]
    assert "Nobody shares" in text(await bot.command("dave", "profile find cobol"))


async def test_the_directory_is_cut_to_the_message_length(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, capabilities=Capabilities(max_message_length=300))
    try:
        for i in range(20):
            await bot.join(f"member{i:02}")
            await bot.command(f"member{i:02}", "profile set skills rust")
        found = text(await bot.command("member00", "profile find rust"))
        assert len(found) <= 300 and found.endswith("more lines")
    finally:
        await bot.close()


async def test_a_new_member_is_asked_their_persona_and_gets_its_welcome(bot: Harness) -> None:
    await bot.join("alice")
    asked = [dm for dm in bot.dms_to("alice") if dm.message.buttons]
    labels = [b.label for b in asked[-1].message.buttons]
    assert labels == ["Changing careers", "Student"]
    answer = text(await bot.click("alice", Harness.button(asked, "Changing careers")))
    assert "Your persona: Changing careers" in answer and "Many here changed careers too." in answer
    member = await bot.member("alice")
    assert member is not None and persona_of(member) == "career-changer"


async def test_a_welcome_follow_up_for_a_persona_reaches_only_that_persona(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("bob")
    await bot.command("alice", "profile set persona career-changer")
    await bot.command("bob", "profile set persona student")
    await bot.advance("3d")
    assert any("career changers meet" in dm.message.text for dm in bot.dms_to("alice"))
    assert not any("career changers meet" in dm.message.text for dm in bot.dms_to("bob"))


async def test_routing_can_be_turned_off_and_on(bot: Harness) -> None:
    await bot.join("alice")
    assert "won't invite you" in text(await bot.command("alice", "profile routing off"))
    member = await bot.member("alice")
    assert member is not None and member.data["profiles"]["routing_off"] is True
    assert "may invite you" in text(await bot.command("alice", "profile routing on"))
