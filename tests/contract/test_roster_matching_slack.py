"""Roster matching on Slack (issue 13), with the real slack-bolt / slack_sdk against the fake
Slack: a join (``team_join``, a community channel's join, the catch-up) carries the member's
handle and, with ``users:read.email``, their email; the roster import's lookups find members
by email (``users.lookupByEmail``, paced at its tier) and else by exact handle."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cohortbot.adapters.slack.adapter import SlackAdapter
from cohortbot.adapters.slack.admin import SlackAdmin
from cohortbot.bot.roster_lookup import look_up
from cohortbot.config.playbook import load_playbooks
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from tests.contract.fakes.slack_fake import BOT_TOKEN, FakeSlack
from tests.contract.fakes.slack_limits import SlackLimits
from tests.contract.slack_fixtures import (
    CATALOG,
    RecordingSink,
    SlackHarness,
    load_payload,
    make_config,
    slack_fake,
)

__all__ = ["slack_fake"]

TEAM = CommunityRef(Platform.SLACK, "T0COHORT")
EMAIL_SCOPE = "users:read.email"


def playbooks(folder: Path) -> PlaybookSet:
    file = folder / "cohort.yaml"
    file.write_text(
        "name: Slack cohort\ncommunities: [slack:T0COHORT]\ntimezone: Europe/Berlin\n"
        "channels: {welcome: welcome, intros: intros}\n"
    )
    return load_playbooks([file])


def admin(fake: FakeSlack, *, minute: float = 0.06) -> SlackAdmin:
    return SlackAdmin(BOT_TOKEN, api_url=fake.api_url, rate_minute=minute)


async def live_join(fake: FakeSlack, sink: RecordingSink, user_id: str) -> MemberJoined:
    def found() -> MemberJoined | None:
        joins = [e for e in sink.events if isinstance(e, MemberJoined) and not e.backfill]
        return next((e for e in joins if e.member.id == user_id), None)

    joined: MemberJoined = await fake.wait_for(found)
    return joined


class Notes:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, message: str, /, *, done: int | None = None, total: int | None = None) -> None:
        self.lines.append(message if done is None else f"{message} {done}/{total}")


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_join_and_the_catch_up_carry_handle_and_email(slack_fake: FakeSlack, mode: str) -> None:
    fake = slack_fake
    an_hour_ago = int(time.time()) - 3600
    fake.add_person("UEARLY", "lin", display_name="Lin Wu", email="lin@uni.example", updated=an_hour_ago)
    sink = RecordingSink()
    adapter = SlackAdapter(make_config(fake, mode))
    await adapter.start(sink, CATALOG)
    try:
        harness = SlackHarness(fake=fake, adapter=adapter, sink=sink, mode=mode)
        await fake.wait_for(lambda: adapter.catch_up.runs >= 1)
        caught = next(e for e in sink.events if isinstance(e, MemberJoined) and e.member.id == "UEARLY")
        assert caught.backfill
        assert (caught.handle, caught.email, caught.display_name) == ("lin", "lin@uni.example", "Lin Wu")

        fake.add_person("UJOIN", "max.m", display_name="Max Mustermann", email="Max@Uni.example")
        await harness.deliver(fake.team_join("UJOIN"), kind="events_api")
        live = await live_join(fake, sink, "UJOIN")
        assert (live.handle, live.email, live.display_name) == ("max.m", "Max@Uni.example", "Max Mustermann")
    finally:
        await adapter.close()


async def test_without_the_email_scope_a_join_carries_the_handle_only(slack_fake: FakeSlack) -> None:
    fake = slack_fake
    fake.scopes.discard(EMAIL_SCOPE)  # Slack leaves profile.email out of what this app reads
    fake.add_person("UJOIN", "max.m", display_name="Max", email="max@uni.example")
    sink = RecordingSink()
    adapter = SlackAdapter(make_config(fake, "http"))
    await adapter.start(sink, CATALOG)
    try:
        harness = SlackHarness(fake=fake, adapter=adapter, sink=sink, mode="http")
        await harness.deliver(fake.team_join("UJOIN"), kind="events_api")
        joined = await live_join(fake, sink, "UJOIN")
        assert (joined.handle, joined.email) == ("max.m", "")
    finally:
        await adapter.close()


async def test_a_recorded_team_join_and_a_community_channel_join_carry_handle_and_email(
    slack_fake: FakeSlack,
) -> None:
    sink = RecordingSink()
    adapter = SlackAdapter(make_config(slack_fake, "http"))
    await adapter.start(sink, CATALOG)
    try:
        harness = SlackHarness(fake=slack_fake, adapter=adapter, sink=sink, mode="http")
        await harness.deliver(load_payload("team_join"), kind="events_api")  # as Slack sent it
        joined = await live_join(slack_fake, sink, "UNEW")
        assert (joined.handle, joined.email, joined.display_name) == ("grace", "grace@example.org", "grace")
    finally:
        await adapter.close()

    sink = RecordingSink()
    adapter = SlackAdapter(make_config(slack_fake, "http", community_channel="#welcome"))
    await adapter.start(sink, CATALOG)
    try:
        harness = SlackHarness(fake=slack_fake, adapter=adapter, sink=sink, mode="http")
        # UMEMBER joins #welcome: who they are comes from users.info
        await harness.deliver(load_payload("member_joined_channel"), kind="events_api")
        (joined,) = await harness.events(1)
        assert isinstance(joined, MemberJoined)
        assert (joined.member.id, joined.handle, joined.email) == ("UMEMBER", "bo", "bo@example.org")
    finally:
        await adapter.close()


async def test_the_lookup_finds_members_by_email_then_by_exact_handle(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    fake = slack_fake
    fake.add_person("UGONE", "gone", email="gone@example.org", deleted=True)
    fake.add_person("UGRACE", "hopper", display_name="Grace Hopper", email="g.hopper@navy.example")
    people = [
        ("BO@example.org ", ""),  # Slack compares addresses without case
        ("nobody@example.org", ""),
        ("", "@ada"),  # no email: the handle, exactly
        ("not-an-email", ""),  # not asked
        ("gone@example.org", ""),  # a deactivated account is nobody to enrol
        ("grace@personal.example", "Hopper"),  # the email finds nobody: the handle does
        ("nobody@example.org", "hop"),  # the start of a handle is not a handle
    ]
    notes = Notes()
    found = await look_up(playbooks(tmp_path), TEAM, people, notes, sessions=[admin(fake)])

    assert dict(found) == {
        0: UserRef(Platform.SLACK, "UMEMBER", "Bo"),
        2: UserRef(Platform.SLACK, "UADMIN", "Ada"),
        5: UserRef(Platform.SLACK, "UGRACE", "Grace Hopper"),
    }
    assert [found[i].name for i in (0, 2, 5)] == ["Bo", "Ada", "Grace Hopper"]
    assert found.problems == []
    asked = [c.params["email"] for c in fake.calls_to("users.lookupByEmail")]
    assert sorted(asked) == [
        "BO@example.org",
        "gone@example.org",
        "grace@personal.example",
        "nobody@example.org",  # once for both of its rows
    ]
    assert len(fake.calls_to("users.list")) == 1  # the handles: one read, for every row that needs it
    assert notes.lines[-1].endswith(" 7/7")
    assert not [line for line in notes.lines if "@" in line or "hop" in line.lower()]


async def test_without_the_email_scope_the_lookup_says_so_once_and_still_matches_handles(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    fake = slack_fake
    fake.scopes.discard(EMAIL_SCOPE)
    notes = Notes()
    people = [("bo@example.org", ""), ("ada@example.org", "ada"), ("x@example.org", "")]
    found = await look_up(playbooks(tmp_path), TEAM, people, notes, sessions=[admin(fake)])

    assert dict(found) == {1: UserRef(Platform.SLACK, "UADMIN", "Ada")}
    (problem,) = found.problems
    assert EMAIL_SCOPE in problem and "reinstall" in problem
    assert notes.lines.count(problem) == 1
    assert len(fake.calls_to("users.lookupByEmail")) == 1  # not asked again for the other rows
    assert BOT_TOKEN not in "\n".join(notes.lines)


async def test_the_lookups_keep_their_tier_and_wait_out_a_rate_limit(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    fake = slack_fake
    minute = 0.3  # Slack's minute, scaled down: Tier 3 is 50 lookups in it
    fake.limits = SlackLimits(minute=minute)
    for i in range(60):
        fake.add_person(f"UP{i:03d}", f"p{i}", email=f"p{i}@example.org")
    people = [(f"p{i}@example.org", "") for i in range(60)]
    started = time.monotonic()
    found = await look_up(playbooks(tmp_path), TEAM, people, sessions=[admin(fake, minute=minute)])

    assert sorted(u.id for u in found.values()) == [f"UP{i:03d}" for i in range(60)]
    assert found.problems == []
    assert fake.limits.rate_limited == {}  # paced below the tier: Slack never had to refuse
    assert time.monotonic() - started >= minute * 0.9  # the 51st waited for the window


async def test_a_lookup_slack_refuses_for_its_rate_is_asked_again(
    slack_fake: FakeSlack, tmp_path: Path
) -> None:
    slack_fake.fail_next("users.lookupByEmail", retry_after=0)  # 429 with Retry-After: 0
    found = await look_up(playbooks(tmp_path), TEAM, [("bo@example.org", "")], sessions=[admin(slack_fake)])
    assert dict(found) == {0: UserRef(Platform.SLACK, "UMEMBER", "Bo")}
    assert found.problems == []
    assert len([c for c in slack_fake.calls if c.method == "users.lookupByEmail"]) == 2


async def test_doctor_passes_without_the_optional_email_scope_and_says_what_it_is_for(
    slack_fake: FakeSlack,
) -> None:
    session = admin(slack_fake)
    await session.open()
    try:
        with_scope = await session.findings()
    finally:
        await session.close()
    assert [f.ok for f in with_scope] == [True] and EMAIL_SCOPE not in with_scope[0].check

    slack_fake.scopes.discard(EMAIL_SCOPE)
    session = admin(slack_fake)
    await session.open()
    try:
        without = await session.findings()
    finally:
        await session.close()
    assert all(f.ok for f in without)
    assert [f.check for f in without if EMAIL_SCOPE in f.check] == [
        f"the optional scope {EMAIL_SCOPE} is not granted: roster rows are matched to members by "
        "handle or join code, not by email (add it and reinstall the app to match by email)"
    ]

    slack_fake.scopes.discard("pins:read")  # a scope the bot needs still fails
    session = admin(slack_fake)
    await session.open()
    try:
        missing = await session.findings()
    finally:
        await session.close()
    assert [f.fix.split(": add")[0] for f in missing if not f.ok] == ["missing pins:read"]
