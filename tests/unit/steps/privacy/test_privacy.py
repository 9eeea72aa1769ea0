"""`/cohort privacy`: export everything kept about you, delete it, opt out: the member's rights."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.playbook.actions import SendDirectMessage
from tests.harness import Harness

PLAYBOOK = """
name: Privacy test
default: true
channels: {intros: introductions, welcome: welcome}
steps:
  welcome: {message: "Hi {member}"}
  intros:
    min_length: 20
    interests: {python: [pandas]}
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def activity(bot: Harness, name: str) -> list[Any]:
    async with bot.database.unit_of_work() as uow:
        return await uow.activity.list(bot.community, user=bot.user(name))


async def exported(bot: Harness, name: str) -> tuple[SendDirectMessage, dict[str, Any]]:
    answer = await bot.command(name, "privacy export")
    assert answer is not None and "direct message" in answer.message.text
    [dm] = [a for a in bot.dms_to(name) if a.message.attachments]
    return dm, json.loads(dm.message.attachments[0].data)


async def confirm_delete(bot: Harness, name: str) -> str:
    answer = await bot.command(name, "privacy delete")
    assert answer is not None and "cannot be undone" in answer.message.text
    [confirm] = answer.message.buttons
    done = await bot.click(name, confirm)
    assert done is not None
    return done.message.text


async def test_export_sends_the_members_own_data_as_a_json_file(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "general", "My first question?")
    await bot.post("bob", "general", "Bob's message")
    dm, document = await exported(bot, "alice")
    assert document["member"]["user"]["id"] == "alice"
    assert [row["kind"] for row in document["records"]["activity"]] == ["message"]
    assert "My first question" not in dm.message.attachments[0].data.decode()
    assert "bob" not in json.dumps(document["records"])


async def test_export_holds_every_steps_part_and_is_not_kept_once_sent(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "introductions", "Hi! I'm Alice and I love pandas and notebooks.")
    dm, document = await exported(bot, "alice")
    assert document["member"]["data"]["intros"]["interests"] == ["python"]
    assert dm.private
    stored = await bot.stored_text()
    assert "my-cohortbot-data.json" not in stored  # delivered: the outbox keeps no payload


async def test_nothing_is_deleted_before_the_member_confirms(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "general", "something")
    answer = await bot.command("alice", "privacy delete")
    assert answer is not None and "cannot be undone" in answer.message.text
    assert len(await activity(bot, "alice")) == 1
    assert await bot.member("alice") is not None


async def test_delete_removes_the_members_records_and_profile(bot: Harness) -> None:
    await bot.join("alice")
    message = await bot.post("alice", "general", "something")
    await bot.react("alice", message, "👍", author="alice")
    text = await confirm_delete(bot, "alice")
    assert "Deleted: 2 activity records" in text
    assert await activity(bot, "alice") == []
    assert await bot.member("alice") is None


async def test_others_replies_to_a_deleted_member_stay_without_naming_them(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "general", "A question?")
    await bot.post("bob", "general", "An answer", reply_to=bot.user("alice"))
    await confirm_delete(bot, "alice")
    [reply] = await activity(bot, "bob")
    assert reply.kind == "reply" and reply.reply_to is None


async def test_a_deleted_member_who_comes_back_stays_opted_out_and_is_not_welcomed_twice(
    bot: Harness,
) -> None:
    await bot.join("alice")
    await bot.post("alice", "general", "something")
    await confirm_delete(bot, "alice")
    await bot.join("alice", event_id="replayed-join")
    assert len([dm for dm in bot.dms_to("alice") if "Hi alice" in dm.message.text]) == 1
    await bot.post("alice", "general", "back again")
    assert await activity(bot, "alice") == []
    member = await bot.member("alice")
    assert member is not None and member.analytics_opt_out


async def test_deleting_twice_is_harmless(bot: Harness) -> None:
    await bot.join("alice")
    await confirm_delete(bot, "alice")
    text = await confirm_delete(bot, "alice")
    assert "Deleted: 0 activity records" in text
    assert await bot.member("alice") is None


async def test_export_holds_every_kind_of_activity_record_of_the_member_only(bot: Harness) -> None:
    await bot.join("alice")
    question = await bot.post("bob", "general", "Who knows SQL windows?")
    await bot.post("alice", "general", "I do!", reply_to=bot.user("bob"))
    await bot.post("alice", "general", "And a question of mine?")
    await bot.react("alice", question, "👍", author="bob")
    await bot.react("bob", question, "🎉", author="bob")
    _dm, document = await exported(bot, "alice")
    rows = document["records"]["activity"]
    assert sorted(row["kind"] for row in rows) == ["message", "reaction", "reply"]
    assert [row["reply_to_user_id"] for row in rows if row["kind"] == "reply"] == ["bob"]


async def test_delete_removes_every_kind_of_record_and_unlinks_others_reactions(bot: Harness) -> None:
    await bot.join("alice")
    question = await bot.post("bob", "general", "Who knows SQL windows?")
    mine = await bot.post("alice", "general", "I do!", reply_to=bot.user("bob"))
    await bot.post("alice", "general", "Deep in the thread", thread=question)
    await bot.react("alice", question, "👍", author="bob")
    await bot.react("bob", mine, "🙏", author="alice")
    text = await confirm_delete(bot, "alice")
    assert "Deleted: 4 activity records" in text  # her reply, thread post, reaction; bob's unlinked
    assert await activity(bot, "alice") == []
    bobs = await activity(bot, "bob")
    assert [(r.kind, r.reply_to) for r in bobs] == [("message", None), ("reaction", None)]
    assert "alice" not in await bot.stored_text()
