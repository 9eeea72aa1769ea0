"""The intros step: introductions detected and acknowledged, interests, nudges, key results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from cohortbot.playbook.actions import AddReaction, SendDirectMessage
from cohortbot.playbook.ports import Capabilities
from tests.harness import Harness

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  intros:
    min_length: 20
    acknowledge:
      reaction: "👋"
      reply: "Welcome, {member}! Glad you're here."
      alert_moderators: true
    interests:
      python: [pandas, numpy]
      statistics: [stats, regression]
      machine learning: [ml, deep learning]
      art: []
    nudges:
      after: 3d
      every: 4d
      max: 2
      message: "Hi {member}, tell us about you in {intro_channel}!"
"""

INTRO = "Hi all, I'm Alice. I use pandas at work and want to get better at stats and ML."


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def test_an_introduction_is_detected_and_acknowledged_in_its_thread(bot: Harness) -> None:
    await bot.join("alice")
    intro = await bot.post("alice", "introductions", INTRO)
    member = await bot.member("alice")
    assert member is not None and member.introduced_at == bot.clock.now()
    [reaction] = bot.of(AddReaction)
    assert isinstance(reaction, AddReaction) and reaction.message == intro and reaction.emoji == "👋"
    [reply] = bot.posts_in("introductions")
    assert reply.thread == intro
    assert reply.message.text == "Welcome, alice! Glad you're here."
    [alert] = bot.posts_in("mods")
    assert "<@alice> (alice) just introduced themselves in <#introductions>" in alert.message.text
    assert "Interests: python, statistics, machine learning" in alert.message.text


async def test_only_the_first_introduction_is_acknowledged(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "introductions", INTRO)
    await bot.post("alice", "introductions", "And one more thing: I also enjoy painting on weekends.")
    assert len(bot.of(AddReaction)) == 1 and len(bot.posts_in("introductions")) == 1


async def test_without_threads_or_reactions_the_reply_is_a_post_that_mentions_them(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, capabilities=Capabilities(threads=False, reactions=False))
    try:
        await bot.join("alice")
        await bot.post("alice", "introductions", INTRO)
        assert bot.of(AddReaction) == []
        [reply] = bot.posts_in("introductions")
        assert reply.thread is None
        assert reply.message.text == "<@alice> Welcome, alice! Glad you're here."
    finally:
        await bot.close()


async def test_short_hellos_thread_replies_and_replies_to_others_are_not_introductions(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("bob")
    bobs = await bot.post(
        "bob", "introductions", "Hello! I'm Bob, a statistician from Lyon, happy to be here."
    )
    await bot.post("alice", "introductions", "hi!")
    await bot.post("alice", "introductions", "Welcome Bob, I love statistics too!!", thread=bobs)
    await bot.post("alice", "introductions", "Welcome Bob, I love statistics too!!", reply_to=bot.user("bob"))
    await bot.post("alice", "general", "A long message that is not in the intro channel at all.")
    member = await bot.member("alice")
    assert member is not None and member.introduced_at is None
    assert len(bot.of(AddReaction)) == 1  # Bob's


async def test_interests_are_found_in_the_introduction_by_whole_words(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "introductions", "I build HTML pages and want to learn Deep  Learning, and art.")
    answer = await bot.command("alice", "interests list")
    assert answer is not None
    assert "Your interests: machine learning, art." in answer.message.text  # "html" is not "ml"


async def test_a_silent_member_is_nudged_but_never_more_than_the_maximum(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("bob")
    await bot.post("bob", "introductions", "Hello! I'm Bob, a statistician from Lyon, happy to be here.")
    await bot.advance("3d")
    [nudge] = bot.dms_to("alice")
    assert nudge.message.text == "Hi alice, tell us about you in <#introductions>!"
    assert nudge.fallback_channel is not None and nudge.fallback_channel.matches("welcome")
    await bot.advance("4d")
    await bot.advance("30d")
    assert len(bot.dms_to("alice")) == 2
    assert bot.dms_to("bob") == []  # introduced: no nudge


async def test_nudges_stop_once_the_member_introduces_themselves_or_leaves(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("carol")
    await bot.advance("3d")
    await bot.post("alice", "introductions", INTRO)
    await bot.leave("carol")
    await bot.advance("10d")
    assert len(bot.dms_to("alice")) == 1 and len(bot.dms_to("carol")) == 1


async def test_the_nudge_maximum_holds_across_a_rejoin(bot: Harness) -> None:
    await bot.join("alice")
    await bot.advance("8d")
    await bot.leave("alice")
    await bot.join("alice")
    await bot.advance("10d")
    assert len(bot.dms_to("alice")) == 2


async def test_bots_are_never_nudged(bot: Harness) -> None:
    await bot.join("helper", is_bot=True)
    await bot.advance("10d")
    assert bot.of(SendDirectMessage) == []


async def test_members_choose_interests_from_a_select(bot: Harness) -> None:
    await bot.join("alice")
    answer = await bot.command("alice", "interests choose")
    assert answer is not None and answer.ephemeral
    [select] = answer.message.selects
    assert select.action_id == "intros:interests"
    assert [o.value for o in select.options] == ["python", "statistics", "machine learning", "art"]
    assert select.max_values == 4
    saved = await bot.click("alice", select.action_id, value="art,python,unknown")
    assert saved is not None and saved.message.text == "Saved. Your interests: art, python."
    member = await bot.member("alice")
    assert member is not None and member.data["intros"]["interests"] == ["art", "python"]


async def test_members_add_and_remove_interests_with_commands(bot: Harness) -> None:
    await bot.join("alice")
    added = await bot.command("alice", "interests add Python, regression, knitting")
    assert added is not None
    assert "Your interests: python, statistics." in added.message.text
    assert "Not in the list: knitting. You can choose from: python, statistics, machine learning, art" in (
        added.message.text
    )
    removed = await bot.command("alice", "interests remove python")
    assert removed is not None and removed.message.text == "Your interests: statistics."


async def test_without_a_vocabulary_any_interest_may_be_named(tmp_path: Path) -> None:
    yaml = PLAYBOOK.split("    interests:")[0]
    bot = await Harness.start(tmp_path, yaml)
    try:
        answer = await bot.command("alice", "interests add Knitting, Go")
        assert answer is not None and "Your interests: knitting, go." in answer.message.text
        choose = await bot.command("alice", "interests choose")
        assert choose is not None and choose.message.selects == ()
    finally:
        await bot.close()


async def test_stats_count_introductions_per_week_for_moderators_only(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("bob")
    await bot.join("carol")
    await bot.post("alice", "introductions", INTRO)
    bot.clock.advance(timedelta(days=8))
    await bot.post("bob", "introductions", "Hello! I'm Bob, a statistician from Lyon, happy to be here.")
    await bot.post("carol", "introductions", "Hi, Carol here, painter and curious about Python.")
    refused = await bot.command("alice", "intros stats")
    assert refused is not None and "only moderators" in refused.message.text
    answer = await bot.command("mod", "intros stats")
    assert answer is not None
    text = answer.message.text
    assert "Introductions: **3**" in text
    assert "- week 1 (from 2026-03-02): 1" in text and "- week 2 (from 2026-03-09): 2" in text
    assert "Matches made: **0** in 0 round(s); confirmed met: **0**" in text
