"""Skill routing: help questions invite a few members with the matching skill, fairly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.profiles.api import routed_answer_counts
from cohortbot.playbook.steps.profiles.model import Routed
from tests.harness import Harness

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  profiles:
    skills:
      python: [pandas, numpy]
      sql: [postgres, join]
      design: []
    routing:
      channels: [help]
      invite: 2
      weekly_budget: 2
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    for name in ("asker", "ann", "ben", "cat", "dan"):
        await harness.join(name)
    for name in ("ann", "ben", "cat"):
        await harness.command(name, "profile set skills python")
    await harness.command("dan", "profile set skills sql")
    yield harness
    await harness.close()


def invitations(bot: Harness) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in ("asker", "ann", "ben", "cat", "dan"):
        counts[name] = sum(1 for dm in bot.dms_to(name) if "matches your skills" in dm.message.text)
    return counts


async def test_a_matching_question_invites_a_few_skilled_members_never_the_asker(bot: Harness) -> None:
    await bot.command("asker", "profile set skills python")
    await bot.post("asker", "help", "How do I group rows in pandas?")
    counts = invitations(bot)
    assert counts["asker"] == 0 and counts["dan"] == 0
    assert sum(counts.values()) == 2
    [dm] = [dm for dm in bot.dms_to("ann") if "matches your skills" in dm.message.text]
    assert "<@asker> asked a question that matches your skills (python)" in dm.message.text
    assert "<#id-help>" in dm.message.text and "/cohort profile routing off" in dm.message.text


async def test_no_invitation_for_statements_other_channels_or_unmatched_questions(bot: Harness) -> None:
    await bot.post("asker", "help", "I love pandas.")
    await bot.post("asker", "general", "Anyone know numpy?")
    await bot.post("asker", "help", "What about Rust?")
    await bot.post("asker", "help", "Is pandasql a thing?")  # whole words only
    assert sum(invitations(bot).values()) == 0


async def test_invitations_rotate_and_respect_the_weekly_budget(bot: Harness) -> None:
    await bot.post("asker", "help", "numpy question 1?")
    first = {n for n, c in invitations(bot).items() if c}
    await bot.post("asker", "help", "numpy question 2?")
    second = {n for n, c in invitations(bot).items() if c} - first
    assert len(first) == 2 and "cat" in second  # who was not asked yet goes first
    for i in range(3, 6):
        await bot.post("asker", "help", f"numpy question {i}?")
    assert invitations(bot) == {"asker": 0, "ann": 2, "ben": 2, "cat": 2, "dan": 0}  # budget: 2 a week
    await bot.advance("8d")
    await bot.post("asker", "help", "numpy question 6?")
    assert sum(invitations(bot).values()) == 8


async def test_members_who_opted_out_are_not_invited(bot: Harness) -> None:
    await bot.command("ann", "profile routing off")
    await bot.command("ben", "profile routing off")
    await bot.post("asker", "help", "A pandas question?")
    assert invitations(bot) == {"asker": 0, "ann": 0, "ben": 0, "cat": 1, "dan": 0}


async def test_replies_in_the_thread_are_counted_by_member(bot: Harness) -> None:
    question = await bot.post("asker", "help", "How do I join two tables in postgres?")
    await bot.post("asker", "help", "Still stuck!", thread=question)
    await bot.post("dan", "help", "Use JOIN ... ON.", thread=question)
    await bot.post("dan", "help", "And an index.", thread=question)
    await bot.post("ann", "help", "Or pandas.merge.", thread=question)
    async with bot.database.unit_of_work() as uow:
        routed = await DocumentStore(uow.state, bot.community, "profiles").load(Routed)
        counts = await routed_answer_counts(uow, bot.community)
    [record] = routed.questions
    assert record.invited == ["dan"] and record.skills == ["sql"]
    assert record.answered_by == ["dan", "ann"]
    assert counts == {"dan": 1, "ann": 1}
    assert "join two tables" not in await bot.stored_text()


async def test_export_and_forget_cover_the_routed_questions(bot: Harness) -> None:
    question = await bot.post("asker", "help", "A postgres question?")
    await bot.post("dan", "help", "Answer.", thread=question)
    await bot.command("dan", "privacy export")
    [dm] = [a for a in bot.dms_to("dan") if a.message.attachments]
    document = json.loads(dm.message.attachments[0].data)
    [entry] = document["steps"]["profiles"]["routed_questions"]
    assert entry["message"] == question.id and entry["as"] == ["invited", "answered"]
    assert document["member"]["data"]["profiles"]["skills"] == ["sql"]
    answer = await bot.command("dan", "privacy delete")
    assert answer is not None
    await bot.click("dan", answer.message.buttons[0])
    async with bot.database.unit_of_work() as uow:
        routed = await DocumentStore(uow.state, bot.community, "profiles").load(Routed)
    [record] = routed.questions
    assert record.invited == [] and record.answered_by == [] and record.erased == 1
    assert record.asker == "asker"
