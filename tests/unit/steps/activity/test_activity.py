"""Activity is recorded without text, and not at all for members who opted out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.harness import Harness

PLAYBOOK = """
name: Privacy test
default: true
channels: {intros: introductions}
steps:
  welcome: {message: "Hi {member}"}
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def activity(bot: Harness, name: str | None = None) -> list:  # type: ignore[type-arg]
    async with bot.database.unit_of_work() as uow:
        return await uow.activity.list(bot.community, user=bot.user(name) if name else None)


async def test_messages_are_recorded_with_metadata_but_never_their_text(bot: Harness) -> None:
    question = await bot.post("alice", "general", "How do I read a CSV file with pandas?")
    await bot.post(
        "bob", "general", "Thanks, that is a great question, this helps a lot!", reply_to=bot.user("alice")
    )
    await bot.react("carol", question, "👍", author="alice")
    rows = await activity(bot)
    assert [(r.user.id, r.kind) for r in rows] == [
        ("alice", "message"),
        ("bob", "reply"),
        ("carol", "reaction"),
    ]
    asked, answered, reacted = rows
    assert asked.is_question and not answered.is_question
    assert asked.length == len("How do I read a CSV file with pandas?")
    assert answered.reply_to is not None and answered.reply_to.id == "alice"
    assert answered.sentiment is not None and answered.sentiment > 0.5
    assert reacted.reply_to is not None and reacted.reply_to.id == "alice"
    assert not any("pandas" in str(value) for row in rows for value in asdict(row).values())


async def test_message_text_is_never_stored(bot: Harness) -> None:
    await bot.post("alice", "general", "Zanzibar-quokka secret phrase?")
    await bot.runtime.settle()
    stored = await bot.stored_text()
    assert "alice" in stored
    assert "Zanzibar-quokka" not in stored
    assert len(await activity(bot, "alice")) == 1


async def test_a_negative_message_scores_negative(bot: Harness) -> None:
    await bot.post("alice", "general", "I'm stuck, frustrated and this is terrible.")
    [row] = await activity(bot)
    assert row.sentiment is not None and row.sentiment < -0.5


async def test_bot_posts_and_direct_messages_are_not_activity(bot: Harness) -> None:
    await bot.post("helper", "general", "Automated notice", is_bot=True)
    await bot.post("alice", "dm", "hello bot", is_direct=True)
    assert await activity(bot) == []


async def test_opting_out_stops_recording_and_opting_in_resumes(bot: Harness) -> None:
    answer = await bot.command("alice", "privacy optout")
    assert answer is not None and "no longer recorded" in answer.message.text
    posted = await bot.post("alice", "general", "not counted")
    await bot.react("alice", posted, "👍", author="alice")
    assert await activity(bot, "alice") == []
    await bot.command("alice", "privacy optin")
    posted = await bot.post("alice", "general", "counted again")
    await bot.react("alice", posted, "🎉", author="alice")
    assert [r.kind for r in await activity(bot, "alice")] == ["message", "reaction"]


async def test_an_opted_out_member_records_no_message_reply_or_reaction(bot: Harness) -> None:
    question = await bot.post("bob", "general", "Anyone tried polars?")
    await bot.command("alice", "privacy optout")
    await bot.post("alice", "general", "Yes, it's fast", reply_to=bot.user("bob"))
    await bot.post("alice", "general", "In the thread too", thread=question)
    await bot.react("alice", question, "🚀", author="bob")
    assert await activity(bot, "alice") == []


async def test_others_replies_and_reactions_to_an_opted_out_member_do_not_name_them(bot: Harness) -> None:
    await bot.command("alice", "privacy optout")
    post = await bot.post("alice", "general", "Here is my notebook")
    await bot.post("bob", "general", "Nice one", reply_to=bot.user("alice"))
    await bot.react("bob", post, "👍", author="alice")
    rows = await activity(bot, "bob")
    assert [(r.kind, r.reply_to) for r in rows] == [("reply", None), ("reaction", None)]
    await bot.command("alice", "privacy optin")
    await bot.react("carol", post, "🎉", author="alice")
    [counted] = await activity(bot, "carol")
    assert counted.reply_to == bot.user("alice")
