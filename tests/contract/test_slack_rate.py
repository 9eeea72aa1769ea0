"""A burst of welcome DMs and posts against a fake Slack that enforces its method tiers.

The fake (``fakes/slack_limits.py``) limits each Web API method to its tier per minute
(``conversations.open``: Tier 3, 50 a minute) and ``chat.postMessage`` to one message a second
per channel, answering beyond them with 429 and ``Retry-After``; its minute is scaled down to
``MINUTE`` seconds, and so is the adapter's (``SlackConfig.rate_minute``). The real deliverer
sends 60 welcome DMs (60 conversations.open: more than one minute's worth) and 6 posts in one
channel through the real slack_sdk. Behaviour only: each delivered once, no bucket answered
429 more than once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from cohortbot.adapters.slack import SlackAdapter
from cohortbot.bot.clock import ManualClock
from cohortbot.bot.deliverer import Deliverer
from cohortbot.playbook.actions import Action, PostMessage, SendDirectMessage
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from cohortbot.storage.memory import MemoryStore
from tests.contract.conftest import RecordingSink
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.fakes.slack_limits import SlackLimits
from tests.contract.slack_fixtures import CATALOG, make_config
from tests.harness import START

MINUTE = 6.0  # seconds in the fake's and the adapter's Slack minute
DMS, POSTS = 60, 6
COMMUNITY = CommunityRef(Platform.SLACK, "T0COHORT")


@pytest.fixture
async def limited_slack() -> AsyncIterator[tuple[FakeSlack, SlackAdapter]]:
    fake = FakeSlack()
    for n in range(DMS):
        user = f"UJOIN{n:03d}"
        fake.users[user] = {"id": user, "name": f"m{n}", "profile": {"display_name": f"m{n}"}}
    await fake.start()
    adapter = SlackAdapter(make_config(fake, "http", rate_minute=MINUTE))
    await adapter.start(RecordingSink(), CATALOG)
    fake.limits = SlackLimits(minute=MINUTE)  # after start: its auth.test and directory are not the point
    try:
        yield fake, adapter
    finally:
        await adapter.close()
        await fake.stop()


def _actions() -> list[Action]:
    dms: list[Action] = [
        SendDirectMessage(
            key=f"welcome:{n}",
            community=COMMUNITY,
            to=UserRef(Platform.SLACK, f"UJOIN{n:03d}"),
            message=RichMessage(text=f"Welcome m{n}!"),
        )
        for n in range(DMS)
    ]
    posts: list[Action] = [
        PostMessage(
            key=f"post:{n}",
            community=COMMUNITY,
            channel=ChannelRef(Platform.SLACK, id="CWELCOME", name="welcome"),
            message=RichMessage(text=f"Prompt {n}"),
        )
        for n in range(POSTS)
    ]
    return dms + posts


async def test_a_burst_over_the_tiers_is_delivered_once_each_with_at_most_one_429_per_bucket(
    limited_slack: tuple[FakeSlack, SlackAdapter],
) -> None:
    fake, adapter = limited_slack
    store = MemoryStore()
    clock = ManualClock(START)
    async with store.unit_of_work() as uow:
        for action in _actions():
            assert await uow.outbox.add(action, now=clock.now())
        await uow.commit()
    deliverer = Deliverer(store.unit_of_work, {Platform.SLACK: adapter}, clock)
    await deliverer.drain()
    for _ in range(3):  # a post refused once (429: allowed once per bucket) is retried later
        if deliverer.delivered == DMS + POSTS:
            break
        clock.advance(timedelta(minutes=20))
        await deliverer.drain()
    assert deliverer.delivered == DMS + POSTS
    for n in range(DMS):
        assert [m["text"] for m in fake.posted_in(f"DUJOIN{n:03d}")] == [f"Welcome m{n}!"]
    assert sorted(m["text"] for m in fake.posted_in("CWELCOME")) == [f"Prompt {n}" for n in range(POSTS)]
    assert fake.limits is not None
    assert fake.limits.passed["conversations.open"] == DMS
    over = {bucket: n for bucket, n in fake.limits.rate_limited.items() if n > 1}
    assert over == {}, f"429s per bucket: {dict(fake.limits.rate_limited)}"
