"""Submitting: on time, late or refused, replacing the link, what a submission may be, and
which assignment a member in two cohorts means."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.assignments.model import STEP_NAME, Work
from tests.harness import Harness
from tests.unit.steps.assignments.support import at, enrol, started, text

ESSAY = "essay-20260306-2359"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    await enrol(harness, "alice", "spring")
    yield harness
    await harness.close()


async def work(bot: Harness, moment: str) -> Work:
    async with bot.database.unit_of_work() as uow:
        return await DocumentStore(uow.state, bot.community, STEP_NAME).load(Work, moment)


async def test_a_submission_before_the_due_moment_is_on_time_and_says_when_it_is_due(bot: Harness) -> None:
    answer = await bot.command("alice", "submit essay https://drive.example/a.pdf First draft, be kind")
    assert answer is not None and answer.ephemeral and answer.private
    assert text(answer).splitlines() == [
        r"Recorded for **Essay \<@everyone\>** (Spring 2026): https://drive.example/a.pdf",
        "Note: First draft, be kind",
        f"On time: it is due {timestamp(at('06T23:59'))}.",  # the reader's local time on every platform
        "Submitting again replaces the link.",
    ]
    stored = (await work(bot, ESSAY)).submissions["alice"]
    assert (stored.link, stored.note, stored.late, stored.cohort) == (
        "https://drive.example/a.pdf",
        "First draft, be kind",
        False,
        "spring",
    )


async def test_after_the_due_moment_it_is_marked_late_where_late_work_is_accepted(bot: Harness) -> None:
    await bot.advance("5d")  # Saturday 7 March
    answer = await bot.command("alice", "submit essay https://drive.example/late.pdf")
    assert f"Marked late: it was due {timestamp(at('06T23:59'))}." in text(answer)
    assert (await work(bot, ESSAY)).submissions["alice"].late


async def test_a_late_submission_is_refused_where_the_assignment_refuses_them(bot: Harness) -> None:
    await bot.command("alice", "submit quiz https://quiz.example/1")
    await bot.advance("3d")  # Thursday: the quiz closed on Wednesday 18:00
    answer = await bot.command("alice", "submit quiz https://quiz.example/2")
    quiz = (await work(bot, "quiz-20260304-1800")).submissions["alice"]
    assert text(answer) == (
        f"**Quiz** closed {timestamp(at('04T18:00'))}, and late submissions aren't accepted for it. "
        f"Your submission of {timestamp(quiz.last_at)} stands. "
        "If something kept you from it, talk to a facilitator."
    )
    assert quiz.link == "https://quiz.example/1" and not quiz.late


async def test_submitting_again_replaces_the_link_and_keeps_when_it_was_first_submitted(bot: Harness) -> None:
    await bot.command("alice", "submit essay https://drive.example/v1 draft")
    first = (await work(bot, ESSAY)).submissions["alice"].first_at
    await bot.advance("1d")
    answer = await bot.command("alice", "submit essay https://drive.example/v2")
    stored = (await work(bot, ESSAY)).submissions["alice"]
    assert (stored.link, stored.note, stored.first_at) == ("https://drive.example/v2", "", first)
    assert stored.last_at == bot.clock.now() and stored.last_at > first
    replaced = f"This replaces the link you sent {timestamp(first)} (first submitted {timestamp(first)})."
    assert replaced in text(answer)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("submit essay ftp://files.example/a", "LINK must be a web address starting with https://"),
        ("submit essay my-essay.pdf", "To hand in a file, share a link to it"),
        ("submit essay https://", "LINK must be a web address"),
        ("submit essay https://x.example/" + "a" * 600, "the most I keep is 500"),
        ("submit essay https://x.example/a " + "word " * 80, "keep it to 300"),
        ("submit nonesuch https://x.example/a", "There's no assignment named `nonesuch`. Yours: `essay`,"),
        ("submit autumn/essay https://x.example/a", "There's no cohort named `autumn`"),
        ("submit summer/essay https://x.example/a", "belongs to Summer 2026, and you're not in that cohort"),
    ],
)
async def test_what_is_refused_is_explained_and_nothing_is_recorded(
    bot: Harness, typed: str, expected: str
) -> None:
    assert expected in text(await bot.command("alice", typed))
    assert (await work(bot, ESSAY)).submissions == {}


async def test_member_text_in_the_answer_is_shown_as_typed(bot: Harness) -> None:
    answer = await bot.command("alice", "submit essay https://x.example/[a](b) <@U1> **hi**")
    lines = text(answer).splitlines()
    assert lines[0].endswith(r"https://x.example/\[a\](b)")
    assert lines[1] == r"Note: \<@U1\> \*\*hi\*\*"


async def test_a_member_in_no_cohort_is_told_so(bot: Harness) -> None:
    await bot.join("zoe")
    assert "You're not in a cohort" in text(await bot.command("zoe", "submit essay https://x.example/a"))


async def test_in_two_cohorts_the_one_due_next_is_taken_and_the_other_can_be_named(bot: Harness) -> None:
    await enrol(bot, "dave", "spring", "summer")
    # "project": summer's is due Tuesday 3 March (its first week), spring's Friday 13 March.
    answer = await bot.command("dave", "submit project https://x.example/p")
    assert "Recorded for **Summer project** (Summer 2026)" in text(answer)
    assert "`/cohort submit spring/project LINK` for that one." in text(answer)
    assert (await work(bot, "project-20260303-1200")).submissions["dave"].cohort == "summer"
    named = await bot.command("dave", "submit spring/project https://x.example/s")
    assert "Recorded for **Spring project** (Spring 2026)" in text(named)
    await bot.advance("2d")  # Wednesday 4 March: summer's has closed, spring's is next
    later = await bot.command("dave", "submit project https://x.example/s2")
    assert "Recorded for **Spring project**" in text(later) and "This replaces" in text(later)


async def test_cohorts_sharing_an_assignment_moment_share_the_submission(bot: Harness) -> None:
    await enrol(bot, "dave", "spring", "summer")
    await bot.command("dave", "submit essay https://x.example/e")
    progress = text(await bot.command("mod", "assignment progress essay"))
    assert progress.count("On time: dave") == 2  # one essay, due at one moment, for both cohorts
