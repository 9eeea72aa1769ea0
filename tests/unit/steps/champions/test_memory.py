"""The memory of recent posts as stored: a small record per post, bounded per member by age and
count, and the single document of earlier versions still honoured until the weekly round moves
it over."""

from __future__ import annotations

import json

from cohortbot.playbook.refs import MessageRef
from cohortbot.playbook.steps.champions.memory import MAX_PER_MEMBER
from cohortbot.playbook.steps.champions.model import QUESTION
from tests.harness import Harness
from tests.unit.steps.champions.scenario import answer, ask, kinds


async def documents(bot: Harness) -> dict[str, str]:
    """The champions step's stored documents, as JSON text."""
    async with bot.database.unit_of_work() as uow:
        keys = await uow.state.keys(bot.community, "champions.")
        return {key: json.dumps(await uow.state.get(bot.community, key)) for key in keys}


async def test_each_post_is_its_own_small_record_and_the_memory_is_bounded_per_member(bot: Harness) -> None:
    for n in range(MAX_PER_MEMBER + 20):
        await ask(bot, "ana", f"Question number {n}?")
    stored = await documents(bot)
    assert "champions.recent" not in stored  # no single document rewritten by every message
    assert len(stored) == MAX_PER_MEMBER  # the newest of ana's questions
    assert max(len(text) for text in stored.values()) < 100
    member = await bot.member("ana")
    assert member is not None and len(member.data["champions"]["p"]) == MAX_PER_MEMBER
    last = await ask(bot, "ana", "One more question?")
    await answer(bot, "helen", last, "ana")
    assert await kinds(bot, "helen") == [("answer", "ana")]


async def test_the_weekly_round_lets_go_of_posts_past_their_time(bot: Harness) -> None:
    question = await ask(bot, "ana")
    assert len(await documents(bot)) == 1
    await bot.advance("12d")  # to the second Friday round: past remember_posts (7 days)
    assert await documents(bot) == {}
    member = await bot.member("ana")
    assert member is not None and not member.data.get("champions", {}).get("p")
    await answer(bot, "helen", question, "ana")  # too late to earn a credit
    assert await kinds(bot, "helen") == []


async def test_the_single_document_of_earlier_versions_is_read_then_moved_over(bot: Harness) -> None:
    await bot.join("ana")
    await bot.join("ben")
    at = int(bot.clock.now().timestamp())
    general = bot.channel("general").id
    async with bot.database.unit_of_work() as uow:  # as an earlier version stored it
        old = {"m": {"q1": ["ana", at, QUESTION, general], "q2": ["ben", at, QUESTION, general]}}
        await uow.state.put(bot.community, "champions.recent", old)
        await uow.commit()
    await answer(bot, "helen", MessageRef(bot.channel("general"), "q1"), "ana")
    assert await kinds(bot, "helen") == [("answer", "ana")]
    await bot.advance("4d2h")  # Friday's round (Monday 08:00 UTC now) moves the old document over
    stored = await documents(bot)
    assert "champions.recent" not in stored
    assert {"champions.post.q1", "champions.post.q2"} <= set(stored)
    await answer(bot, "cleo", MessageRef(bot.channel("general"), "q2"), "ben")
    await bot.post("dan", "general", "Try this", reply_to=bot.user("ben"))  # no message id: ben's latest
    assert await kinds(bot, "cleo") == [("answer", "ben")]
    assert await kinds(bot, "dan") == [("answer", "ben")]
