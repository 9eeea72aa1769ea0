"""The surveys step, as a facilitator would describe it: sending and answering."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cohortbot.playbook.actions import OpenForm
from tests.harness import Harness
from tests.unit.steps.surveys.support import (
    NAMED,
    NO_MODALS,
    WEEK3,
    ask,
    documents,
    invites,
    last_form,
    start_button,
    started,
    submit,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


# ---------------------------------------------------------------------------- sending


async def test_a_scheduled_survey_reaches_every_present_member_exactly_once(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        await bot.join("helperbot", is_bot=True)
        await bot.leave("carol")
        await bot.advance("18d")  # Friday 20 March, 08:00 UTC: not yet 17:00 Berlin
        assert invites(bot, "alice") == []
        await bot.advance("1d")
        [invite] = invites(bot, "alice")
        assert len(invites(bot, "bob")) == 1
        assert invites(bot, "carol") == [] and invites(bot, "helperbot") == []
        assert "Hi alice!" in invite.message.text and "6 short question(s)" in invite.message.text
        assert start_button(invite).label == "Start"
        assert invite.message.footer.startswith("Anonymous")
        async with bot.database.unit_of_work() as uow:
            claims = await uow.claims.list(bot.community)
        assert [(name, when) for name, when, _ in claims] == [
            ("surveys.send-week3", datetime(2026, 3, 20, 16, 0, tzinfo=UTC))  # 17:00 CET
        ]
        await bot.advance("1d")  # later rounds of the scheduler: nothing sent again
        assert len(invites(bot, "alice")) == 1 and len(invites(bot, "bob")) == 1
    finally:
        await bot.close()


async def test_a_scheduled_survey_missed_by_downtime_goes_out_late_within_its_grace(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    try:
        # Down from before Friday 17:00 until 03:00 on Saturday (Berlin): 10h late, within 12h.
        bot.clock.set(datetime(2026, 3, 21, 2, 0, tzinfo=UTC))
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert len(invites(bot, "alice")) == 1
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        assert len(invites(bot, "alice")) == 1
        assert list(await documents(bot, "surveys.round.week3:")) == ["surveys.round.week3:2026-03-20"]
    finally:
        await bot.close()


async def test_moderators_send_a_survey_on_demand_once_per_round(bot: Harness) -> None:
    answer = await bot.command("mod", "survey send week3")
    assert answer is not None and answer.message.text == (  # alice, bob, carol
        "Sending **Week 3 check-in** to 3 member(s) by direct message; members who don't accept "
        "DMs get it in <#general>. `/cohort survey list` shows how many it has reached."
    )
    again = await bot.command("mod", "survey send week3")
    assert again is not None and again.message.text.startswith(
        "Nobody new to send **Week 3 check-in** to: the 3 member(s) here already got today's round."
    )
    assert len(invites(bot, "alice")) == 1


async def test_moderator_commands_are_refused_for_members(bot: Harness) -> None:
    for text in ("survey send week3", "survey results week3", "survey export week3", "survey list"):
        answer = await bot.command("alice", text)
        assert answer is not None and answer.message.text.startswith("Sorry, only moderators")
    assert invites(bot, "alice") == [] and bot.dms_to("alice") == []


async def test_an_unknown_survey_name_lists_the_known_ones(bot: Harness) -> None:
    answer = await bot.command("mod", "survey results weekly")
    assert answer is not None and answer.message.text == "No survey named 'weekly'. Surveys: week3, session."


# ---------------------------------------------------------------------------- answering with forms


async def test_on_discord_a_six_question_survey_pages_through_two_forms(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await bot.click("alice", start_button(invites(bot, "alice")[0]))
    first = last_form(bot)
    assert first.form.title == "Week 3 check-in (1/2)"
    assert [i.input_id for i in first.form.inputs] == ["pace", "useful", "nps", "best", "wish"]
    pace = first.form.inputs[0]
    assert [o.value for o in pace.options] == ["1", "2", "3", "4", "5"]
    assert pace.options[0].label == "1 — Too slow" and pace.options[-1].label == "5 — Too fast"
    assert [o.value for o in first.form.inputs[2].options] == [str(v) for v in range(11)]
    assert first.form.inputs[4].options == () and first.form.inputs[4].required

    page1 = {k: WEEK3[k] for k in ("pace", "useful", "nps", "best", "wish")}
    reply = await submit(bot, "alice", first, **page1)
    assert reply.message.text == "Saved. Page 2 of 2 is next."
    [cont] = reply.message.buttons
    assert cont.label == "Continue"

    # Anonymous: nothing about alice points to her first page, so the invitation starts afresh...
    await bot.click("alice", start_button(invites(bot, "alice")[0]))
    assert last_form(bot).form.title == "Week 3 check-in (1/2)"
    # ... and the Continue button she was given carries her draft to the second page.
    await bot.click("alice", cont)
    second = last_form(bot)
    assert second.form.title == "Week 3 check-in (2/2)" and [i.input_id for i in second.form.inputs] == [
        "more"
    ]
    assert not second.form.inputs[0].required
    done = await submit(bot, "alice", second, more="")
    assert done.message.text == "Thank you, alice! Your answers to **Week 3 check-in** are in."
    again = await bot.click("alice", start_button(invites(bot, "alice")[0]))
    assert again is not None and again.message.text == "You've already answered this survey. Thank you!"
    again = await bot.click("alice", cont)
    assert again is not None and again.message.text == "You've already answered this survey. Thank you!"


async def test_a_named_survey_continues_later_from_the_invitation(tmp_path: Path) -> None:
    bot = await started(tmp_path, playbook=NAMED)
    try:
        await bot.command("mod", "survey send week3")
        await bot.click("alice", start_button(invites(bot, "alice")[0]))
        page1 = {k: WEEK3[k] for k in ("pace", "useful", "nps", "best", "wish")}
        reply = await submit(bot, "alice", last_form(bot), **page1)
        assert reply.message.text == "Saved. Page 2 of 2 is next."
        member = await bot.member("alice")
        assert member is not None and member.data["surveys"]["progress"] == {"week3|manual-2026-03-02": page1}
        # Continue later: the invitation's Start now opens the second page.
        await bot.click("alice", start_button(invites(bot, "alice")[0]))
        second = last_form(bot)
        assert second.form.title == "Week 3 check-in (2/2)"
        done = await submit(bot, "alice", second, more="See you")
        assert done.message.text == "Thank you, alice! Your answers to **Week 3 check-in** are in."
        member = await bot.member("alice")
        assert member is not None and "surveys" not in member.data
        stored = await documents(bot, "surveys.answers.")
        assert stored["surveys.answers.week3"]["sets"] == [
            {
                "round": "manual-2026-03-02",
                "member": "alice",
                "date": "2026-03-02",
                "answers": {**WEEK3, "more": "See you"},
            }
        ]
    finally:
        await bot.close()


async def test_invalid_form_answers_are_explained_and_nothing_is_saved(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await bot.click("alice", start_button(invites(bot, "alice")[0]))
    reply = await submit(bot, "alice", last_form(bot), pace="7", useful="5", nps="ten", best="Cake", wish=" ")
    text = reply.message.text
    assert "**How is the pace?**: a number from 1 to 5" in text
    assert "**How likely are you to recommend this community to a friend?**: a number from 0 to 10" in text
    assert "**What helped most?**: choose one of Live sessions, Prompts, Peers" in text
    assert "**One thing we should change?**: an answer is needed" in text
    assert [b.label for b in reply.message.buttons] == ["Try again"]
    member = await bot.member("alice")
    assert member is not None and member.data.get("surveys", {}).get("progress", {}) == {}
    assert await documents(bot, "surveys.draft.") == {}


async def test_only_invited_members_can_answer(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await bot.join("dave")  # joined after the round went out
    answer = await bot.click("dave", start_button(invites(bot, "alice")[0]))
    assert answer is not None and "wasn't sent to you" in answer.message.text
    assert bot.of(OpenForm) == []


# ---------------------------------------------------------------------------- answering with buttons


async def test_without_modals_members_answer_one_question_per_message(tmp_path: Path) -> None:
    bot = await started(tmp_path, NO_MODALS, playbook=NAMED)
    try:
        await bot.command("mod", "survey send week3")
        q1 = await bot.click("alice", start_button(invites(bot, "alice")[0]))
        assert q1 is not None and q1.message.footer == "Question 1 of 6"
        assert "**How is the pace?**\n1 = Too slow … 5 = Too fast" in q1.message.text
        assert [b.label for b in q1.message.buttons] == ["1", "2", "3", "4", "5"]
        q2 = await bot.click("alice", q1.message.buttons[3])  # 4
        assert q2 is not None and q2.message.footer == "Question 2 of 6"
        q3 = await bot.click("alice", q2.message.buttons[4])  # 5
        assert q3 is not None and [b.label for b in q3.message.buttons] == [str(v) for v in range(11)]
        q4 = await bot.click("alice", q3.message.buttons[9])  # 9
        assert q4 is not None and [b.label for b in q4.message.buttons] == [
            "Live sessions",
            "Prompts",
            "Peers",
        ]
        q5 = await bot.click("alice", q4.message.buttons[2])  # Peers
        assert q5 is not None and "Reply to me here" in q5.message.text
        assert q5.message.buttons == ()  # required: no Skip

        await bot.post("alice", "dm-alice", "More examples", is_direct=True)
        q6 = bot.dms_to("alice")[-1]
        assert q6.message.footer == "Question 6 of 6" and [b.label for b in q6.message.buttons] == ["Skip"]
        await bot.post("alice", "dm-alice", "   ", is_direct=True)  # not an answer
        done = await bot.click("alice", q6.message.buttons[0])
        assert done is not None and done.message.text.startswith("Thank you, alice!")
        await bot.post("alice", "dm-alice", "thanks!", is_direct=True)  # plain chat afterwards: ignored
        assert bot.dms_to("alice")[-1] is q6

        sets = (await documents(bot, "surveys.answers."))["surveys.answers.week3"]["sets"]
        assert sets == [
            {"round": "manual-2026-03-02", "member": "alice", "date": "2026-03-02", "answers": WEEK3}
        ]
    finally:
        await bot.close()


async def test_a_members_chat_in_dms_is_not_taken_as_an_answer_unless_asked(tmp_path: Path) -> None:
    bot = await started(tmp_path, NO_MODALS)
    try:
        await bot.command("mod", "survey send week3")
        await bot.post("alice", "dm-alice", "hello bot", is_direct=True)
        assert len(bot.dms_to("alice")) == 1  # just the invitation
        member = await bot.member("alice")
        assert member is not None and "surveys" not in member.data
    finally:
        await bot.close()


async def test_without_modals_a_named_survey_continues_later_from_the_reminder(tmp_path: Path) -> None:
    bot = await started(tmp_path, NO_MODALS, playbook=NAMED)
    try:
        await bot.command("mod", "survey send week3")
        q1 = await bot.click("bob", start_button(invites(bot, "bob")[0]))
        assert q1 is not None
        await bot.click("bob", q1.message.buttons[0])  # pace 1, then bob stops
        await bot.advance("2d")
        [reminder] = [dm for dm in bot.dms_to("bob") if ":remind:" in dm.key]
        assert start_button(reminder).label == "Continue"
        q2 = await bot.click("bob", start_button(reminder))
        assert q2 is not None and q2.message.text.startswith("**How useful are the live sessions?**")
    finally:
        await bot.close()


async def test_without_modals_a_last_text_answer_by_dm_finishes_the_survey(tmp_path: Path) -> None:
    bot = await started(tmp_path, NO_MODALS)
    try:
        await ask(bot, "session", "alice", round="w1")
        q1 = await bot.click("alice", start_button(invites(bot, "alice", "Session feedback")[0]))
        assert q1 is not None
        q2 = await bot.click("alice", q1.message.buttons[4])
        assert q2 is not None and [b.label for b in q2.message.buttons] == ["Skip"]
        await bot.post("alice", "dm-alice", "  More time for questions  ", is_direct=True)
        thanks = bot.dms_to("alice")[-1]
        assert thanks.message.text == "Thank you, alice! Your answers to **Session feedback** are in."
        stored = await documents(bot, "surveys.answers.")
        assert stored["surveys.answers.session"]["sets"] == [
            {
                "round": "w1",
                "member": "alice",
                "date": "2026-03-02",
                "answers": {"rating": "5", "comment": "More time for questions"},
            }
        ]
        results = await bot.command("mod", "survey results session w1")
        assert results is not None and results.message.title == "Survey results: Session feedback (round w1)"
        assert results.message.text.startswith("**1** response(s) from 1 invited (100%)\n")
        other = await bot.command("mod", "survey results session w2")
        assert other is not None and other.message.text.startswith("**0** response(s)\n")
    finally:
        await bot.close()
