"""The welcome step, as a facilitator would describe it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from cohortbot.adapters.base import PermanentDeliveryError
from cohortbot.playbook.actions import GrantRole, PostMessage, SendDirectMessage
from cohortbot.playbook.ports import Capabilities
from tests.harness import Harness

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: mods}
moderators: {users: [mod], roles: [Moderators], platform_admins: false}
facilitators: [Ada]
guidelines: {link: "https://example.org/rules"}
steps:
  welcome:
    message: "Hi {member}! Read {guidelines}, then introduce yourself in {intro_channel}. Ask {facilitators}."
    guidelines: {required: true, role: Member}
    follow_ups:
      - {after: 1d, unless: onboarded, message: "Please accept the guidelines, {member}."}
      - {after: 3d, unless: introduced, message: "Tell us about you in {intro_channel}, {member}!"}
    report_unonboarded_after: 7d
    burst: {max_joins: 3, window: 10m}
    rejoin: welcome_back
  intros: {min_length: 20}
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def test_a_new_member_gets_a_personal_welcome_dm(bot: Harness) -> None:
    await bot.join("alice")
    [dm] = bot.dms_to("alice")
    assert "Hi alice!" in dm.message.text
    assert "https://example.org/rules" in dm.message.text
    assert "<#introductions>" in dm.message.text
    assert "Ask Ada." in dm.message.text
    assert dm.fallback_channel is not None and dm.fallback_channel.matches("welcome")
    assert [b.label for b in dm.message.buttons] == ["I accept the guidelines", "Read the guidelines"]
    member = await bot.member("alice")
    assert member is not None and member.welcomed_at == bot.clock.now() and member.onboarded_at is None


async def test_the_same_join_seen_twice_welcomes_once(bot: Harness) -> None:
    await bot.join("alice", event_id="join-1")
    await bot.join("alice", event_id="join-1")  # gateway replay: same event id
    await bot.join("alice", event_id="catch-up-2")  # catch-up at reconnect: a new id, same membership
    assert len(bot.dms_to("alice")) == 1


async def test_bots_are_not_welcomed(bot: Harness) -> None:
    await bot.join("helperbot", is_bot=True)
    assert bot.performed == []


async def test_rejoining_member_gets_a_welcome_back_not_a_second_welcome(bot: Harness) -> None:
    await bot.join("alice")
    await bot.leave("alice")
    await bot.join("alice")
    first, second = bot.dms_to("alice")
    assert "Hi alice!" in first.message.text
    assert second.message.text == "Welcome back to Test Cohort, alice!"


async def test_accepting_the_guidelines_onboards_and_grants_the_role(bot: Harness) -> None:
    await bot.join("alice")
    accept = bot.dms_to("alice")[0].message.buttons[0]
    answer = await bot.click("alice", accept)
    assert answer is not None and "Thanks alice" in answer.message.text
    [grant] = bot.of(GrantRole)
    assert isinstance(grant, GrantRole) and grant.role == "Member" and grant.member.id == "alice"
    member = await bot.member("alice")
    assert member is not None and member.onboarded_at is not None
    again = await bot.click("alice", accept)
    assert again is not None and "already accepted" in again.message.text
    assert len(bot.of(GrantRole)) == 1


async def test_no_role_is_granted_where_the_platform_has_no_roles(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, capabilities=Capabilities(roles=False))
    try:
        await bot.join("alice")
        await bot.click("alice", bot.dms_to("alice")[0].message.buttons[0])
        assert bot.of(GrantRole) == []
    finally:
        await bot.close()


async def test_a_member_still_in_platform_onboarding_is_welcomed_once_it_is_done(bot: Harness) -> None:
    await bot.join("alice", pending=True)
    assert bot.dms_to("alice") == []
    await bot.finish_onboarding("alice")
    assert len(bot.dms_to("alice")) == 1
    await bot.finish_onboarding("alice")
    assert len(bot.dms_to("alice")) == 1


async def test_refused_dm_falls_back_to_a_mention_in_the_welcome_channel(bot: Harness) -> None:
    bot.adapter.refuse_dms.add("alice")
    await bot.join("alice")
    [post] = bot.posts_in("welcome")
    assert post.message.text.startswith("<@alice> I couldn't send you a direct message")
    assert "Hi alice!" in post.message.text
    async with bot.database.unit_of_work() as uow:
        stats = await uow.outbox.stats(bot.community)
    assert (stats.pending, stats.parked, stats.delivered) == (0, 0, 1)


async def test_follow_ups_are_sent_only_while_the_thing_they_nudge_is_undone(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("bob")
    await bot.click("bob", bot.dms_to("bob")[0].message.buttons[0])
    await bot.post("bob", "introductions", "Hi, I am Bob and I am learning statistics for my job.")
    await bot.advance("3d")
    alice = [dm.message.text for dm in bot.dms_to("alice")[1:]]
    assert alice == ["Please accept the guidelines, alice.", "Tell us about you in <#introductions>, alice!"]
    assert len(bot.dms_to("bob")) == 1  # onboarded and introduced: no nudges


async def test_a_short_hello_is_not_an_introduction(bot: Harness) -> None:
    await bot.join("alice")
    await bot.post("alice", "introductions", "hi!")
    await bot.advance("3d")
    assert any("Tell us about you" in dm.message.text for dm in bot.dms_to("alice"))


async def test_follow_ups_stop_when_the_member_left(bot: Harness) -> None:
    await bot.join("alice")
    await bot.leave("alice")
    await bot.advance("3d")
    assert len(bot.dms_to("alice")) == 1


async def test_moderators_get_one_daily_list_of_members_not_onboarded_after_a_week(bot: Harness) -> None:
    await bot.join("alice")
    await bot.join("bob")
    await bot.join("carol")
    await bot.click("carol", bot.dms_to("carol")[0].message.buttons[0])
    await bot.advance("6d")
    assert bot.posts_in("mods") == []
    await bot.advance("2d")
    [report] = bot.posts_in("mods")
    assert "2 member(s)" in report.message.text
    assert "alice (<@alice>)" in report.message.text and "bob (<@bob>)" in report.message.text
    assert "carol" not in report.message.text
    await bot.advance("7d")
    assert len(bot.posts_in("mods")) == 1  # each member is reported once


async def test_a_join_burst_gets_one_grouped_welcome_instead_of_a_flood(bot: Harness) -> None:
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        await bot.join(name)
    assert len(bot.of(SendDirectMessage)) == 3  # up to max_joins get their DM
    assert bot.posts_in("welcome") == []
    await bot.advance("10m")
    [group] = bot.posts_in("welcome")
    assert "all 3 of you" in group.message.text
    assert all(f"<@{n}>" in group.message.text for n in ["a4", "a5", "a6"])
    member = await bot.member("a5")
    assert member is not None and member.welcomed_at is not None


async def test_joins_spread_out_are_not_a_burst(bot: Harness) -> None:
    for name in ["a1", "a2", "a3", "a4"]:
        await bot.join(name)
        bot.clock.advance(timedelta(minutes=4))
    assert len(bot.of(SendDirectMessage)) == 4


async def test_old_joins_seen_on_reconnect_are_recorded_but_not_welcomed(bot: Harness) -> None:
    bot.clock.advance(timedelta(days=30))
    from cohortbot.playbook.events import MemberJoined

    old = bot.clock.now() - timedelta(days=20)
    event = MemberJoined(
        community=bot.community,
        occurred_at=old,
        event_id="old-join",
        member=bot.user("veteran"),
        display_name="veteran",
    )
    await bot.runtime.submit(event)
    await bot.runtime.settle()
    assert bot.performed == []
    member = await bot.member("veteran")
    assert member is not None and member.joined_at == old


async def test_welcome_preview_is_for_moderators_and_shows_their_own_welcome(bot: Harness) -> None:
    refused = await bot.command("alice", "welcome preview")
    assert refused is not None and "only moderators" in refused.message.text
    preview = await bot.command("mod", "welcome preview")
    assert preview is not None and preview.ephemeral
    assert "Hi mod!" in preview.message.text
    assert "Preview" in preview.message.footer
    assert all(b.url for b in preview.message.buttons)  # no live accept button in a preview


async def test_moderator_role_grants_moderator_commands(bot: Harness) -> None:
    bot.roles["grace"] = {"moderators"}
    answer = await bot.command("grace", "status")
    assert answer is not None and "Playbook: **Test cohort**" in answer.message.text


async def test_status_shows_steps_outbox_and_last_errors(bot: Harness) -> None:
    bot.adapter.fail_next.append(PermanentDeliveryError("missing permission: Send Messages in #welcome"))
    await bot.join("alice")
    answer = await bot.command("mod", "status")
    assert answer is not None
    text = answer.message.text
    assert "Steps enabled: welcome, intros" in text
    # Alice, welcomed when it was decided (the post itself was then parked); not yet onboarded.
    assert "Members: 1 present, 1 welcomed, 0 onboarded, 0 introduced" in text
    assert "1 parked" in text
    assert "missing permission: Send Messages in #welcome" in text


async def test_help_lists_only_what_the_member_may_use(bot: Harness) -> None:
    member_help = await bot.command("alice", "help")
    mod_help = await bot.command("mod", "help")
    assert member_help is not None and mod_help is not None
    assert "/cohort status" not in member_help.message.text
    assert "/cohort status" in mod_help.message.text


async def test_a_grouped_welcome_goes_nowhere_without_a_welcome_channel(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK.replace("welcome: welcome, ", ""))
    try:
        for name in ["a1", "a2", "a3", "a4"]:
            await bot.join(name)
        await bot.advance("10m")
        assert [a for a in bot.performed if isinstance(a, PostMessage)] == []
        member = await bot.member("a4")
        assert member is not None and member.welcomed_at is not None
    finally:
        await bot.close()
