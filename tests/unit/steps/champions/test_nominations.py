"""The champions step's nominations, as a moderator would describe them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbook
from cohortbot.playbook.actions import GrantRole, PostMessage, RevokeRole
from cohortbot.playbook.events import MemberUpdated
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps import STEPS
from tests.harness import START, Harness
from tests.unit.steps.champions.scenario import (
    TO_ROUND,
    answers,
    button,
    evidence,
    helpful_days,
    listing,
    nominations,
    quiet_flags,
    started,
)


async def test_the_weekly_round_nominates_top_candidates_with_evidence_and_buttons(bot: Harness) -> None:
    await helpful_days(bot, "helen")  # Monday and Tuesday: 18 points
    await answers(bot, "hugo", 1)  # Wednesday: 3 points, below min_score
    await bot.advance(TO_ROUND)  # past Friday 10:00 Berlin
    [post] = nominations(bot)
    assert post.message.title == "Champion nomination: helen"
    text = post.message.text
    assert "<@helen> has a helpfulness score of **15." in text and "(6 answers)" in text
    tuesday = timestamp(START + timedelta(days=1))
    assert f"- answered a question from <@askerd10> · {tuesday} (+3)" in text
    assert "grants the **Champion** role" in text and "celebrates them in <#announcements>" in text
    assert [(b.label, b.action_id, b.value) for b in post.message.buttons] == [
        ("Approve", "champions:approve", "helen"),
        ("Decline", "champions:decline", "helen"),
    ]
    assert "(nominated <t:" in await listing(bot)
    await bot.advance("7d")  # a pending nomination is not posted again
    assert len(nominations(bot)) == 1


async def test_the_round_fires_once_a_week_and_skips_moderators_and_champions(bot: Harness) -> None:
    await helpful_days(bot, "helen", "mod", "ivy", "jon")
    await bot.command("mod", "champions approve helen")
    await bot.advance(TO_ROUND)  # Wednesday 08:00 + 2d2h: Friday 10:00 UTC
    assert sorted(p.message.title for p in nominations(bot)) == [
        "Champion nomination: ivy",
        "Champion nomination: jon",
    ]
    await bot.advance("6d")  # not yet next Friday's round
    assert len(nominations(bot)) == 2


async def test_count_limits_the_nominations_to_the_best(bot: Harness) -> None:
    await helpful_days(bot, "ivy", "jon", "kim", days=2)
    await answers(bot, "kim", 3, tag="x")  # kim did the most
    await answers(bot, "jon", 1, tag="x")
    await bot.advance(TO_ROUND)
    assert [p.message.title for p in nominations(bot)] == [
        "Champion nomination: kim",
        "Champion nomination: jon",
    ]


async def test_approving_grants_the_role_dms_the_champion_and_celebrates(bot: Harness) -> None:
    await helpful_days(bot, "helen")
    await bot.advance(TO_ROUND)
    [post] = nominations(bot)
    reply = await bot.click("mod", button(post, "Approve"))
    assert reply is not None and not reply.ephemeral
    assert (
        reply.message.text == "Approved by <@mod>: <@helen> is now a champion and has the **Champion** role."
    )
    [grant] = bot.of(GrantRole)
    assert isinstance(grant, GrantRole) and (grant.member.id, grant.role) == ("helen", "Champion")
    [dm] = bot.dms_to("helen")
    assert dm.message.title == "You're a community champion!"
    assert "Hi helen!" in dm.message.text and "You carry the Champion role" in dm.message.text
    [party] = bot.posts_in("announcements")
    assert party.message.text.startswith("Please welcome <@helen>, our newest **community champion**!")
    again = await bot.click("mod", button(post, "Approve"))
    assert again is not None and "already a champion (since <t:" in again.message.text
    assert len(bot.of(GrantRole)) == 1 and len(bot.dms_to("helen")) == 1
    assert "<@helen> since <t:" in await listing(bot)


async def test_without_roles_approval_records_the_champion_and_still_sends_the_dm(tmp_path: Path) -> None:
    bot = await started(tmp_path, capabilities=Capabilities(roles=False))
    try:
        await helpful_days(bot, "helen")
        await bot.advance(TO_ROUND)
        [post] = nominations(bot)
        assert "grants the" not in post.message.text
        assert "This platform has no roles" in post.message.text
        reply = await bot.click("mod", button(post, "Approve"))
        assert reply is not None and "no roles, so none was granted" in reply.message.text
        assert bot.of(GrantRole) == []
        assert len(bot.dms_to("helen")) == 1
        assert "Champion role" in bot.dms_to("helen")[0].message.text
    finally:
        await bot.close()


async def test_declined_members_are_not_nominated_again_for_a_while(bot: Harness) -> None:
    await helpful_days(bot, "helen")
    await bot.advance(TO_ROUND)  # Friday 6 March: nominated
    [post] = nominations(bot)
    reply = await bot.click("mod", button(post, "Decline"))
    assert reply is not None and reply.message.text.startswith(
        "Declined by <@mod>: <@helen> won't be nominated"
    )
    assert bot.of(GrantRole) == [] and bot.dms_to("helen") == []
    assert "(declined until <t:" in await listing(bot)
    for _week in range(3):  # 13, 20 and 27 March: still inside the 21-day pause
        await helpful_days(bot, "helen", days=2)
        await bot.advance("5d")
    assert len(nominations(bot)) == 1
    await helpful_days(bot, "helen", days=2)
    await bot.advance("5d")  # 3 April: the pause is over
    assert len(nominations(bot)) == 2


async def test_only_moderators_may_press_the_buttons_or_run_the_commands(bot: Harness) -> None:
    await helpful_days(bot, "helen")
    await bot.advance(TO_ROUND)
    [post] = nominations(bot)
    for label in ("Approve", "Decline"):
        refused = await bot.click("helen", button(post, label))
        assert (
            refused is not None
            and refused.message.text == "Sorry, only moderators can approve or decline champions."
        )
    for command in (
        "champions list",
        "champions nominate helen",
        "champions approve helen",
        "champions decline helen",
        "champions revoke helen",
    ):
        refused = await bot.command("helen", command)
        assert refused is not None and refused.message.text.startswith("Sorry, only moderators can use")
    assert bot.of(GrantRole) == [] and bot.dms_to("helen") == []
    bot.roles["lead"] = {"Moderators"}  # a moderator by role
    approved = await bot.click("lead", button(post, "Approve"))
    assert approved is not None and approved.message.text.startswith("Approved by <@lead>")


async def test_moderators_nominate_approve_decline_and_revoke_by_command(bot: Harness) -> None:
    await answers(bot, "helen", 2)
    nominated = await bot.command("mod", "champions nominate <@helen>")
    assert nominated is not None and nominated.message.text == "Nominated <@helen>: see <#mods>."
    [post] = nominations(bot)
    assert "score of **6.0** (2 answers)" in post.message.text
    assert len(post.message.buttons) == 2
    declined = await bot.command("mod", "champions decline helen")
    assert declined is not None and "won't be nominated again before <t:" in declined.message.text
    approved = await bot.command("mod", "champions approve helen")
    assert approved is not None and "is now a champion" in approved.message.text
    assert len(bot.of(GrantRole)) == 1
    revoked = await bot.command("mod", "champions revoke helen")
    assert (
        revoked is not None
        and revoked.message.text == "Revoked by <@mod>: <@helen> no longer has the **Champion** role."
    )
    [revoke] = bot.of(RevokeRole)
    assert isinstance(revoke, RevokeRole) and (revoke.member.id, revoke.role) == ("helen", "Champion")
    again = await bot.command("mod", "champions revoke helen")
    assert again is not None and again.message.text == "<@helen> is not a champion."
    unknown = await bot.command("mod", "champions approve nobody")
    assert unknown is not None and unknown.message.text == "I don't know a member 'nobody' here."
    await bot.command("mod", "champions approve helen")  # a second term: new keys, so the role comes back
    assert len(bot.of(GrantRole)) == 2 and len(bot.dms_to("helen")) == 2


async def test_the_list_shows_champions_and_candidates_with_scores(bot: Harness) -> None:
    assert await listing(bot) == (
        "**Champions**: none yet.\n\n**Top candidates**: nobody has earned helpfulness points yet."
    )
    await answers(bot, "helen", 3)
    await answers(bot, "ivy", 1)
    await bot.post("asker0", "general", "thanks <@ivy>")
    await bot.post("jon", "general", "Hello!")
    await bot.command("mod", "champions approve jon")
    text = await listing(bot)
    now = timestamp(START)
    assert text.splitlines()[:2] == ["**Champions** (1):", f"- <@jon> since {now}, last active {now}"]
    assert "- <@helen> **9.0** — 3 answers" in text
    assert "- <@ivy> **5.0** — 1 answers, 1 thanks received" in text
    assert text.index("<@helen> **9.0**") < text.index("<@ivy> **5.0**")


async def test_quiet_champions_are_flagged_once_per_quiet_spell(bot: Harness) -> None:
    await answers(bot, "helen", 1)
    await bot.command("mod", "champions approve helen")
    await bot.advance("28d")  # four Fridays pass; she has been quiet 28 days
    assert quiet_flags(bot) == []
    await bot.advance("7d")  # the next round: 32 days quiet
    [flag] = quiet_flags(bot)
    assert flag.message.title == "Quiet champion: helen"
    assert (
        "<@helen> (champion since <t:" in flag.message.text
        and "no posts or reactions for 32 days" in flag.message.text
    )
    assert "`/cohort champions revoke helen`" in flag.message.text
    await bot.advance("21d")  # still quiet: not flagged again
    assert len(quiet_flags(bot)) == 1
    assert bot.of(RevokeRole) == []  # never removed automatically
    await bot.post("helen", "general", "I'm back from my trip!")
    await bot.advance("28d")
    assert len(quiet_flags(bot)) == 1
    await bot.advance("7d")  # quiet again for 30+ days after coming back
    assert len(quiet_flags(bot)) == 2


async def test_a_replayed_round_does_not_nominate_twice(bot: Harness) -> None:
    await helpful_days(bot, "helen")
    await bot.advance(TO_ROUND)
    await bot.runtime.scheduler.run_due()
    await bot.runtime.settle()
    assert len(nominations(bot)) == 1


async def test_members_who_opt_out_later_are_no_longer_listed_or_nominated(bot: Harness) -> None:
    await helpful_days(bot, "helen", "ivy")
    await bot.command("helen", "privacy optout")
    assert "<@helen>" not in await listing(bot)
    await bot.advance(TO_ROUND)
    assert [p.message.title for p in nominations(bot)] == ["Champion nomination: ivy"]
    refused = await bot.command("mod", "champions nominate helen")
    assert refused is not None and refused.message.text == (
        "<@helen> can't be nominated: they opted out of analytics."
    )


async def test_bots_earn_nothing_and_members_with_a_moderator_role_are_not_candidates(bot: Harness) -> None:
    await bot.join("robo", is_bot=True)
    await bot.join("lead")
    await bot.send(
        MemberUpdated, member=bot.user("lead"), display_name="lead", roles=frozenset({"Moderators"})
    )
    await helpful_days(bot, "robo", "lead", "ivy")
    assert await evidence(bot, "robo") == []
    await bot.advance(TO_ROUND)
    assert [p.message.title for p in nominations(bot)] == ["Champion nomination: ivy"]


NO_MODS_CHANNEL = """
name: Champions without a moderators' channel
default: true
channels: {general: general}
moderators: {users: [mod]}
steps:
  champions: {min_score: 1}
"""


async def test_without_a_moderators_channel_a_nomination_is_shown_to_the_moderator(tmp_path: Path) -> None:
    bot = await started(tmp_path, NO_MODS_CHANNEL)
    try:
        await helpful_days(bot, "helen")
        await bot.advance(TO_ROUND)
        assert bot.of(PostMessage) == []  # the weekly round has nowhere to post
        assert "(nominated <t:" not in await listing(bot)
        shown = await bot.command("mod", "champions nominate helen")
        assert shown is not None and shown.message.title == "Champion nomination: helen"
        assert [b.label for b in shown.message.buttons] == ["Approve", "Decline"]
        await bot.click("mod", shown.message.buttons[0])
        assert len(bot.of(GrantRole)) == 1 and len(bot.dms_to("helen")) == 1
        assert bot.of(PostMessage) == []  # no celebration unless configured
    finally:
        await bot.close()


@pytest.mark.parametrize(
    ("section", "field", "message"),
    [
        ('cron: "0 25 * * fri"', "steps.champions.cron", "bad cron"),
        ('dm: "Hi {nickname}"', "steps.champions.dm", "{nickname}"),
        ("half_life: soon", "steps.champions.half_life", "expected a duration"),
        ("weights: {answer: -1}", "steps.champions.weights.answer", "greater than or equal to 0"),
        ("celebrate: {channel: lobby}", "steps.champions.celebrate.channel", "announcements"),
    ],
)
def test_playbook_errors_name_the_field(tmp_path: Path, section: str, field: str, message: str) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(f"name: Broken\ndefault: true\nsteps:\n  champions:\n    {section}\n")
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file, list(STEPS))
    [issue] = caught.value.issues
    assert issue.field == field and message in issue.message and issue.line == 5
