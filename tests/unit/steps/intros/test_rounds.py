"""Connections: weekly match rounds by shared interest, follow-ups, snooze, groups, history."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbook
from cohortbot.playbook.actions import SendDirectMessage, SendGroupMessage
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps import intros
from cohortbot.playbook.steps.intros.handlers import export, forget
from cohortbot.playbook.steps.intros.model import Rounds
from tests.harness import Harness
from tests.unit.steps.contexts import step_context

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  intros:
    acknowledge: {reaction: null, reply: null}
    interests:
      python: [pandas]
      art: [painting]
    matching:
      cron: "0 10 * * mon"
      follow_up_after: 5d
      groups: [mentor, mentee]
      cross:
        - groups: [mentor, mentee]
          reason: "one of you mentors and one of you is mentored"
"""

TOPICS = {"alice": "python", "bob": "python", "carol": "painting", "dave": "painting"}


async def introduce(bot: Harness, name: str, topic: str = "") -> None:
    await bot.join(name)
    await bot.post(name, "introductions", f"Hi, I'm {name} and I love {topic or 'meeting people'}.")


async def start(tmp_path: Path, yaml: str = PLAYBOOK, **kw: object) -> Harness:
    bot = await Harness.start(tmp_path, yaml, **kw)  # type: ignore[arg-type]
    for name, topic in TOPICS.items():
        await introduce(bot, name, topic)
    return bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(tmp_path)
    yield harness
    await harness.close()


def groups(bot: Harness, *, since: int = 0) -> list[tuple[str, ...]]:
    found = [a for a in bot.of(SendGroupMessage) if isinstance(a, SendGroupMessage)][since:]
    return sorted(tuple(sorted(u.id for u in a.to)) for a in found)


def pairs(matches: list[tuple[str, ...]]) -> set[frozenset[str]]:
    return {frozenset(p) for m in matches for p in itertools.combinations(m, 2)}


async def test_a_weekly_round_pairs_members_by_shared_interest_and_says_why(bot: Harness) -> None:
    await bot.advance("1h")  # Monday 10:00 Europe/Berlin
    assert groups(bot) == [("alice", "bob"), ("carol", "dave")]
    python = next(
        a for a in bot.of(SendGroupMessage) if isinstance(a, SendGroupMessage) and a.to[0].id == "alice"
    )
    assert python.message.title == "You've been matched!"
    assert "Hi <@alice> and <@bob>!" in python.message.text
    assert "because you share an interest in python" in python.message.text
    assert f"<t:{int(bot.clock.now().timestamp()) + 5 * 86400}>" in python.message.text  # the check-in
    assert python.fallback_channel is not None and python.fallback_channel.matches("introductions")


async def test_weekly_rounds_never_repeat_a_pair_until_nobody_new_is_left(bot: Harness) -> None:
    seen: set[frozenset[str]] = set()
    firsts = []
    for week in range(3):  # four members have exactly three rounds of new partners
        before = len(bot.of(SendGroupMessage))
        await bot.advance("1h" if week == 0 else "7d")
        matches = groups(bot, since=before)
        firsts.append(matches)
        assert len(matches) == 2
        assert not (pairs(matches) & seen)
        seen |= pairs(matches)
    assert len(seen) == 6
    await bot.advance("7d")  # everyone has met everyone: they meet again, not sit out
    assert groups(bot, since=6) == firsts[0]  # whom they met longest ago
    again = [a for a in bot.of(SendGroupMessage) if isinstance(a, SendGroupMessage)][6:]
    assert all("Some of you have met before" in a.message.text for a in again)
    assert not [dm for dm in bot.dms_to("alice") if "no match" in dm.message.text]


async def test_repeats_are_allowed_again_after_the_configured_number_of_rounds(tmp_path: Path) -> None:
    yaml = PLAYBOOK.replace("follow_up_after: 5d", "follow_up_after: null\n      avoid_repeats_for: 1")
    bot = await start(tmp_path, yaml)
    try:
        await bot.advance("1h")
        first = groups(bot)
        await bot.advance("7d")
        second = groups(bot, since=2)
        assert not pairs(first) & pairs(second)
        await bot.advance("7d")
        assert groups(bot, since=4) == first  # back to the best pairs by shared interest
    finally:
        await bot.close()


async def test_every_two_weeks_skips_every_other_occurrence(tmp_path: Path) -> None:
    bot = await start(
        tmp_path, PLAYBOOK.replace('cron: "0 10 * * mon"', 'cron: "0 10 * * mon"\n      every_weeks: 2')
    )
    try:
        await bot.advance("1h")
        await bot.advance("21d")
        assert len(bot.of(SendGroupMessage)) == 4  # weeks 0 and 2, two matches each
    finally:
        await bot.close()


async def test_an_odd_count_makes_a_trio(bot: Harness) -> None:
    await introduce(bot, "erin", "python")
    await bot.advance("1h")
    assert groups(bot) == [("alice", "bob", "erin"), ("carol", "dave")]


async def test_only_present_humans_who_introduced_themselves_are_matched(bot: Harness) -> None:
    await bot.join("frank")  # joined, never introduced
    await bot.join("helper", is_bot=True)
    await bot.leave("dave")
    await bot.advance("1h")
    assert groups(bot) == [("alice", "bob", "carol")]  # three members: one trio
    assert bot.dms_to("frank") == [] and bot.dms_to("helper") == [] and bot.dms_to("dave") == []


async def test_a_lone_member_is_told_why_once_and_then_matched_when_someone_comes(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK)
    try:
        await introduce(bot, "alice", "python")
        await bot.advance("1h")
        assert bot.of(SendGroupMessage) == []
        [told] = bot.dms_to("alice")
        assert told.message.text == (
            "Hi alice, no match for you this round: you're the only member taking part so far. "
            "I'll write to you again when you're matched."
        )
        await bot.advance("14d")  # two more rounds alone: not told again each week
        assert len(bot.dms_to("alice")) == 1
        await introduce(bot, "bob", "python")
        await bot.advance("7d")
        assert groups(bot) == [("alice", "bob")]
    finally:
        await bot.close()


async def test_snoozed_and_opted_out_members_are_left_out_until_they_return(bot: Harness) -> None:
    snoozed = await bot.command("alice", "match snooze 2w")
    assert snoozed is not None and "Snoozed: no matches for you until <t:" in snoozed.message.text
    out = await bot.command("carol", "match optout")
    assert out is not None and "You're out of the match rounds" in out.message.text
    await bot.advance("1h")
    assert groups(bot) == [("bob", "dave")]
    await bot.advance("7d")
    assert groups(bot, since=1) == [("bob", "dave")]  # nobody new for them: they meet again
    await bot.advance("7d")  # alice's snooze is over: new to both, so the three of them
    assert groups(bot, since=2) == [("alice", "bob", "dave")]
    back = await bot.command("carol", "match optin")
    assert back is not None and "You're in the next match round!" in back.message.text
    await bot.advance("7d")
    assert len(groups(bot, since=3)) == 2
    assert any("carol" in match for match in groups(bot, since=3))


async def test_members_in_cross_groups_are_matched_across_with_the_reason(bot: Harness) -> None:
    for name, group in [("alice", "mentor"), ("carol", "mentee")]:
        answer = await bot.command(name, f"match group {group}")
        assert answer is not None and f"You're in the {group} group" in answer.message.text
    bad = await bot.command("bob", "match group wizard")
    assert bad is not None and "Choose one of: mentor, mentee (or none)." in bad.message.text
    await bot.advance("1h")
    assert groups(bot) == [("alice", "carol"), ("bob", "dave")]
    cross = next(
        a for a in bot.of(SendGroupMessage) if isinstance(a, SendGroupMessage) and a.to[0].id == "alice"
    )
    assert "because one of you mentors and one of you is mentored." in cross.message.text


async def test_the_follow_up_asks_whether_they_met_and_records_the_answers(bot: Harness) -> None:
    await bot.advance("1h")
    await bot.advance("4d")
    assert bot.dms_to("alice") == []
    await bot.advance("1d")
    [ask] = bot.dms_to("alice")
    assert ask.message.text == "Hi alice! Did you get to meet <@bob>?"
    yes, not_yet = ask.message.buttons
    assert (yes.label, not_yet.label) == ("Yes, we met", "Not yet")
    answer = await bot.click("alice", yes)
    assert answer is not None and "Wonderful" in answer.message.text
    [carols] = bot.dms_to("carol")
    answer = await bot.click("carol", carols.message.buttons[1])
    assert answer is not None and "No worries" in answer.message.text
    stranger = await bot.click("frank", yes)
    assert stranger is not None and "can't find that match" in stranger.message.text
    stats = await bot.command("mod", "intros stats")
    assert stats is not None
    assert "Matches made: **2** in 1 round(s); confirmed met: **1** (50%)" in stats.message.text
    history = await bot.command("mod", "match history")
    assert history is not None
    assert "(scheduled): 2 match(es), 1 confirmed met, 0 sat out" in history.message.text
    assert "- <@alice> and <@bob> (python) ✓ met" in history.message.text


async def test_moderators_run_a_round_now(bot: Harness) -> None:
    refused = await bot.command("alice", "match now")
    assert refused is not None and "only moderators" in refused.message.text
    done = await bot.command("mod", "match now")
    next_monday = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert done is not None and done.message.text == (
        "Round done: 2 match(es) introduced, 0 member(s) sat out.\n"
        f"It counts as this period's round: the next scheduled round is {timestamp(next_monday)}."
    )
    assert groups(bot) == [("alice", "bob"), ("carol", "dave")]
    history = await bot.command("mod", "match history")
    assert history is not None and "(manual): 2 match(es)" in history.message.text


async def test_without_group_conversations_or_threads_each_member_gets_the_introduction(
    tmp_path: Path,
) -> None:
    bot = await start(tmp_path, capabilities=Capabilities(group_dms=False, threads=False))
    try:
        await bot.advance("1h")
        assert bot.of(SendGroupMessage) == []
        [intro] = bot.dms_to("alice")
        assert isinstance(intro, SendDirectMessage) and "Hi <@alice> and <@bob>!" in intro.message.text
        assert len(bot.dms_to("bob")) == 1
    finally:
        await bot.close()


async def test_match_commands_say_so_when_matching_is_not_set_up(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK.split("    matching:")[0])
    try:
        answer = await bot.command("alice", "match optout")
        assert answer is not None and "Matching is not set up" in answer.message.text
    finally:
        await bot.close()


def test_a_bad_cron_or_an_unknown_cross_group_is_reported_with_its_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(
        PLAYBOOK.replace('"0 10 * * mon"', '"0 25 * * mon"').replace(
            "[mentor, mentee]\n          reason", "[mentor, wizard]\n          reason"
        )
    )
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file)
    issues = {issue.field: issue for issue in caught.value.issues}
    assert "steps.intros.matching" in issues
    assert "cross names groups not listed in groups: wizard" in issues["steps.intros.matching"].message
    file.write_text(PLAYBOOK.replace('"0 10 * * mon"', '"0 25 * * mon"'))
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file)
    [issue] = caught.value.issues
    assert issue.field == "steps.intros.matching.cron" and issue.line == 15
    assert "bad cron expression '0 25 * * mon'" in issue.message


async def test_export_gives_the_member_their_matches_and_answers(bot: Harness) -> None:
    await bot.advance("1h")
    await bot.advance("5d")
    await bot.click("alice", bot.dms_to("alice")[0].message.buttons[0])
    async with bot.database.unit_of_work() as uow:
        ctx = step_context(bot, intros.STEP, uow)
        alice = await export(ctx, bot.user("alice"))
        nobody = await export(ctx, bot.user("frank"))
    [entry] = alice["rounds"]
    assert entry["matched_with"] == ["bob"] and entry["shared_interests"] == ["python"]
    assert entry["met"] == "yes" and entry["manual"] is False
    assert nobody == {}


async def test_a_deleted_member_is_forgotten_in_the_round_history(bot: Harness) -> None:
    await bot.advance("1h")
    await bot.advance("5d")
    await bot.click("alice", bot.dms_to("alice")[0].message.buttons[0])
    await bot.click("bob", bot.dms_to("bob")[0].message.buttons[1])
    async with bot.database.unit_of_work() as uow:
        await forget(step_context(bot, intros.STEP, uow), bot.user("alice"))
        await uow.commit()
    async with bot.database.unit_of_work() as uow:
        ctx = step_context(bot, intros.STEP, uow)
        [record] = (await ctx.load(Rounds)).rounds
        raw = await uow.state.get(bot.community, "intros.rounds")
        assert await export(ctx, bot.user("alice")) == {}
    assert "alice" not in str(raw)
    assert [m.members for m in record.matches] == [["bob"], ["carol", "dave"]]
    assert record.matches[0].met == {"bob": "no"}  # bob's answer stays
    stats = await bot.command("mod", "intros stats")
    assert stats is not None and "Matches made: **2** in 1 round(s)" in stats.message.text
    history = await bot.command("mod", "match history")
    assert history is not None and "- <@bob> and a former member (python)" in history.message.text


async def test_the_privacy_step_exports_and_forgets_the_member_s_matches(bot: Harness) -> None:
    await bot.advance("1h")
    await bot.command("alice", "privacy export")
    [sent] = [dm for dm in bot.dms_to("alice") if dm.message.attachments]
    document = json.loads(sent.message.attachments[0].data)
    assert document["steps"]["intros"]["rounds"][0]["matched_with"] == ["bob"]
    await bot.click("alice", "privacy:delete")
    async with bot.database.unit_of_work() as uow:
        raw = await uow.state.get(bot.community, "intros.rounds")
    assert raw is not None and "alice" not in json.dumps(raw)
    assert [m["members"] for m in raw["rounds"][0]["matches"]] == [["bob"], ["carol", "dave"]]


async def test_a_member_whose_partner_was_forgotten_is_not_asked_whether_they_met(bot: Harness) -> None:
    await bot.advance("1h")
    async with bot.database.unit_of_work() as uow:
        await forget(step_context(bot, intros.STEP, uow), bot.user("alice"))
        await uow.commit()
    await bot.advance("5d")
    assert bot.dms_to("bob") == [] and len(bot.dms_to("carol")) == 1


async def test_rounds_stored_before_typed_documents_still_load(bot: Harness) -> None:
    old = [
        {
            "id": "r1",
            "at": "2026-03-02T09:00:00+00:00",
            "matches": [{"members": ["x", "y"], "met": {"x": "yes"}}],
        }
    ]
    async with bot.database.unit_of_work() as uow:
        await uow.state.put(bot.community, "intros.rounds", old)
        await uow.state.put(bot.community, "intros.cadence", "2026-02-27T09:00:00+00:00")
        await uow.commit()
    stats = await bot.command("mod", "intros stats")
    assert (
        stats is not None and "Matches made: **1** in 1 round(s); confirmed met: **1**" in stats.message.text
    )
    await bot.advance("1h")  # Monday 10:00: a round ran three days ago, so not yet
    assert bot.of(SendGroupMessage) == []
