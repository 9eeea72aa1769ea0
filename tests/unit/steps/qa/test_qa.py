"""Expert Q&A as a facilitator runs it: open, questions asked and upvoted, ranked, answered
and routed back to the askers, closed with the unanswered ones posted and a summary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.actions import PostMessage, RespondToInteraction
from cohortbot.playbook.messages import literal
from tests.harness import Harness

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  qa:
    questions_per_member: 2
    max_question_length: 80
    keep_closed_for: 7d
"""
PEOPLE = ("mod", "grace", "alice", "bob", "carol", "dave")


async def started(tmp_path: Path, yaml: str = PLAYBOOK) -> Harness:
    bot = await Harness.start(tmp_path, yaml)
    for name in PEOPLE:
        await bot.join(name)
    return bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


def said(answer: RespondToInteraction | None) -> str:
    assert answer is not None
    return answer.message.plain_text()


def qa_posts(bot: Harness) -> list[PostMessage]:
    return [p for p in bot.posts_in("announcements") if p.origin == "qa"]


async def vote(bot: Harness, name: str, number: int) -> str:
    button = bot.button(qa_posts(bot)[: number + 1], f"Upvote Q{number}")
    return said(await bot.click(name, button))


async def qa_documents(bot: Harness) -> list[str]:
    async with bot.database.unit_of_work() as uow:
        return sorted(await uow.state.keys(bot.community, "qa."))


async def opened(bot: Harness, details: str = "Ask a data scientist @grace until 3d") -> None:
    answer = said(await bot.command("mod", f"qa open {details}"))
    assert answer.startswith("Opened the Q&A **Ask a data scientist**"), answer


async def test_a_moderator_opens_a_qa_with_an_expert_and_it_is_announced(bot: Harness) -> None:
    assert "moderators" in said(await bot.command("alice", "qa open Sneaky"))
    await opened(bot)
    [card] = qa_posts(bot)
    assert card.message.title == "Q&A: Ask a data scientist"
    assert "with **grace**" in card.message.text and "/cohort qa ask QUESTION" in card.message.text
    assert [f.name for f in card.message.fields] == ["Open until"]
    again = said(await bot.command("mod", "qa open Another one"))
    assert "is still open: one Q&A runs at a time" in again
    assert len(qa_posts(bot)) == 1


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ("@grace until 3d", "needs a title"),
        ("Title @nobody", "I don't know the member @nobody"),
        ("Title until soon", "`until` takes a date and time or a duration like 3d"),
        ("Title until 2020-01-01 10:00", "`until` must be in the future"),
        ("Title until 60d", "30 days at most"),
        ("x" * 101, "keep it to 100"),
    ],
)
async def test_open_says_what_is_wrong(bot: Harness, details: str, expected: str) -> None:
    assert expected in said(await bot.command("mod", f"qa open {details}"))
    assert qa_posts(bot) == []


async def test_questions_become_cards_with_an_upvote_button_and_member_text_stays_text(bot: Harness) -> None:
    assert "No Q&A is open" in said(await bot.command("alice", "qa ask Anyone there?"))
    await opened(bot)
    hostile = "Is <@bob> **right** about [x](https://evil.example)?"
    assert "**Q1**" in said(await bot.command("alice", f"qa ask {hostile}"))
    card = qa_posts(bot)[-1]
    assert card.message.text == f"{literal(hostile)} (asked by alice)"
    assert [b.label for b in card.message.buttons] == ["Upvote Q1"]
    assert "keep it to 80" in said(await bot.command("bob", "qa ask " + "why " * 30))
    assert "**Q2**" in said(await bot.command("alice", "qa ask Second?"))
    assert "the most one member may" in said(await bot.command("alice", "qa ask Third?"))
    assert len(qa_posts(bot)) == 3  # the announcement and two questions


async def test_one_vote_per_member_not_on_your_own_and_a_second_press_takes_it_back(bot: Harness) -> None:
    await opened(bot)
    await bot.command("alice", "qa ask What should I learn first?")
    assert "your own question" in await vote(bot, "alice", 1)
    assert "now 1 vote" in await vote(bot, "bob", 1)
    assert "now 2 votes" in await vote(bot, "carol", 1)
    assert "taken back (now 1 vote)" in await vote(bot, "bob", 1)
    listing = said(await bot.command("dave", "qa list"))
    assert "**Q1** · 1 vote ·" in listing


async def test_the_list_ranks_by_votes_and_ties_go_to_the_oldest_question(bot: Harness) -> None:
    await opened(bot)
    for name, question in (("alice", "First?"), ("bob", "Second?"), ("carol", "Third?"), ("dave", "Fourth?")):
        await bot.command(name, f"qa ask {question}")
        await bot.advance("5m")
    for voter in ("alice", "bob", "dave"):
        await vote(bot, voter, 3)
    await vote(bot, "alice", 4)
    await vote(bot, "carol", 2)
    listing = said(await bot.command("grace", "qa list"))
    order = [line.split("**")[1] for line in listing.splitlines() if ". **Q" in line]
    assert order == ["Q3", "Q2", "Q4", "Q1"]  # 3 votes; then 1, 1 (Q2 asked first); then 0
    assert "4 open, 0 answered." in listing


async def test_the_expert_answers_it_is_posted_and_the_asker_gets_a_dm(bot: Harness) -> None:
    await opened(bot)
    await bot.command("alice", "qa ask How do I start with pandas?")
    refused = said(await bot.command("bob", "qa answer Q1 Read the docs"))
    assert "Only the Q&A's expert and the moderators" in refused
    assert "No question 'Q9'" in said(await bot.command("grace", "qa answer Q9 Hmm"))
    reply = "Start with the 10-minute guide, then **practise** <@bob>"
    answered = said(await bot.command("grace", f"qa answer q1 {reply}"))
    assert "posted and sent to the member who asked" in answered
    post = qa_posts(bot)[-1]
    assert post.message.title == "Answered: Q1 · Ask a data scientist"
    assert f"**grace:** {literal(reply)}" in post.message.text
    [dm] = bot.dms_to("alice")[-1:]
    assert "How do I start with pandas?" in dm.message.text and literal(reply) in dm.message.text
    assert "answered already" in said(await bot.command("mod", "qa answer 1 Again"))
    assert "answered already" in await vote(bot, "bob", 1)
    assert "0 open, 1 answered." in said(await bot.command("alice", "qa list"))


async def test_closing_posts_the_unanswered_ranked_and_dms_the_moderators_the_summary(bot: Harness) -> None:
    await opened(bot, "Ask a data scientist @grace until 2026-03-04 18:00")
    await bot.command("alice", "qa ask Answered one?")
    await bot.command("bob", "qa ask Less wanted?")
    await bot.command("carol", "qa ask Most wanted?")
    await vote(bot, "dave", 3)
    await bot.command("grace", "qa answer Q1 Yes.")
    await bot.advance("2d")  # Wed 4 March 09:00 Berlin: still open
    assert qa_posts(bot)[-1].message.title.startswith("Answered")
    await bot.advance("9h")  # 18:00 passes
    closing = qa_posts(bot)[-1]
    assert closing.message.title == "Q&A closed: Ask a data scientist"
    text = closing.message.text
    assert "1 of 3 questions answered" in text
    assert text.index("Most wanted?") < text.index("Less wanted?") and "Answered one?" not in text
    [summary] = bot.dms_to("mod")[-1:]
    assert summary.message.title == "Q&A summary: Ask a data scientist"
    assert "3 questions from 3 members, 1 votes; 1 answered, 2 not." in summary.message.text
    assert "No Q&A is open" in said(await bot.command("alice", "qa ask Late?"))
    assert "nothing to close" in said(await bot.command("mod", "qa close"))
    await opened(bot)  # the next one may open


async def test_a_moderator_closes_it_by_hand_and_a_closed_qa_is_deleted_later(bot: Harness) -> None:
    await opened(bot, "Ask a data scientist")
    await bot.command("alice", "qa ask Anything?")
    assert "Closed **Ask a data scientist**" in said(await bot.command("mod", "qa close"))
    assert "1 of 1" not in qa_posts(bot)[-1].message.text and "Anything?" in qa_posts(bot)[-1].message.text
    assert await qa_documents(bot) == ["qa.qa.ask-a-data-scientist-20260302-0900"]
    await bot.advance("6d")
    assert len(await qa_documents(bot)) == 1
    await bot.advance("1d")
    await bot.advance("1h")
    assert await qa_documents(bot) == []


PLANNED = PLAYBOOK + """
    planned:
      - name: ama-march
        title: March AMA
        expert: grace
        opens: "2026-03-03 10:00"
        until: "2026-03-05 18:00"
        description: Ask anything about careers in data.
"""


async def test_a_playbook_qa_opens_on_its_date_and_closes_at_its_end(tmp_path: Path) -> None:
    bot = await started(tmp_path, PLANNED)
    try:
        await bot.advance("1d")  # Tue 3 March 09:00 Berlin: not yet
        assert qa_posts(bot) == []
        await bot.advance("1h")  # 10:00: the planner opens it
        [card] = qa_posts(bot)
        assert card.message.title == "Q&A: March AMA" and "with **grace**" in card.message.text
        await bot.command("alice", "qa ask What do hiring managers look for?")
        assert "posted" in said(await bot.command("grace", "qa answer Q1 Curiosity."))
        await bot.advance("3d")
        assert qa_posts(bot)[-1].message.title == "Q&A closed: March AMA"
        before = len(qa_posts(bot))
        await bot.advance("1d")
        assert len(qa_posts(bot)) == before  # opened once, never again
    finally:
        await bot.close()


def test_help_lists_the_qa_commands_under_their_own_title() -> None:
    from cohortbot.playbook.help import GROUP_TITLES

    assert GROUP_TITLES["qa"] == "Expert Q&A"


async def test_a_planned_qa_waits_while_another_is_open(tmp_path: Path) -> None:
    bot = await started(tmp_path, PLANNED)
    try:
        await opened(bot, "Ask a data scientist")
        await bot.advance("1d1h")  # Tue 10:00 passes: the planned one can't open yet
        assert [p.message.title for p in qa_posts(bot)] == ["Q&A: Ask a data scientist"]
        await bot.command("mod", "qa close")
        await bot.advance("1h")  # the next round opens it
        assert qa_posts(bot)[-1].message.title == "Q&A: March AMA"
    finally:
        await bot.close()


ANONYMOUS = PLAYBOOK.replace("    keep_closed_for: 7d\n", "    keep_closed_for: 7d\n    anonymous: true\n")


async def test_anonymous_questions_name_no_one_on_cards_lists_or_summaries(tmp_path: Path) -> None:
    bot = await started(tmp_path, ANONYMOUS)
    try:
        await opened(bot)
        await bot.command("alice", "qa ask Who reads this?")
        assert qa_posts(bot)[-1].message.text == "Who reads this?"
        listing = said(await bot.command("bob", "qa list"))
        assert "Who reads this?" in listing and "alice" not in listing
        await bot.command("mod", "qa close")
        [summary] = bot.dms_to("mod")[-1:]
        assert "Who reads this?" in summary.message.text and "alice" not in summary.message.text
    finally:
        await bot.close()
