"""Match rounds as members live them: `match now` keeps the cadence, nobody is left out week
after week, and a trio is told only what all three share."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.actions import SendGroupMessage
from cohortbot.playbook.messages import timestamp
from tests.harness import Harness
from tests.unit.steps.intros.test_rounds import PLAYBOOK, groups, introduce, start

NO_REPEATS = PLAYBOOK.replace("follow_up_after: 5d", "follow_up_after: 5d\n      repeat_when_needed: false")


def sent(bot: Harness, *, since: int = 0) -> list[SendGroupMessage]:
    return [a for a in bot.of(SendGroupMessage) if isinstance(a, SendGroupMessage)][since:]


def no_match_dms(bot: Harness, name: str) -> list[str]:
    return [dm.message.text for dm in bot.dms_to(name) if "no match" in dm.message.text]


async def test_match_now_counts_as_the_week_s_round_so_the_scheduled_one_does_not_follow(
    tmp_path: Path,
) -> None:
    bot = await start(tmp_path)
    try:
        await bot.command("mod", "match now")  # Monday 09:00 in Berlin
        assert len(sent(bot)) == 2
        await bot.advance("1h")  # 10:00: the scheduled round's time
        assert len(sent(bot)) == 2
        assert all(no_match_dms(bot, name) == [] for name in ("alice", "bob", "carol", "dave"))
        await bot.advance("7d")  # next Monday: the cadence goes on
        assert len(sent(bot)) == 4
        assert sent(bot)[2].key.split(":")[-2] == "20260309T090000Z"
    finally:
        await bot.close()


async def test_a_round_run_now_late_in_the_week_takes_next_monday_s_place(tmp_path: Path) -> None:
    bot = await start(tmp_path)
    try:
        await bot.advance("1h")  # Monday's scheduled round
        await bot.advance("4d")  # Friday
        answer = await bot.command("mod", "match now")
        in_ten_days = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
        assert answer is not None and f"the next scheduled round is {timestamp(in_ten_days)}" in (
            answer.message.text
        )
        await bot.advance("3d")  # Monday: skipped, the Friday round was this week's
        assert len(sent(bot)) == 4
        await bot.advance("7d")
        assert len(sent(bot)) == 6
    finally:
        await bot.close()


async def test_a_trio_is_told_only_the_interests_all_three_share(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK)
    try:
        await introduce(bot, "alice", "python")
        await introduce(bot, "bob", "python")
        await introduce(bot, "erin", "painting")
        await bot.advance("1h")
        [trio] = sent(bot)
        assert {u.id for u in trio.to} == {"alice", "bob", "erin"}
        assert "because some of you share an interest in python." in trio.message.text
        assert "you share an interest in python" not in trio.message.text.replace("some of you", "")
    finally:
        await bot.close()


async def test_a_trio_who_all_share_an_interest_is_told_so(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK)
    try:
        for name in ("alice", "bob", "erin"):
            await introduce(bot, name, "python")
        await bot.advance("1h")
        [trio] = sent(bot)
        assert "because you share an interest in python." in trio.message.text
    finally:
        await bot.close()


async def test_members_who_met_everyone_meet_again_and_moderators_see_it(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK)
    try:
        await introduce(bot, "alice", "python")
        await introduce(bot, "bob", "python")
        await bot.advance("1h")
        await bot.advance("7d")
        first, again = sent(bot)
        assert "Some of you have met before" not in first.message.text
        assert again.message.text.startswith(
            "Hi <@alice> and <@bob>! You're this round's match in Test Cohort because you share an "
            "interest in python. Some of you have met before: with this few members taking part, "
            "rather than sit out you meet again those you met longest ago.\n"
        )
        assert no_match_dms(bot, "alice") == []
        history = await bot.command("mod", "match history")
        assert history is not None and "- <@alice> and <@bob> (python, met before)" in history.message.text
    finally:
        await bot.close()


async def test_without_repeats_a_member_who_met_everyone_is_told_why_once(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, NO_REPEATS)
    try:
        await introduce(bot, "alice", "python")
        await introduce(bot, "bob", "python")
        await bot.advance("1h")
        await bot.advance("21d")  # three more rounds with nobody new
        assert groups(bot) == [("alice", "bob")]
        assert no_match_dms(bot, "alice") == [
            "Hi alice, no match for you this round: you have already been matched with everyone else "
            "taking part, and this community's rounds don't repeat a match. I'll write to you again "
            "when you're matched."
        ]
        await introduce(bot, "carol", "python")
        await bot.advance("7d")
        assert len(groups(bot)) == 2  # carol is new to both
    finally:
        await bot.close()
