"""Resources suggested under questions: matching topics, once per thread, in configured channels,
with a per-channel cooldown."""

from __future__ import annotations

from cohortbot.playbook.actions import PostMessage
from tests.harness import Harness


def suggestions(bot: Harness, channel: str) -> list[PostMessage]:
    return [p for p in bot.posts_in(channel) if "library may help" in p.message.text]


async def test_a_question_naming_a_keyword_gets_the_topics_resources_in_its_thread(bot: Harness) -> None:
    question = await bot.post("ana", "help", "How do I merge two pandas data frames?")
    [post] = suggestions(bot, "help")
    assert post.thread == question
    lines = post.message.text.splitlines()
    assert lines[0] == "These resources from Test Cohort's library may help:"
    # The resource naming the question's own words comes first; at most two (suggest.max).
    assert lines[1:] == [
        "- **Pandas cheat sheet** https://example.org/pandas.pdf",
        "- **The Python tutorial** https://docs.python.org/3/tutorial/ — Start here",
    ]


async def test_only_questions_that_match_in_configured_channels(bot: Harness) -> None:
    await bot.post("ana", "help", "I merged my pandas data frames today.")  # no question
    await bot.post("ana", "help", "Where do we meet on Friday?")  # no topic
    await bot.post("ana", "random", "Any pandas tips?")  # not a configured channel
    await bot.post("ana", "help", "Is pandasql any good?")  # a keyword inside another word
    await bot.post("ana", "help", "Any pandas tips?", is_direct=True)
    assert suggestions(bot, "help") == [] and suggestions(bot, "random") == []
    await bot.post("ana", "general", "Which Postgres query is faster?")  # a channel by its role
    [post] = suggestions(bot, "general")
    assert "SQL zoo" in post.message.text and "Pandas" not in post.message.text


async def test_once_per_thread_and_once_per_cooldown_per_channel(bot: Harness) -> None:
    question = await bot.post("ana", "help", "How do I read a CSV with pandas?")
    await bot.advance("11m")
    await bot.post("bob", "help", "Did you try read_csv with numpy types?", thread=question)
    assert len(suggestions(bot, "help")) == 1  # that thread has had its resources
    await bot.post("bob", "help", "How do I write a SQL join?")
    assert len(suggestions(bot, "help")) == 2  # a new question, past the cooldown
    await bot.advance("5m")
    await bot.post("cleo", "help", "And a postgres query plan?")
    assert len(suggestions(bot, "help")) == 2  # within #help's cooldown
    await bot.post("cleo", "general", "And a postgres query plan?")
    assert len(suggestions(bot, "general")) == 1  # another channel's cooldown
    await bot.advance("6m")
    await bot.post("cleo", "help", "And a postgres query plan?")
    assert len(suggestions(bot, "help")) == 3


async def test_retired_and_approved_links_are_what_gets_suggested(bot: Harness) -> None:
    await bot.command("mod", "resources retire 3")
    await bot.post("ana", "help", "Which postgres query should I learn first?")
    assert suggestions(bot, "help") == []  # sql has nothing left to suggest
    await bot.command("bob", "resources suggest sql https://pgexercises.com PG exercises")
    await bot.command("mod", "resources approve 4")
    await bot.advance("11m")
    await bot.post("ana", "help", "Any postgres query exercises?")
    [post] = suggestions(bot, "help")
    assert "**PG exercises** https://pgexercises.com" in post.message.text
    assert "bob" not in post.message.text


async def test_nothing_of_the_question_is_kept(bot: Harness) -> None:
    await bot.post("ana", "help", "How do pandas pivot tables work, secret-word?")
    assert len(suggestions(bot, "help")) == 1
    assert "secret-word" not in await bot.stored_text()
