"""Grouped welcomes of a join burst: each member once, never longer than the platform allows,
and follow-ups that make sense to members who were welcomed in the group post."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from cohortbot.playbook.messages import TOKEN_PATTERN
from cohortbot.playbook.ports import Capabilities
from tests.harness import Harness

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: introductions, moderators: mods}
moderators: {users: [mod], platform_admins: false}
guidelines: {link: "https://example.org/rules"}
steps:
  welcome:
    guidelines: {required: true}
    follow_ups:
      - after: 1d
        unless: onboarded
        message: "Please accept the guidelines in my welcome message above, {member}."
      - after: 3d
        unless: introduced
        message: "Tell us about you in {intro_channel}, {member}!"
        grouped_message: "Glad you found us, {member}! Tell us about you in {intro_channel}."
    report_unonboarded_after: 7d
    burst: {max_joins: 2, window: 10m}
"""
DISCORD = Capabilities(roles=True, max_message_length=2000)
SLACK = Capabilities(roles=True, max_message_length=4000)
CONSOLE = Capabilities(roles=True, max_message_length=100_000)
MENTION = re.compile(r"<@([^<>\s]+)>")


async def _burst(
    tmp_path: Path, joins: int, *, capabilities: Capabilities, playbook: str = PLAYBOOK
) -> Harness:
    bot = await Harness.start(tmp_path, playbook, capabilities=capabilities)
    for i in range(joins):
        await bot.join(f"member{i:03}")
    await bot.advance("10m")
    return bot


def _mentioned(bot: Harness) -> Counter[str]:
    return Counter(m for post in bot.posts_in("welcome") for m in MENTION.findall(post.message.text))


async def test_a_member_who_leaves_and_rejoins_inside_the_window_is_welcomed_once(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK)
    try:
        for name in ["a1", "a2", "a3", "a4"]:
            await bot.join(name)
        await bot.leave("a3")
        await bot.join("a3")
        await bot.leave("a3")
        await bot.join("a3")
        await bot.advance("10m")
        [group] = bot.posts_in("welcome")
        assert "all 2 of you" in group.message.text
        assert group.message.text.count("<@a3>") == 1 and group.message.text.count("<@a4>") == 1
    finally:
        await bot.close()


async def test_a_burst_of_150_on_discord_is_split_into_posts_of_at_most_2000_characters(
    tmp_path: Path,
) -> None:
    bot = await _burst(tmp_path, 152, capabilities=DISCORD)
    try:
        posts = bot.posts_in("welcome")
        assert len(posts) == 2
        assert all(len(p.message.text) <= 2000 for p in posts)
        assert _mentioned(bot) == Counter({f"member{i:03}": 1 for i in range(2, 152)})  # each once
        assert all("all 150 of you" in p.message.text for p in posts)  # each part is the whole welcome
        assert all(p.message.buttons[0].label == "I accept the guidelines" for p in posts)
        assert len({p.key for p in posts}) == 2 and all(":group:" in p.key for p in posts)
    finally:
        await bot.close()


async def test_slack_takes_posts_of_up_to_4000_characters_and_the_console_one(tmp_path: Path) -> None:
    slack = await _burst(tmp_path / "slack", 302, capabilities=SLACK)
    console = await _burst(tmp_path / "console", 302, capabilities=CONSOLE)
    try:
        assert [len(p.message.text) <= 4000 for p in slack.posts_in("welcome")] == [True, True]
        assert len(console.posts_in("welcome")) == 1
        assert sum(_mentioned(slack).values()) == sum(_mentioned(console).values()) == 300
    finally:
        await slack.close()
        await console.close()


async def test_past_max_posts_the_last_part_names_how_many_more_joined(tmp_path: Path) -> None:
    capped = PLAYBOOK.replace(
        "burst: {max_joins: 2, window: 10m}", "burst: {max_joins: 2, window: 10m, max_posts: 1}"
    )
    bot = await _burst(tmp_path, 152, capabilities=DISCORD, playbook=capped)
    try:
        [post] = bot.posts_in("welcome")
        named = sum(_mentioned(bot).values())
        assert len(post.message.text) <= 2000 and 60 < named < 150
        assert f"… and {150 - named} more" in post.message.text
        member = await bot.member("member151")  # not named, but welcomed all the same
        assert member is not None and member.welcomed_at is not None
    finally:
        await bot.close()


async def test_grouped_members_follow_ups_do_not_claim_a_welcome_dm_they_never_got(tmp_path: Path) -> None:
    bot = await _burst(tmp_path, 3, capabilities=DISCORD)
    try:
        await bot.advance("1d")
        personal = bot.dms_to("member000")[-1]  # welcomed by DM: the playbook's words as written
        assert personal.message.text == "Please accept the guidelines in my welcome message above, member000."
        [grouped] = bot.dms_to("member002")  # welcomed in the group post: pointed there first
        assert grouped.message.text.startswith(
            "You were welcomed in <#welcome> together with everyone who joined at the same time."
        )
        # The nudge to accept carries the accept button itself, for everyone.
        assert grouped.message.buttons[0].label == "I accept the guidelines"
        await bot.click("member002", grouped.message.buttons[0])
        member = await bot.member("member002")
        assert member is not None and member.onboarded_at is not None

        await bot.advance("2d")
        assert (
            bot.dms_to("member002")[-1].message.text
            == "Glad you found us, member002! Tell us about you in <#introductions>."
        )
        assert bot.dms_to("member000")[-1].message.text == "Tell us about you in <#introductions>, member000!"
    finally:
        await bot.close()


async def test_the_moderators_report_of_150_members_fits_one_message(tmp_path: Path) -> None:
    bot = await _burst(tmp_path, 150, capabilities=DISCORD)
    try:
        await bot.advance("8d")
        report = bot.posts_in("mods")[-1]  # the 148 of the group post (the 2 DM'd ones went first)
        assert len(report.message.text) <= 2000
        assert report.message.text.startswith("148 member(s) joined 7+ days ago")
        named = len(TOKEN_PATTERN.findall(report.message.text))
        assert f"… and {148 - named} more" in report.message.text
    finally:
        await bot.close()
