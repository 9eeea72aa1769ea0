"""Members who don't accept DMs: the survey reaches them in the fallback channel, and
moderators are told whom a round really reached, never "sent to 3" when 3 were refused."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.actions import OpenForm
from cohortbot.playbook.steps.surveys.model import Round
from tests.harness import Harness
from tests.unit.steps.surveys.support import NAMED, invites, reminders, started


async def survey_list(bot: Harness) -> str:
    answer = await bot.command("mod", "survey list")
    assert answer is not None
    return answer.message.text


async def test_a_member_who_refuses_dms_gets_the_invitation_in_the_general_channel(tmp_path: Path) -> None:
    bot = await started(tmp_path, playbook=NAMED)
    try:
        bot.adapter.refuse_dms = {"bob"}
        await bot.command("mod", "survey send week3")
        [posted] = [p for p in bot.posts_in("general") if p.message.title == "Week 3 check-in"]
        assert posted.message.text.startswith(
            "<@bob> I couldn't send you a direct message, so here it is:\nHi bob!"
        )
        [start] = posted.message.buttons
        assert start.label == "Start"
        await bot.click("bob", start)  # from the channel, the form opens as from a DM
        assert bot.of(OpenForm)
        listing = await survey_list(bot)
        assert "1 round(s), 0/3 answered; reached 3 of 3 (1 in <#general>: no DMs)" in listing
        await bot.advance("2d")  # the reminder: by DM to alice and carol, never in the channel for bob
        assert len(reminders(bot, "alice")) == 1 and len(reminders(bot, "carol")) == 1
        assert [p for p in bot.posts_in("general") if "reminder" in p.message.text.lower()] == []
    finally:
        await bot.close()


NO_GENERAL = NAMED.replace(", general: general", "")


async def test_without_a_fallback_channel_moderators_see_who_was_not_reached(tmp_path: Path) -> None:
    bot = await started(tmp_path, playbook=NO_GENERAL)
    try:
        bot.adapter.refuse_dms = {"bob", "carol"}
        answer = await bot.command("mod", "survey send week3")
        assert answer is not None and answer.message.text == (
            "Sending **Week 3 check-in** to 3 member(s) by direct message; members who don't accept "
            "DMs won't get it (no fallback channel). `/cohort survey list` shows how many it has reached."
        )
        assert len(invites(bot, "alice")) == 1 and invites(bot, "bob") == invites(bot, "carol") == []
        listing = await survey_list(bot)
        assert "0/3 answered; reached 1 of 3, 2 not reached (DMs refused, or still being sent)" in listing
        async with bot.database.unit_of_work() as uow:
            assert (await uow.outbox.stats(bot.community)).parked == 2  # kept, shown in /cohort status
    finally:
        await bot.close()


async def test_the_response_rate_counts_only_the_members_the_survey_reached(tmp_path: Path) -> None:
    bot = await started(tmp_path, playbook=NO_GENERAL)
    try:
        bot.adapter.refuse_dms = {"carol"}
        await bot.command("mod", "survey send week3")
        results = await bot.command("mod", "survey results week3")
        assert results is not None and "**0** response(s) from 2 invited (0%)" in results.message.text
    finally:
        await bot.close()


def test_a_round_kept_before_deliveries_were_counted_counts_everyone_invited() -> None:
    old = Round.model_validate({"survey": "s", "round": "r", "sent_on": "2026-03-20", "invited": ["a", "b"]})
    assert not old.tracked and old.audience == 2
    new = Round(survey="s", round="r", sent_on="2026-03-20", invited=["a", "b"], tracked=True, reached=1)
    assert new.audience == 1
