"""Surveys: anonymity, reminders, the live-sessions seam, results, charts and CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from cohortbot.config.playbook import PlaybookError, load_playbooks
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.surveys.config import Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.summary import (
    answers_csv,
    nps_score,
    summary_charts,
    summary_lines,
    survey_summary,
)
from tests.harness import Harness
from tests.unit.steps.surveys.support import (
    PLAYBOOK,
    WEEK3,
    answer_with_forms,
    ask,
    documents,
    invites,
    reminders,
    started,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


# ---------------------------------------------------------------------------- anonymity and reminders


async def test_anonymous_answers_are_stored_without_any_member_id(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await answer_with_forms(bot, "alice", invites(bot, "alice")[0], WEEK3)
    bob = {**WEEK3, "pace": "2", "nps": "6", "best": "Prompts", "wish": "Shorter videos", "more": "All good"}
    await answer_with_forms(bot, "bob", invites(bot, "bob")[0], bob)

    stored = (await documents(bot, "surveys.answers."))["surveys.answers.week3"]["sets"]
    assert sorted(json.dumps(s["answers"], sort_keys=True) for s in stored) == sorted(
        json.dumps(a, sort_keys=True) for a in (WEEK3, bob)
    )
    for answer_set in stored:
        assert set(answer_set) == {"round", "answers"}  # no member, no date, no time
    dump = json.dumps(stored)
    for who in ("alice", "bob", "carol", "memory:"):
        assert who not in dump
    # Who answered is a separate record, sorted, with no answers in it.
    rnd = (await documents(bot, "surveys.round."))["surveys.round.week3:manual-2026-03-02"]
    assert rnd["answered"] == ["alice", "bob"] and rnd["invited"] == ["alice", "bob", "carol"]
    assert "More examples" not in json.dumps(rnd)
    # Nothing of the survey was ever kept in the member records, and the drafts are gone.
    for name in ("alice", "bob"):
        member = await bot.member(name)
        assert member is not None and "surveys" not in member.data
    assert await documents(bot, "surveys.draft.") == {}


async def test_the_answer_order_does_not_follow_who_answered_first(tmp_path: Path) -> None:
    orders = []
    for first, second in (("alice", "bob"), ("bob", "alice")):
        (tmp_path / first).mkdir()
        bot = await started(tmp_path / first)
        try:
            await bot.command("mod", "survey send week3")
            answers = {"alice": WEEK3, "bob": {**WEEK3, "pace": "1", "wish": "Slower"}}
            for name in (first, second):
                await answer_with_forms(bot, name, invites(bot, name)[0], answers[name])
            stored = (await documents(bot, "surveys.answers."))["surveys.answers.week3"]["sets"]
            orders.append([s["answers"]["pace"] for s in stored])
        finally:
            await bot.close()
    assert orders[0] == orders[1]


async def test_one_reminder_reaches_only_non_responders(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await answer_with_forms(bot, "alice", invites(bot, "alice")[0], WEEK3)
    # bob starts but does not finish: he still counts as a non-responder.
    await bot.click("bob", invites(bot, "bob")[0].message.buttons[0])
    await bot.advance("47h")
    assert reminders(bot, "bob") == [] and reminders(bot, "carol") == []
    await bot.advance("2h")
    assert reminders(bot, "alice") == []
    [to_bob] = reminders(bot, "bob")
    [to_carol] = reminders(bot, "carol")
    assert "A gentle reminder, carol" in to_carol.message.text
    assert [b.label for b in to_carol.message.buttons] == ["Start"]
    assert [b.label for b in to_bob.message.buttons] == ["Start"]  # forms: nothing saved yet
    await bot.advance("7d")
    assert len(reminders(bot, "bob")) == 1 and len(reminders(bot, "carol")) == 1


async def test_a_member_who_left_gets_no_reminder(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await bot.leave("carol")
    await bot.advance("3d")
    assert reminders(bot, "carol") == [] and len(reminders(bot, "bob")) == 1


# ------------------------------------------------------------ another step asks (api.SurveyRequested)


async def test_a_survey_request_invites_exactly_the_members_named(bot: Harness) -> None:
    await bot.join("helperbot", is_bot=True)
    await ask(bot, "session", "alice", "bob", "helperbot", round="week1", reason="after Week 1 live session")
    assert len(invites(bot, "alice", "Session feedback")) == 1
    assert len(invites(bot, "bob", "Session feedback")) == 1
    assert invites(bot, "carol", "Session feedback") == [] and bot.dms_to("helperbot") == []
    [invite] = invites(bot, "alice", "Session feedback")
    assert invite.message.footer.startswith("Your answers are stored with your name")
    await ask(bot, "session", "alice", "bob", round="week1")  # the same round: nobody twice
    assert len(invites(bot, "alice", "Session feedback")) == 1

    # The next session is a new round: attendees are asked again, about that session.
    await ask(bot, "session", "alice", "bob", round="session-office-hours-20260310-1700")
    assert len(invites(bot, "alice", "Session feedback")) == 2
    await bot.advance("5d")  # remind: false for this survey
    assert reminders(bot, "alice") == []
    listing = await bot.command("mod", "survey list")
    assert listing is not None and "**session** — Session feedback (named, 2 questions, on demand): " in (
        listing.message.text
    )
    assert "2 round(s), 0/4 answered" in listing.message.text
    rounds = await documents(bot, "surveys.round.session:")
    assert sorted(rounds) == ["surveys.round.session:session-office-560b8712", "surveys.round.session:week1"]


async def test_a_request_for_an_unknown_survey_does_nothing(bot: Harness) -> None:
    await ask(bot, "nope", "alice", round="x")
    assert bot.dms_to("alice") == []


# ---------------------------------------------------------------------------- results and export


async def three_answers(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    answers = {
        "alice": WEEK3,  # pace 4, useful 5, nps 9, Peers
        "bob": {**WEEK3, "pace": "2", "useful": "4", "nps": "10", "best": "Prompts", "more": "Great so far"},
        "carol": {**WEEK3, "pace": "4", "useful": "3", "nps": "5", "best": "Peers", "wish": "Fewer slides"},
    }
    for name, given in answers.items():
        await answer_with_forms(bot, name, invites(bot, name)[0], given)


async def test_results_summarise_rates_means_nps_choices_and_texts_with_charts(bot: Harness) -> None:
    await bot.join("dave")
    await three_answers(bot)
    answer = await bot.command("mod", "survey results week3")
    assert answer is not None
    text = answer.message.text
    assert answer.message.title == "Survey results: Week 3 check-in"
    assert text.startswith("**3** response(s) from 4 invited (75%) — anonymous")
    assert "- mean 3.33 / 5; distribution 1: 0, 2: 1, 3: 0, 4: 2, 5: 0" in text  # (4+2+4)/3
    assert "- mean 4.00 / 5; distribution 1: 0, 2: 0, 3: 1, 4: 1, 5: 1" in text  # (5+4+3)/3
    # 9 and 10 promote, 5 detracts: (2 - 1) / 3 = +33
    assert "- NPS +33 (2 promoter(s), 0 passive(s), 1 detractor(s))" in text
    assert "- Live sessions: 0\n- Prompts: 1\n- Peers: 2" in text
    assert "**Anything else?** (1 answer(s))\n- “Great so far”" in text
    assert "“Fewer slides”" in text and text.count("“More examples”") == 2
    pngs = answer.message.attachments
    assert [a.filename for a in pngs] == [
        "survey-week3-ratings.png",
        "survey-week3-nps.png",
        "survey-week3-best.png",
    ]
    assert all(a.content_type == "image/png" and a.data.startswith(b"\x89PNG\r\n\x1a\n") for a in pngs)


async def test_results_are_text_only_without_a_chart_renderer(bot: Harness) -> None:
    bot.runtime.engine.charts = None
    await three_answers(bot)
    answer = await bot.command("mod", "survey results week3")
    assert answer is not None and answer.message.attachments == ()
    assert "NPS +33" in answer.message.text


async def test_results_before_anyone_answers(bot: Harness) -> None:
    answer = await bot.command("mod", "survey results week3")
    assert answer is not None and answer.message.text.startswith("**0** response(s) — anonymous")
    assert answer.message.attachments == ()


async def test_csv_export_of_an_anonymous_survey_has_no_names(bot: Harness) -> None:
    await three_answers(bot)
    answer = await bot.command("mod", "survey export week3")
    assert answer is not None and "in a direct message" in answer.message.text
    [dm] = bot.dms_to("mod")
    [attachment] = dm.message.attachments
    assert attachment.filename == "survey-week3.csv" and attachment.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(attachment.data.decode())))
    assert rows[0] == ["round", "pace", "useful", "nps", "best", "wish", "more"]
    assert sorted(r[1] for r in rows[1:]) == ["2", "4", "4"]
    assert "alice" not in attachment.data.decode()


async def test_csv_export_of_a_named_survey_says_who_answered(bot: Harness) -> None:
    await ask(bot, "session", "alice", round="w1")
    await answer_with_forms(
        bot, "alice", invites(bot, "alice", "Session feedback")[0], {"rating": "5", "comment": "More Q&A"}
    )
    await bot.command("mod", "survey export session")
    [dm] = bot.dms_to("mod")
    rows = list(csv.reader(io.StringIO(dm.message.attachments[0].data.decode())))
    assert rows == [
        ["round", "date", "member_id", "member", "rating", "comment"],
        ["w1", "2026-03-02", "alice", "alice", "5", "More Q&A"],
    ]


# ---------------------------------------------------------------------------- the pure summary


def survey() -> Survey:
    section = yaml.safe_load(PLAYBOOK)["steps"]["surveys"]
    found = SurveysConfig.model_validate(section).survey("week3")
    assert found is not None
    return found


def test_survey_summary_by_hand() -> None:
    sets = [
        {"round": "r", "answers": {"pace": "5", "nps": "10", "best": "Peers", "wish": "a", "more": ""}},
        {"round": "r", "answers": {"pace": "4", "nps": "9", "best": "Peers", "wish": "b"}},
        {"round": "r", "answers": {"pace": "4", "nps": "8", "best": "Prompts", "wish": "c"}},
        {"round": "r", "answers": {"pace": "2", "nps": "6", "best": "Cake", "wish": ""}},  # Cake: unknown
        {"round": "r", "answers": {"pace": "", "nps": "3", "best": "Peers"}},  # pace skipped
    ]
    summary = survey_summary(survey(), sets, invited=8)
    assert summary.responses == 5 and summary.rate == 5 / 8
    pace = summary.question("pace")
    assert pace is not None and pace.answered == 4 and pace.mean == 3.75  # (5+4+4+2)/4
    assert dict(pace.distribution) == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}
    nps = summary.question("nps")
    assert nps is not None and (nps.promoters, nps.passives, nps.detractors) == (2, 1, 2)
    assert nps.nps == 0.0 and nps.mean == 7.2  # (10+9+8+6+3)/5
    best = summary.question("best")
    assert best is not None and dict(best.distribution) == {"Live sessions": 0, "Prompts": 1, "Peers": 3}
    wish = summary.question("wish")
    assert wish is not None and wish.answered == 3 and wish.texts == ("a", "b", "c")
    assert summary.headline() == ("Week 3 check-in: 5 response(s) of 8 (62%); How is the pace? 3.8/5; NPS +0")
    assert [c.filename for c in summary_charts(summary)] == [
        "survey-week3-ratings.png",
        "survey-week3-nps.png",
        "survey-week3-best.png",
    ]


def test_nps_is_promoters_minus_detractors_in_percent() -> None:
    assert nps_score([10, 9, 9, 7, 3]) == 40.0  # (3 - 1) / 5
    assert nps_score([0, 6, 10]) == -33.3
    assert nps_score([]) is None


def test_csv_quotes_commas_and_newlines() -> None:
    text = answers_csv(survey(), [{"round": "r", "answers": {"wish": 'More "live", less\nreading'}}])
    [_, row] = list(csv.reader(io.StringIO(text)))
    assert row[5] == 'More "live", less\nreading'


# ---------------------------------------------------------------------------- the playbook section


def write(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: x\ndefault: true\nsteps:\n  surveys:\n{section}")
    return path


def test_a_bad_cron_is_reported_with_its_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "    surveys:\n      - name: w3\n        title: W3\n        schedule: '0 17 32 3 *'\n"
        "        questions: [{type: nps}]\n",
    )
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([path], list(STEPS))
    assert "bad.yaml:8: steps.surveys.surveys[0].schedule: bad cron expression" in str(caught.value)


@pytest.mark.parametrize(
    ("surveys", "error"),
    [
        (
            "      - {name: w3, title: W3, questions: [{id: a, type: nps}, {id: a, type: text, text: Y}]}\n",
            "bad.yaml:6: steps.surveys.surveys[0]: question ids must be unique; repeated: a",
        ),
        (
            "      - {name: w3, title: W3, questions: [{type: nps}]}\n"
            "      - {name: w3, title: Again, questions: [{type: nps}]}\n",
            "bad.yaml:5: steps.surveys.surveys: survey names must be unique; repeated: w3",
        ),
    ],
)
def test_question_ids_and_survey_names_must_be_unique(tmp_path: Path, surveys: str, error: str) -> None:
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([write(tmp_path, "    surveys:\n" + surveys)], list(STEPS))
    assert error in str(caught.value)


def test_results_of_a_big_round_fit_one_discord_message_and_say_what_the_csv_adds() -> None:
    survey = Survey.model_validate(
        {
            "name": "retro",
            "title": "Retro",
            "questions": [
                {"id": "good", "type": "text", "text": "What went well?", "max_length": 300},
                {"id": "pace", "type": "scale", "text": "How is the pace?"},
                {"id": "bad", "type": "text", "text": "What should change?", "max_length": 300},
            ],
        }
    )
    sets = [
        {"round": "r1", "answers": {"good": f"{i:03} " + "<b>" * 99, "pace": "4", "bad": "x" * 300}}
        for i in range(150)
    ]
    lines = summary_lines(survey_summary(survey, sets), limit=2000)
    text = "\n".join(lines)
    assert len(text) <= 2000
    assert "**How is the pace?** (150 answer(s))" in text  # every question keeps its figures
    assert "- mean 4.00 / 5; distribution 1: 0, 2: 0, 3: 0, 4: 150, 5: 0" in text
    shown = [line for line in lines if line.startswith("- “")]
    tails = re.findall(r"- … and (\d+) more \(export the CSV\)", text)
    assert len(tails) == 2 and len(shown) + sum(int(n) for n in tails) == 300  # nothing silently lost
    assert all("\\<b\\>" in line for line in shown if line.startswith("- “0"))  # as typed, not markup
