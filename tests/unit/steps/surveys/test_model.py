"""The surveys step's stored formats, ids and refs (pure), and data stored before typed documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohortbot.playbook.steps.surveys.model import Answers, AnswerSet, Round, SurveysMember
from cohortbot.playbook.steps.surveys.rounds import round_id
from cohortbot.playbook.steps.surveys.ui import ANSWER, NEXT, SKIP, START, ButtonRef, FormRef
from tests.unit.steps.surveys.support import started


def test_an_anonymous_answer_set_is_stored_with_round_and_answers_only() -> None:
    anonymous = AnswerSet(round="r1", answers={"pace": "4"})
    assert anonymous.model_dump(mode="json") == {"round": "r1", "answers": {"pace": "4"}}
    named = AnswerSet(round="r1", answers={"pace": "4"}, member="alice", date="2026-03-02")
    assert set(named.model_dump(mode="json")) == {"round", "answers", "member", "date"}
    part = AnswerSet(round="r1", answers={"wish": "x"}, part=True)
    assert part.model_dump(mode="json") == {"round": "r1", "answers": {"wish": "x"}, "part": True}


def test_anonymous_sets_are_kept_in_content_order_named_ones_in_arrival_order() -> None:
    answers = Answers()
    for pace in ("1", "2", "3", "4"):
        answers.add(AnswerSet(round="r", answers={"pace": pace}))
    answers.add(AnswerSet(round="r", answers={"pace": "9"}, member="zed", date="d"))
    answers.add(AnswerSet(round="r", answers={"pace": "8"}, member="amy", date="d"))
    anonymous = [s for s in answers.sets if s.member is None]
    assert anonymous == sorted(anonymous, key=AnswerSet.order)
    assert [s.member for s in answers.sets[4:]] == ["zed", "amy"]
    assert answers.forget("zed") and [s.member for s in answers.sets if s.member] == ["amy"]
    assert not answers.forget("nobody")


def test_answers_stored_as_a_plain_list_before_still_load() -> None:
    old = [
        {"round": "r", "answers": {"pace": "4"}},
        {"round": "r", "answers": {}, "member": "a", "date": "d"},
    ]
    loaded = Answers.model_validate(old)
    assert [s.member for s in loaded.sets] == [None, "a"] and loaded.of_round("x") == []


def test_a_round_forgets_a_member_but_still_counts_them_as_invited() -> None:
    rnd = Round(survey="s", round="r", sent_on="2026-03-02", invited=["a", "b", "c"], answered=["a", "c"])
    assert rnd.waiting() == ["b"] and rnd.id == "s:r"
    assert rnd.forget("a") and not rnd.forget("a")
    assert (rnd.invited, rnd.answered, rnd.invited_count) == (["b", "c"], ["c"], 3)
    rnd.mark_answered("b")
    assert rnd.answered == ["b", "c"] and rnd.waiting() == []


def test_the_member_part_reads_the_format_stored_before() -> None:
    old = {"progress": {"week3|r1": {"pace": "4"}}, "awaiting": "week3|r1|wish"}
    section = SurveysMember.model_validate(old)
    assert section.progress == {"week3|r1": {"pace": "4"}} and section.awaiting == "week3|r1|wish"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("2026-03-20", "2026-03-20"),
        ("manual-2026-03-02", "manual-2026-03-02"),
        ("session-office-hours-20260303-1700", "session-office-8762bb55"),
        ("after the kickoff! (week 1)", "after-the-kicko-b0bfa1fb"),
        ("!!!", "r-e84c538e"),
    ],
)
def test_round_ids_are_short_slugs_stable_for_a_hint(hint: str, expected: str) -> None:
    assert round_id(hint) == expected
    assert len(expected) <= 24


def test_button_values_and_form_ids_carry_the_draft_and_older_ones_still_parse() -> None:
    ref = ButtonRef("week3", "r1", draft="Tok_en-1234567890")
    assert ref.start() == "week3|r1|Tok_en-1234567890"
    assert ButtonRef.parse(START, ref.start()) == ref
    assert ButtonRef.parse(START, "week3|r1") == ButtonRef("week3", "r1")  # an invitation
    value = ref.question_value("pace", "4")
    assert ButtonRef.parse(ANSWER, value) == ButtonRef("week3", "r1", "pace", "4", "Tok_en-1234567890")
    assert ButtonRef.parse(ANSWER, "week3|r1|pace|4") == ButtonRef("week3", "r1", "pace", "4")  # before
    assert ButtonRef.parse(SKIP, "week3|r1|more") == ButtonRef("week3", "r1", "more")  # before
    assert ButtonRef.parse(NEXT, ref.question_value("wish")) == ButtonRef(
        "week3", "r1", "wish", "", ref.draft
    )
    assert ButtonRef.parse(ANSWER, "week3") is None and ButtonRef.parse(ANSWER, "week3|r1") is None
    form = FormRef("week3", "r1", 1, "Tok_en-1234567890")
    assert form.form_id() == "surveys:page:week3:r1:1:Tok_en-1234567890"
    assert FormRef.parse(form.form_id()) == form
    assert FormRef.parse("surveys:page:week3:r1:0") == FormRef("week3", "r1", 0)
    assert FormRef.parse("surveys:page:week3:r1:x") is None and FormRef.parse("other:page:a:b:0") is None
    longest = FormRef("n" * 32, "r" * 24, 4, "t" * 16).form_id()
    assert len(longest) <= 100  # Discord's limit for a modal's id


async def test_survey_data_stored_before_typed_documents_is_still_read(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        old_round = {
            "survey": "week3",
            "round": "2026-03-20",
            "sent_on": "2026-03-20",
            "reason": "schedule",
            "invited": ["alice", "bob", "carol"],
            "answered": ["alice", "bob", "carol"],
            "reminded": True,
        }
        async with bot.database.unit_of_work() as uow:
            await uow.state.put(bot.community, "surveys.rounds:week3", ["2026-03-20"])
            await uow.state.put(bot.community, "surveys.round:week3:2026-03-20", old_round)
            sets = [{"round": "2026-03-20", "answers": {"pace": p, "nps": "9"}} for p in ("3", "4", "5")]
            await uow.state.put(bot.community, "surveys.answers:week3", sets)
            await uow.commit()
        listing = await bot.command("mod", "survey list")
        assert listing is not None and "1 round(s), 3/3 answered" in listing.message.text
        results = await bot.command("mod", "survey results week3")
        assert results is not None and "**3** response(s) from 3 invited (100%)" in results.message.text
        assert "- mean 4.00 / 5" in results.message.text
    finally:
        await bot.close()
