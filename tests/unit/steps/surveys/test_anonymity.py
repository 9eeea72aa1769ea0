"""Anonymous surveys: no answer is ever kept under a member id, not even an unfinished page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cohortbot.playbook.actions import OpenForm
from tests.harness import Harness
from tests.unit.steps.surveys.support import (
    NO_MODALS,
    WEEK3,
    answer_with_forms,
    documents,
    invites,
    last_form,
    reminders,
    start_button,
    started,
    submit,
)

PAGE1 = {k: WEEK3[k] for k in ("pace", "useful", "nps", "best", "wish")}


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


async def everything(bot: Harness) -> dict[str, Any]:
    """All the bot keeps that a step decides on: every document, every member record, every timer."""
    async with bot.database.unit_of_work() as uow:
        members = {m.user.id: m.data for m in await uow.members.list(bot.community, present_only=False)}
        pending = await uow.timers.due(bot.clock.now() + timedelta(days=400))
        timers = [(t.key, t.subject.id if t.subject else None, t.data) for t in pending]
    return {"documents": await documents(bot, ""), "members": members, "timers": timers}


def holding(value: Any, text: str) -> list[str]:
    """The paths (keys) in ``value`` whose JSON contains ``text``."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            found += [f"{k}/{p}" if p else str(k) for p in holding(v, text)]
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += [f"{i}/{p}" if p else str(i) for p in holding(v, text)]
    elif text in json.dumps(value):
        found.append("")
    return found


async def test_page_one_of_a_form_is_kept_under_a_token_not_under_the_member(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    await bot.click("alice", start_button(invites(bot, "alice")[0]))
    reply = await submit(bot, "alice", last_form(bot), **PAGE1)
    [cont] = reply.message.buttons
    # On Slack an interaction names the member: what carries the token is not kept once sent.
    assert reply.private and last_form(bot).private
    kept = await everything(bot)
    [(key, draft)] = (await documents(bot, "surveys.draft.")).items()
    token = key.removeprefix("surveys.draft.")
    assert draft == {"survey": "week3", "round": "manual-2026-03-02", "answers": PAGE1, "apart": []}
    assert len(token) == 16 and cont.value == f"week3|manual-2026-03-02|{token}"
    # alice's id is only in the round's invited list; her record holds nothing of the survey.
    assert holding(kept, '"alice"') == ["documents/surveys.round.week3:manual-2026-03-02/invited/0"]
    assert "surveys" not in kept["members"]["alice"]
    # The token is in the draft's key and in its expiry timer, which names no member.
    assert holding(kept, token) == [f"timers/{i}" for i, t in enumerate(kept["timers"]) if token in t[0]]
    assert all(subject is None for k, subject, _ in kept["timers"] if token in k)
    # Nothing else holds an answer: "More examples" is in the draft alone.
    assert holding(kept, "More examples") == [f"documents/{key}/answers/wish"]

    await bot.click("alice", cont)
    done = await submit(bot, "alice", last_form(bot), more="")
    assert done.message.text.startswith("Thank you, alice!")
    kept = await everything(bot)
    assert await documents(bot, "surveys.draft.") == {}
    assert holding(kept, token) == []  # draft and its timer are gone
    assert sorted(holding(kept, '"alice"')) == [
        "documents/surveys.round.week3:manual-2026-03-02/answered/0",
        "documents/surveys.round.week3:manual-2026-03-02/invited/0",
    ]
    assert holding(kept, "More examples") == ["documents/surveys.answers.week3/sets/0/answers/wish"]


async def test_starting_again_from_the_invitation_begins_afresh_and_only_one_answer_counts(
    bot: Harness,
) -> None:
    await bot.command("mod", "survey send week3")
    invite = invites(bot, "alice")[0]
    await bot.click("alice", start_button(invite))
    first = await submit(bot, "alice", last_form(bot), **PAGE1)
    await bot.click("alice", start_button(invite))
    assert last_form(bot).form.form_id == "surveys:page:week3:manual-2026-03-02:0"  # no draft in it
    again = await submit(bot, "alice", last_form(bot), **{**PAGE1, "pace": "1"})
    assert len(await documents(bot, "surveys.draft.")) == 2  # two drafts, neither linked to alice
    await bot.click("alice", again.message.buttons[0])
    await submit(bot, "alice", last_form(bot), more="")
    late = await bot.click("alice", first.message.buttons[0])  # the older draft can't add a second set
    assert late is not None and late.message.text == "You've already answered this survey. Thank you!"
    [answer_set] = (await documents(bot, "surveys.answers."))["surveys.answers.week3"]["sets"]
    assert answer_set["answers"]["pace"] == "1"
    await bot.advance("16d")  # the forgotten draft is dropped after two weeks
    assert await documents(bot, "surveys.draft.") == {}


async def test_an_unknown_or_expired_draft_starts_the_survey_afresh(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    answer = await bot.click("alice", "surveys:start", value="week3|manual-2026-03-02|not-a-token00000")
    assert answer is None
    form = bot.of(OpenForm)[-1]
    assert isinstance(form, OpenForm) and form.form.title == "Week 3 check-in (1/2)"


# ---------------------------------------------------------------------------- without forms


async def test_without_modals_a_free_text_answer_is_kept_apart_from_the_members_other_answers(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path, NO_MODALS)
    try:
        await bot.command("mod", "survey send week3")
        q1 = await bot.click("alice", start_button(invites(bot, "alice")[0]))
        assert q1 is not None and q1.message.footer == "Question 1 of 6"
        q2 = await bot.click("alice", q1.message.buttons[3])  # 4
        assert q2 is not None
        q3 = await bot.click("alice", q2.message.buttons[4])  # 5
        assert q3 is not None
        q4 = await bot.click("alice", q3.message.buttons[9])  # 9
        assert q4 is not None
        q5 = await bot.click("alice", q4.message.buttons[2])  # Peers
        assert q5 is not None and "Reply to me here" in q5.message.text and "**Next**" in q5.message.text
        assert [b.label for b in q5.message.buttons] == ["Next"]  # required: no Skip
        early = await bot.click("alice", q5.message.buttons[0])
        assert early is not None and early.message.text.startswith("I haven't had your answer yet")

        member = await bot.member("alice")
        assert member is not None and member.data["surveys"] == {"awaiting": "week3|manual-2026-03-02|wish"}
        await bot.post("alice", "dm-alice", "More examples", is_direct=True)
        got = bot.dms_to("alice")[-1]
        assert got.message.text == "Got it, thank you. Press **Next** under the question to go on."
        member = await bot.member("alice")
        assert member is not None and member.data["surveys"] == {"given": "week3|manual-2026-03-02|wish"}
        kept = await everything(bot)
        assert holding(kept, "More examples") == ["documents/surveys.answers.week3/sets/0/answers/wish"]

        q6 = await bot.click("alice", q5.message.buttons[0])  # Next
        assert q6 is not None and q6.message.footer == "Question 6 of 6"
        assert [b.label for b in q6.message.buttons] == ["Next", "Skip"]
        await bot.post("alice", "dm-alice", "   ", is_direct=True)  # not an answer
        done = await bot.click("alice", q6.message.buttons[1])  # Skip
        assert done is not None and done.message.text.startswith("Thank you, alice!")
        await bot.post("alice", "dm-alice", "thanks!", is_direct=True)  # plain chat afterwards: ignored
        assert bot.dms_to("alice")[-1] is got

        sets = (await documents(bot, "surveys.answers."))["surveys.answers.week3"]["sets"]
        assert sorted(sets, key=len) == [
            {"round": "manual-2026-03-02", "answers": {**WEEK3, "wish": ""}},
            {"round": "manual-2026-03-02", "answers": {"wish": "More examples"}, "part": True},
        ]
        member = await bot.member("alice")
        assert member is not None and "surveys" not in member.data
        assert await documents(bot, "surveys.draft.") == {}
    finally:
        await bot.close()


async def test_without_modals_an_anonymous_reminder_starts_afresh_while_the_conversation_continues(
    tmp_path: Path,
) -> None:
    bot = await started(tmp_path, NO_MODALS)
    try:
        await bot.command("mod", "survey send week3")
        q1 = await bot.click("bob", start_button(invites(bot, "bob")[0]))
        assert q1 is not None
        q2 = await bot.click("bob", q1.message.buttons[0])  # pace 1, then bob stops
        assert q2 is not None
        await bot.advance("2d")
        [reminder] = reminders(bot, "bob")
        assert start_button(reminder).label == "Start"  # nothing links bob to his draft
        fresh = await bot.click("bob", start_button(reminder))
        assert fresh is not None and fresh.message.footer == "Question 1 of 6"
        q3 = await bot.click("bob", q2.message.buttons[2])  # the message he has still goes on
        assert q3 is not None and q3.message.footer == "Question 3 of 6"
    finally:
        await bot.close()


async def test_three_anonymous_answer_sets_cannot_be_told_apart(bot: Harness) -> None:
    await bot.command("mod", "survey send week3")
    for name, pace in (("carol", "1"), ("alice", "2"), ("bob", "3")):
        await answer_with_forms(bot, name, invites(bot, name)[0], {**WEEK3, "pace": pace})
    stored = await documents(bot)
    rnd = stored["surveys.round.week3:manual-2026-03-02"]
    assert rnd["answered"] == ["alice", "bob", "carol"]  # sorted, not in the order they answered
    sets = stored["surveys.answers.week3"]["sets"]
    assert all(set(s) == {"round", "answers"} for s in sets)
    # In the order of a hash of their content: not the order they came in, nor anyone's.
    assert sets == sorted(
        sets, key=lambda s: hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()
    )
