"""A member's DM to the bot reaches the moderators unless it is a survey answer or a command;
the member hears it was passed on, at most once per half hour; the text is never kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.messages import INLINE_PATTERN
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.welcome.replies import COMMAND_HINT
from tests.harness import Harness
from tests.unit.steps.surveys.support import ASKER, ask

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
      - {after: 7d, unless: posted, message: "How is it going, {member}? Ask anywhere, or reply here."}
  surveys:
    surveys:
      - name: pulse
        title: Pulse
        anonymous: false
        remind: false
        questions:
          - {id: change, type: text, text: "What should we change?"}
"""
ACK = "Thanks alice, I passed your message on to the moderators; someone will get back to you."


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(
        tmp_path, PLAYBOOK, capabilities=Capabilities(modals=False), steps=[*STEPS, ASKER]
    )
    await harness.join("alice")
    yield harness
    await harness.close()


async def dm(bot: Harness, name: str, text: str) -> None:
    await bot.post(name, f"dm-{name}", text, is_direct=True)


async def test_a_reply_to_the_bot_is_forwarded_to_the_moderators_and_acknowledged(bot: Harness) -> None:
    await dm(bot, "alice", "I can't find the notebook from week 2, where is it?")
    [forward] = bot.posts_in("mods")
    assert forward.message.text == (
        "alice (<@alice>) wrote to the bot:\n> I can't find the notebook from week 2, where is it?"
    )
    assert forward.private  # the outbox erases the text once delivered
    assert bot.dms_to("alice")[-1].message.text == ACK


async def test_the_forwarded_text_is_not_kept_anywhere(bot: Harness) -> None:
    await dm(bot, "alice", "my phone number is 0170 5551234")
    assert len(bot.posts_in("mods")) == 1
    assert "5551234" not in await bot.stored_text()


async def test_a_chatty_member_is_answered_once_per_half_hour_but_every_line_is_passed_on(
    bot: Harness,
) -> None:
    for line in ["hi", "quick question", "about week 2"]:
        await dm(bot, "alice", line)
    await bot.advance("29m")
    await dm(bot, "alice", "anyone?")
    assert len(bot.posts_in("mods")) == 4
    assert [d.message.text for d in bot.dms_to("alice")[1:]] == [ACK]
    await bot.advance("1m")
    await dm(bot, "alice", "still there?")
    assert [d.message.text for d in bot.dms_to("alice")[1:]] == [ACK, ACK]


async def test_a_survey_answer_is_not_forwarded_but_a_dm_after_the_survey_is(bot: Harness) -> None:
    await ask(bot, "pulse", "alice", round="r1")
    await bot.click("alice", bot.dms_to("alice")[-1].message.buttons[0])  # Start: "What should we change?"
    await dm(bot, "alice", "More worked examples")  # the answer
    assert bot.posts_in("mods") == []
    assert "Thank you" in bot.dms_to("alice")[-1].message.text
    await dm(bot, "alice", "thanks, that was quick!")  # nothing asked any more: for a human
    assert [p.message.text.split("\n")[1] for p in bot.posts_in("mods")] == ["> thanks, that was quick!"]


async def test_a_command_typed_as_a_message_is_not_forwarded(bot: Harness) -> None:
    await dm(bot, "alice", "/cohort privacy export")
    assert bot.posts_in("mods") == []
    assert bot.dms_to("alice")[-1].message.text == COMMAND_HINT


async def test_hostile_text_is_quoted_inert_and_cut_to_fit(bot: Harness) -> None:
    hostile = "<@mod> <#general> <t:99999999999999> [free](!here) @everyone\n" + "x" * 3000
    await dm(bot, "alice", hostile)
    [forward] = bot.posts_in("mods")
    text = forward.message.text
    tokens = [(m["kind"], m["value"]) for m in INLINE_PATTERN.finditer(text) if m["kind"]]
    assert tokens == [("@", "alice")]  # only the bot's own mention of the author
    assert "\\[free\\](!here)" in text  # shown as typed, no link
    assert len(text) <= 2000 and text.endswith("…")
    assert len(text.split("\n", 1)[1]) <= 1500  # replies.max_length


async def test_forwarding_is_off_when_the_playbook_says_so(tmp_path: Path) -> None:
    off = PLAYBOOK.replace("  welcome:\n", "  welcome:\n    replies: {forward: false}\n")
    bot = await Harness.start(tmp_path, off)
    try:
        await bot.join("alice")
        await dm(bot, "alice", "hello?")
        assert bot.posts_in("mods") == [] and len(bot.dms_to("alice")) == 1  # the welcome only
    finally:
        await bot.close()


async def test_without_a_moderators_channel_nothing_is_promised(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK.replace(", moderators: mods", ""))
    try:
        await bot.join("alice")
        await dm(bot, "alice", "hello?")
        assert len(bot.dms_to("alice")) == 1
    finally:
        await bot.close()
