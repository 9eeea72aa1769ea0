"""Anonymous results show only from ``min_respondents`` answers per round (3 unless configured)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from cohortbot.config.playbook import PlaybookError, load_playbooks
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.surveys.api import survey_headlines
from cohortbot.playbook.steps.surveys.config import SurveysConfig
from cohortbot.playbook.steps.surveys.summary import HeldRound, shown, summary_lines, survey_summary
from tests.harness import Harness
from tests.unit.steps.surveys.support import PLAYBOOK, WEEK3, answer_with_forms, ask, invites, started


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


async def answered(bot: Harness, *names: str) -> None:
    for name in names:
        await answer_with_forms(bot, name, invites(bot, name)[-1], WEEK3)


def csv_rows(bot: Harness) -> list[list[str]]:
    dm = bot.dms_to("mod")[-1]
    return list(csv.reader(io.StringIO(dm.message.attachments[0].data.decode())))


async def test_below_three_answers_results_say_how_many_more_are_needed_and_show_nothing(
    bot: Harness,
) -> None:
    await bot.command("mod", "survey send week3")
    await answered(bot, "alice", "bob")
    answer = await bot.command("mod", "survey results week3")
    assert answer is not None
    assert answer.message.text.splitlines() == [
        "**2** response(s) from 3 invited (67%) — anonymous",
        "",
        "Anonymous results are shown once a round has 3 responses, so no answer can be traced. "
        "1 more needed.",
    ]
    assert answer.message.attachments == ()
    one_round = await bot.command("mod", "survey results week3 manual-2026-03-02")
    assert one_round is not None and one_round.message.text.endswith("1 more needed.")
    assert "mean" not in one_round.message.text and one_round.message.attachments == ()

    export = await bot.command("mod", "survey export week3")
    assert export is not None
    assert csv_rows(bot) == [["round", "pace", "useful", "nps", "best", "wish", "more"]]  # no rows
    assert bot.dms_to("mod")[-1].message.text == (
        "**Week 3 check-in**: 0 answer set(s) (anonymous: no names, no times). Not included: 2 answer "
        "set(s) of round(s) with fewer than 3 responses (manual-2026-03-02)."
    )

    await answered(bot, "carol")  # the third answer: now everything shows
    answer = await bot.command("mod", "survey results week3")
    assert answer is not None and "- mean 4.00 / 5" in answer.message.text
    assert "more needed" not in answer.message.text and answer.message.attachments
    await bot.command("mod", "survey export week3")
    assert len(csv_rows(bot)) == 4


async def test_each_round_needs_the_minimum_so_no_round_hides_in_a_total(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await answered(bot, "alice", "bob", "carol")
    await bot.join("dave")
    await ask(bot, "week3", "dave", "alice", round="extra")
    await answer_with_forms(bot, "dave", invites(bot, "dave")[0], {**WEEK3, "pace": "1"})
    answer = await bot.command("mod", "survey results week3")
    assert answer is not None
    text = answer.message.text.splitlines()
    assert text[:4] == [
        "**4** response(s) from 5 invited (80%) — anonymous",
        "",
        "Anonymous results are shown once a round has 3 responses, so no answer can be traced. "
        "Not included yet:",
        "- round extra: 1 response(s), 2 more needed",
    ]
    assert "- mean 4.00 / 5; distribution 1: 0, 2: 0, 3: 0, 4: 3, 5: 0" in text  # dave's 1 is not in
    extra = await bot.command("mod", "survey results week3 extra")
    assert extra is not None and extra.message.text.endswith("2 more needed.")
    await bot.command("mod", "survey export week3")
    assert sorted(r[0] for r in csv_rows(bot)[1:]) == ["manual-2026-03-02"] * 3


async def test_a_named_survey_shows_a_single_answer(bot: Harness) -> None:
    await ask(bot, "session", "alice", round="w1")
    await answer_with_forms(
        bot, "alice", invites(bot, "alice", "Session feedback")[0], {"rating": "4", "comment": ""}
    )
    answer = await bot.command("mod", "survey results session")
    assert answer is not None and "- mean 4.00 / 5" in answer.message.text


async def test_the_minimum_can_be_set_for_the_step_or_per_survey(tmp_path: Path) -> None:
    per_survey = PLAYBOOK.replace(
        "        anonymous: true\n", "        anonymous: true\n        min_respondents: 2\n"
    )
    bot = await started(tmp_path, playbook=per_survey)
    try:
        await bot.command("mod", "survey send week3")
        await answered(bot, "alice")
        answer = await bot.command("mod", "survey results week3")
        assert answer is not None and answer.message.text.endswith(
            "once a round has 2 responses, so no answer can be traced. 1 more needed."
        )
        await answered(bot, "bob")
        answer = await bot.command("mod", "survey results week3")
        assert answer is not None and "- mean 4.00 / 5" in answer.message.text
    finally:
        await bot.close()
    section = yaml.safe_load(PLAYBOOK)["steps"]["surveys"]
    cfg = SurveysConfig.model_validate({**section, "min_respondents": 5})
    week3, session = cfg.surveys
    assert cfg.minimum(week3) == 5 and cfg.minimum(session) is None  # named: no minimum
    assert SurveysConfig.model_validate(section).minimum(week3) == 3


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("  surveys:\n    min_respondents: 1\n", "steps.surveys.min_respondents"),
        (
            "  surveys:\n    surveys:\n"
            "      - {name: w3, title: W3, min_respondents: 0, questions: [{type: nps}]}\n",
            "steps.surveys.surveys[0].min_respondents",
        ),
    ],
)
def test_a_minimum_below_two_is_a_config_error_naming_the_field(
    tmp_path: Path, setting: str, field: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: x\ndefault: true\nsteps:\n{setting}")
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([path], list(STEPS))
    assert f"{field}: min_respondents must be at least 2" in str(caught.value)


async def test_health_headlines_keep_anonymous_scores_back_below_the_minimum(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await answered(bot, "alice", "bob")
    loaded = bot.runtime.engine.playbooks.for_community(bot.community)
    assert loaded is not None
    async with bot.database.unit_of_work() as uow:
        lines = await survey_headlines(uow, bot.community, loaded)
    assert lines == ["- Week 3 check-in: 2 response(s) of 3 (67%); scores from 3 responses per round"]
    await answered(bot, "carol")
    async with bot.database.unit_of_work() as uow:
        lines = await survey_headlines(uow, bot.community, loaded)
    assert lines == [
        "- Week 3 check-in: 3 response(s) of 3 (100%); How is the pace? 4.0/5; "
        "How useful are the live sessions? 5.0/5; NPS +100"
    ]


# ---------------------------------------------------------------------------- pure


def survey() -> SurveysConfig:
    return SurveysConfig.model_validate(yaml.safe_load(PLAYBOOK)["steps"]["surveys"])


def test_shown_keeps_rounds_with_enough_responses_and_counts_what_the_others_need() -> None:
    sets = [
        *({"round": "a", "answers": {"pace": str(v)}} for v in (1, 2, 3)),
        {"round": "b", "answers": {"pace": "5"}},
        {"round": "b", "answers": {"wish": "text"}, "part": True},  # a part is not a response
        {"round": "b", "answers": {"pace": "4"}},
    ]
    visible, held = shown(sets, 3)
    assert [s["round"] for s in visible] == ["a", "a", "a"]
    assert held == [HeldRound(round="b", responses=2, needed=1)]
    assert shown(sets, None) == (sets, [])
    week3 = survey().surveys[0]
    summary = survey_summary(week3, sets, invited=6, minimum=3)
    assert summary.responses == 5 and summary.shown
    pace = summary.question("pace")
    assert pace is not None and pace.answered == 3 and pace.mean == 2.0
    nothing = survey_summary(week3, sets[3:], invited=6, minimum=3)
    assert not nothing.shown and nothing.headline().endswith("; scores from 3 responses per round")
    assert summary_lines(nothing)[-1].endswith(" 1 more needed.")
    assert all(q.answered == 0 and not q.texts for q in nothing.questions)
