"""The newcomer watch: a newcomer's top-level question nobody answers pings the moderators,
once; replies in the thread or to the asker, old members, replies and opted-out members don't."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.actions import PostMessage
from tests.unit.steps.health.support import WATCH, pings, watched

# ---------------------------------------------------------------------------- newcomer watch


async def test_an_unanswered_newcomer_question_pings_the_moderators_once(tmp_path: Path) -> None:
    bot = await watched(tmp_path)
    await bot.advance("1d")
    question = await bot.post("alice", "general", "How do I install pandas on Windows?")
    await bot.post("alice", "general", "still wondering", thread=question)  # her own reply doesn't count
    await bot.advance("3h59m")
    assert pings(bot) == []
    await bot.advance("1m")
    [ping] = pings(bot)
    assert ping.message.text.startswith("<@alice> joined 1 day(s) ago and asked a question <t:")
    assert "has no reply yet" in ping.message.text
    assert [(f.name, f.value) for f in ping.message.fields] == [("Where", "<#id-general>")]
    await bot.advance("1d")
    assert len(pings(bot)) == 1
    await bot.close()


async def test_a_reply_in_the_thread_or_to_the_asker_means_no_ping(tmp_path: Path) -> None:
    bot = await watched(tmp_path)
    first = await bot.post("alice", "general", "What is a DataFrame?")
    await bot.advance("1h")
    await bot.post("bob", "general", "A table with named columns", thread=first)
    second = await bot.post("alice", "general", "And a Series?")
    await bot.advance("2h")
    await bot.post("bob", "general", "One column", reply_to=bot.user("alice"), reply_to_message=second)
    await bot.advance("1d")
    assert pings(bot) == []
    await bot.close()


async def test_only_newcomers_top_level_questions_are_watched(tmp_path: Path) -> None:
    bot = await watched(tmp_path)
    await bot.advance("15d")
    await bot.join("carol")
    await bot.post("alice", "general", "Anyone up for a study group?")  # joined 15 days ago
    await bot.post("carol", "general", "Hello everyone!")  # not a question
    parent = await bot.post("bob", "general", "Welcome carol")
    await bot.post("carol", "general", "Thanks, where are the notes?", thread=parent)  # a reply
    await bot.command("carol", "privacy optout")
    await bot.post("carol", "general", "Is the quiz graded?")  # opted out: not watched
    await bot.advance("1d")
    assert pings(bot) == []
    await bot.close()


async def test_without_a_moderators_channel_the_watch_stays_quiet(tmp_path: Path) -> None:
    bot = await watched(tmp_path, WATCH.replace(", moderators: mod-team", ""))
    await bot.post("alice", "general", "Where do I start?")
    await bot.advance("1d")
    assert [a for a in bot.performed if isinstance(a, PostMessage)] == []
    await bot.close()
