"""Slack catch-up (issue 12): members who joined while the bot was down are welcomed once at
the next start, against the fake Slack with the real runtime (``adapters/slack/catchup.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.slack.catchup import caught_up_join
from cohortbot.adapters.slack.translate import community_ref, team_join
from cohortbot.playbook.events import Event
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import SlackBot, load_payload, slack_fake, start_bot

__all__ = ["slack_fake"]

PLAYBOOK = """
name: Slack cohort
default: true
community_name: Slack Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: intros, moderators: mods}
steps:
  welcome:
    message: "Hi {member}! Introduce yourself in {intro_channel}."
"""

DAY = 86_400
TEAM = community_ref("T0COHORT")


def _user(user_id: str, name: str, *, updated: float, **flags: Any) -> dict[str, Any]:
    return {"id": user_id, "name": name, "profile": {"display_name": name}, "updated": int(updated), **flags}


def welcomes(fake: FakeSlack, user_id: str) -> int:
    return len([c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == f"D{user_id}"])


async def caught_up(bot: SlackBot, runs: int = 1) -> None:
    """Until the adapter's catch-up ran ``runs`` times and the runtime decided what it handed over."""
    await bot.fake.wait_for(lambda: bot.adapter.catch_up.runs >= runs)
    await bot.handled(bot.adapter.catch_up.handed)


@pytest.fixture(params=["http", "socket"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def workspace(slack_fake: FakeSlack) -> FakeSlack:
    """Two long-standing members (profiles last changed a month ago)."""
    month_ago = time.time() - 30 * DAY
    for user_id in ("UADMIN", "UMEMBER", "UNEW"):
        slack_fake.users[user_id]["updated"] = int(month_ago)
    return slack_fake


async def test_members_who_joined_while_the_bot_was_stopped_are_welcomed_once_at_the_next_start(
    workspace: FakeSlack, tmp_path: Path, mode: str
) -> None:
    async with start_bot(workspace, tmp_path, mode, PLAYBOOK) as bot:
        await caught_up(bot)
        assert bot.adapter.catch_up.handed == 3
    assert workspace.calls_to("chat.postMessage") == []  # members of a month: not newcomers

    workspace.users["UFRESH"] = _user("UFRESH", "fresh", updated=time.time() - 3600)  # while stopped
    async with start_bot(workspace, tmp_path, mode, PLAYBOOK) as bot:
        await caught_up(bot)
        await bot.runtime.settle()
    assert welcomes(workspace, "UFRESH") == 1
    assert "Hi fresh!" in workspace.calls_to("chat.postMessage")[0].params["text"]

    # A veteran edits their profile (updated is now recent), and the bot starts again.
    workspace.users["UMEMBER"]["updated"] = int(time.time() - 60)
    async with start_bot(workspace, tmp_path, mode, PLAYBOOK) as bot:
        await caught_up(bot)
        await bot.runtime.settle()
    assert welcomes(workspace, "UFRESH") == 1
    assert welcomes(workspace, "UMEMBER") == 0
    assert len(workspace.calls_to("chat.postMessage")) == 1


async def test_a_member_welcomed_live_is_not_welcomed_again_at_the_next_start(
    workspace: FakeSlack, tmp_path: Path
) -> None:
    payload = load_payload("team_join")
    joined = time.time() - 60
    payload["event"]["event_ts"] = f"{joined:.6f}"
    payload["event"]["user"] |= {"id": "UGRACE", "updated": int(joined)}
    async with start_bot(workspace, tmp_path, "http", PLAYBOOK) as bot:
        await caught_up(bot)
        workspace.users["UGRACE"] = dict(payload["event"]["user"])  # Slack lists them from now on
        assert (await bot.deliver(payload, kind="events_api")).status == 200
        await bot.handled(bot.adapter.catch_up.handed + 1)
    assert welcomes(workspace, "UGRACE") == 1

    async with start_bot(workspace, tmp_path, "http", PLAYBOOK) as bot:
        await caught_up(bot)
        await bot.runtime.settle()
        assert bot.runtime.duplicates == 4  # everyone, the live join's event id included
    assert welcomes(workspace, "UGRACE") == 1


async def test_a_live_join_during_the_catch_up_is_welcomed_once(
    workspace: FakeSlack, tmp_path: Path, mode: str
) -> None:
    payload = load_payload("team_join")
    joined = time.time() - 5
    payload["event"]["event_ts"] = f"{joined:.6f}"
    payload["event"]["user"]["updated"] = int(joined)
    workspace.users["UNEW"] = dict(payload["event"]["user"])
    workspace.hold("users.list")  # the catch-up waits for its first page
    async with start_bot(workspace, tmp_path, mode, PLAYBOOK) as bot:
        await workspace.wait_for(lambda: workspace.calls_to("users.list"))
        assert (await bot.deliver(payload, kind="events_api")).status == 200
        await bot.handled(1)
        workspace.release("users.list")
        await bot.fake.wait_for(lambda: bot.adapter.catch_up.runs >= 1)
        await bot.handled(1 + bot.adapter.catch_up.handed)
        await bot.runtime.settle()
        assert bot.runtime.duplicates == 1
    assert welcomes(workspace, "UNEW") == 1


async def test_a_big_workspace_is_read_a_page_at_a_time(workspace: FakeSlack, tmp_path: Path) -> None:
    old = time.time() - 90 * DAY
    for n in range(1_500):
        workspace.users[f"U{n:05d}"] = _user(f"U{n:05d}", f"member {n}", updated=old)
    pages_read_at: list[int] = []  # for each event handed over: the users.list calls made so far

    workspace.hold("users.list")  # the start's catch-up waits until the sink is recorded
    async with start_bot(workspace, tmp_path, "http", PLAYBOOK) as bot:
        submit = bot.runtime.submit

        async def recording(event: Event) -> None:
            pages_read_at.append(len(workspace.calls_to("users.list")))
            await submit(event)

        bot.adapter._sink = recording
        workspace.release("users.list")
        await caught_up(bot)
    calls = workspace.calls_to("users.list")
    assert len(calls) == 8  # 1,503 members: eight pages of 200
    assert all(int(c.params["limit"]) == 200 for c in calls)
    assert [c.params.get("cursor") for c in calls[1:]] == [f"page:{200 * k}" for k in range(1, 8)]
    assert len(pages_read_at) == 1_503  # the 1,500 and the three members of the fixture
    # Page k's members are handed over before page k+1 is asked for: one page in memory.
    assert pages_read_at == [index // 200 + 1 for index in range(1_503)]
    assert workspace.calls_to("chat.postMessage") == []


async def test_a_reconnected_socket_catches_up_what_slack_may_have_dropped(
    workspace: FakeSlack, tmp_path: Path
) -> None:
    async with start_bot(workspace, tmp_path, "socket", PLAYBOOK) as bot:
        await caught_up(bot)
        workspace.users["UFRESH"] = _user("UFRESH", "fresh", updated=time.time() - 30)
        await workspace.drop_socket()  # Slack closes the socket; the client opens a new one
        await caught_up(bot, runs=2)
        await bot.runtime.settle()
    assert welcomes(workspace, "UFRESH") == 1


@pytest.mark.parametrize(
    "flags",
    [
        {"deleted": True},
        {"is_bot": True},
        {"is_app_user": True},
        {"is_restricted": True},
        {"is_ultra_restricted": True},
    ],
    ids=["deleted", "bot", "app user", "guest", "single-channel guest"],
)
def test_nobody_to_welcome_is_not_handed_over(flags: dict[str, Any]) -> None:
    assert caught_up_join(_user("UX", "x", updated=time.time(), **flags), community=TEAM) is None


def test_slackbot_the_bot_itself_and_users_without_a_time_are_not_handed_over() -> None:
    now = time.time()
    assert caught_up_join(_user("USLACKBOT", "slackbot", updated=now), community=TEAM) is None
    assert caught_up_join(_user("UBOT", "cohortbot", updated=now), community=TEAM, bot_user_id="UBOT") is None
    assert caught_up_join({"id": "UX", "name": "x"}, community=TEAM) is None


def test_a_caught_up_member_has_the_live_joins_event_id_and_is_backfill() -> None:
    payload = load_payload("team_join")
    payload["event"]["user"]["updated"] = 1_700_000_000
    live = team_join(payload, community=TEAM)
    caught = caught_up_join(payload["event"]["user"], community=TEAM)
    assert live is not None and caught is not None
    assert caught.event_id == live.event_id == "slack:join:T0COHORT:UNEW:1700000000"
    assert caught.backfill and not live.backfill
    assert caught.occurred_at.timestamp() == 1_700_000_000  # updated: never before the join
