"""Slack platform faults from the fake (issue 10): a 5xx before or after Slack carried the
request out, a 429 with Retry-After, a timeout, a dropped Socket Mode connection, a sink that
fails after the ack. Nothing lost, nothing doubled: each test counts what the fake holds and
what the sink (or the runtime) got.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.base import RetryableDeliveryError
from cohortbot.adapters.slack import SlackAdapter
from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform
from tests.contract.conftest import all_delivered
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import (
    CATALOG,
    RecordingSink,
    SlackBot,
    SlackHarness,
    load_payload,
    make_config,
    slack,
    slack_fake,
    slack_http,
    start_bot,
)

__all__ = ["slack", "slack_fake", "slack_http"]

COMMUNITY = CommunityRef(Platform.SLACK, "T0COHORT")
POST = "chat.postMessage"


def post(key: str = "prompt:weekly:1") -> PostMessage:
    return PostMessage(
        key=key,
        community=COMMUNITY,
        channel=ChannelRef(Platform.SLACK, id="CINTROS", name="intros"),
        message=RichMessage(text="What did you learn this week?"),
    )


def join(user: str, *, event_id: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_payload("team_join"))
    payload["event"]["user"].update(id=user, name=user.lower(), profile={"display_name": user.lower()})
    payload["event"]["event_ts"] = f"{time.time():.6f}"  # a recorded 2023 join is too old to welcome
    payload["event_id"] = event_id
    del payload["event"]["user"]["updated"]  # keyed to Slack's own event id (translate.join_event_id)
    return payload


# ---------------------------------------------------------------------------- Web API faults


async def test_a_5xx_after_slack_posted_the_message_does_not_post_it_twice(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    fake.fail_after(POST, status=500, error="internal_error")  # posted, but the answer is a 500
    delivered = await slack_http.adapter.perform(post())
    (message,) = fake.posted_in("CINTROS")
    assert delivered.message is not None and delivered.message.id == message["ts"]
    assert [c.status for c in fake.calls if c.method == POST] == [500]
    assert len(fake.calls_to("conversations.history")) == 1


async def test_a_5xx_before_posting_then_success_posts_once(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    fake.fail_next(POST, status=503, error="service_unavailable", retry_after=None)
    delivered = await slack_http.adapter.perform(post())
    (message,) = fake.posted_in("CINTROS")
    assert delivered.message is not None and delivered.message.id == message["ts"]
    assert [c.status for c in fake.calls if c.method == POST] == [503, 200]


async def test_5xx_on_both_tries_is_retryable_and_the_retry_finds_the_message(
    slack_http: SlackHarness,
) -> None:
    fake = slack_http.fake
    fake.fail_next(POST, status=503, error="service_unavailable", retry_after=None)  # not posted
    fake.fail_after(POST)  # the second try is posted, but answered with a 500
    with pytest.raises(RetryableDeliveryError, match="internal_error"):
        await slack_http.adapter.perform(post())
    assert len(fake.posted_in("CINTROS")) == 1
    delivered = await slack_http.adapter.perform(post())  # the deliverer's retry looks first
    (message,) = fake.posted_in("CINTROS")
    assert delivered.message is not None and delivered.message.id == message["ts"]
    assert [c.status for c in fake.calls if c.method == POST] == [503, 500]


async def test_a_429_with_retry_after_on_the_look_delays_the_delivery_without_posting(
    slack_fake: FakeSlack,
) -> None:
    # Its own scale of Slack's minute: its own limiter, so the 60 s pause holds up no other test.
    adapter = SlackAdapter(make_config(slack_fake, "http", rate_minute=0.061))
    await adapter.start(RecordingSink(), CATALOG)
    try:
        await adapter.perform(post())
        slack_fake.fail_next("conversations.history", status=429, retry_after=60)  # too long to wait
        with pytest.raises(RetryableDeliveryError) as info:
            await adapter.perform(post(), resumed=True)
        assert info.value.retry_after == 60 and len(slack_fake.posted_in("CINTROS")) == 1
    finally:
        await adapter.close()


async def test_a_short_429_on_the_look_is_waited_in_line_and_nothing_is_posted_twice(
    slack_http: SlackHarness,
) -> None:
    fake = slack_http.fake
    await slack_http.adapter.perform(post())
    fake.fail_next("conversations.history", status=429, retry_after=0)  # short: waited in-line
    await slack_http.adapter.perform(post(), resumed=True)
    assert len(fake.posted_in("CINTROS")) == 1


async def test_a_timeout_is_retryable_and_the_late_post_is_not_doubled(slack_fake: FakeSlack) -> None:
    adapter = SlackAdapter(make_config(slack_fake, "http", request_timeout=0.2))
    await adapter.start(RecordingSink(), CATALOG)
    try:
        slack_fake.hold(POST)
        with pytest.raises(RetryableDeliveryError, match="TimeoutError"):
            await asyncio.wait_for(adapter.perform(post()), timeout=10)  # the test's own bound
        assert slack_fake.posted_in("CINTROS") == []
        slack_fake.release(POST)  # Slack carries out the request the bot gave up on
        await slack_fake.wait_for(lambda: slack_fake.posted_in("CINTROS"))
        delivered = await adapter.perform(post())  # the deliverer's retry, not marked resumed
        (message,) = slack_fake.posted_in("CINTROS")
        assert delivered.message is not None and delivered.message.id == message["ts"]
    finally:
        await adapter.close()


# ---------------------------------------------------------------------------- the ack and the sink


async def test_a_sink_that_fails_after_the_ack_neither_fails_the_ack_nor_loses_later_events(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.sink.raise_on.add("Ev0FIRST")
    with caplog.at_level(logging.ERROR, logger="cohortbot.adapters.slack"):
        first = await slack.deliver(join("UMEMBER", event_id="Ev0FIRST"), kind="events_api")
        second = await slack.deliver(join("UNEW", event_id="Ev0SECOND"), kind="events_api")
        (event,) = await slack.events(1)
    assert first.status == second.status == 200
    assert isinstance(event, MemberJoined) and event.event_id == "Ev0SECOND"
    assert any("Ev0FIRST" in r.getMessage() and "MemberJoined" in r.getMessage() for r in caplog.records)


async def test_a_slow_sink_holds_no_ack_and_every_event_arrives_in_order(slack: SlackHarness) -> None:
    slack.sink.gate = asyncio.Event()  # the database is slow: the sink does not return yet
    ids = [f"Ev0SLOW{n}" for n in range(5)]
    acks = [
        await asyncio.wait_for(slack.deliver(join("UNEW", event_id=i), kind="events_api"), 2) for i in ids
    ]
    assert [a.status for a in acks] == [200] * 5 and slack.sink.events == []
    slack.sink.gate.set()
    events = await slack.events(5)
    assert sorted(e.event_id for e in events) == ids


# ---------------------------------------------------------------------------- Socket Mode


PLAYBOOK = """
name: Slack cohort
default: true
community_name: Slack Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, intros: intros, moderators: mods}
steps:
  welcome:
    message: "Hi {member}!"
"""


@pytest.fixture
async def socket_bot(slack_fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    for n in range(4):
        uid = f"UJOIN{n}"
        slack_fake.users[uid] = {"id": uid, "name": f"m{n}", "profile": {"display_name": f"m{n}"}}
    async with start_bot(slack_fake, tmp_path, "socket", PLAYBOOK) as bot:
        yield bot


async def test_a_dropped_socket_reconnects_redelivers_what_was_not_acked_and_welcomes_once(
    socket_bot: SlackBot,
) -> None:
    bot, fake = socket_bot, socket_bot.fake
    await bot.deliver(join("UJOIN0", event_id="Ev0J0"), kind="events_api")
    # Slack closes the connection right after sending an envelope: its ack can't arrive.
    dropped = await fake.push_envelope(join("UJOIN1", event_id="Ev0J1"), kind="events_api", drop=True)
    await fake.wait_for(lambda: fake.connections == 2)  # slack_sdk opened a new connection
    await fake.wait_ack(dropped)  # the fake sent it again there, and this time it was acked
    for n in (2, 3):  # after the reconnect
        await bot.deliver(join(f"UJOIN{n}", event_id=f"Ev0J{n}"), kind="events_api")
    await bot.handled(5)  # the deliverer paces Slack at 2 requests/s: keep the welcomes few
    await all_delivered(bot.runtime, bot.unit_of_work)

    again = [e for e in fake.envelopes if e["envelope_id"] == dropped]
    assert [(e["retry_attempt"], e["payload"]["event_id"]) for e in again] == [(0, "Ev0J1"), (1, "Ev0J1")]
    assert bot.runtime.processed == 4  # every join decided once: the redelivery is a duplicate
    assert bot.runtime.duplicates == 1
    welcomed = sorted(c.params["channel"] for c in fake.calls_to(POST))
    assert welcomed == [f"DUJOIN{n}" for n in range(4)]
