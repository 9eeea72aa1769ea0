"""Posting once on Slack (issue 10, item 11): chat.postMessage has no idempotency key, so
every message carries its action's key as metadata and a delivery that may be a repeat looks
for it first. The real slack_sdk against the fake Slack, which keeps what was posted.
"""

from __future__ import annotations

import pytest

from cohortbot.adapters.base import RetryableDeliveryError
from cohortbot.adapters.slack import SlackAdapter
from cohortbot.adapters.slack.idempotency import EVENT_TYPE, key_digest
from cohortbot.playbook.actions import Action, PostMessage, SendDirectMessage, SendGroupMessage
from cohortbot.playbook.messages import Attachment, RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, MessageRef, Platform, UserRef
from tests.contract.slack_fixtures import RecordingSink, SlackHarness, slack_fake, slack_http

__all__ = ["slack_fake", "slack_http"]

COMMUNITY = CommunityRef(Platform.SLACK, "T0COHORT")
INTROS = ChannelRef(Platform.SLACK, id="CINTROS", name="intros")
PARENT = "1700000000.000042"


def post(key: str = "welcome:T0COHORT:UNEW") -> PostMessage:
    return PostMessage(key=key, community=COMMUNITY, channel=INTROS, message=RichMessage(text="Welcome!"))


# Each kind of message, and the conversation (and thread) it lands in.
MESSAGES: dict[str, tuple[Action, str, str]] = {
    "channel post": (post(), "CINTROS", ""),
    "post by channel name": (
        PostMessage(
            key="p:named", community=COMMUNITY, channel=ChannelRef(Platform.SLACK, name="intros"),
            message=RichMessage(text="Weekly prompt"),
        ),
        "CINTROS",
        "",
    ),
    "thread reply": (
        PostMessage(
            key="intros:reply", community=COMMUNITY, channel=INTROS,
            thread=MessageRef(INTROS, PARENT), message=RichMessage(text="Nice to meet you"),
        ),
        "CINTROS",
        PARENT,
    ),
    "direct message": (
        SendDirectMessage(
            key="welcome:dm", community=COMMUNITY, to=UserRef(Platform.SLACK, "UNEW"),
            message=RichMessage(text="Hi grace"),
        ),
        "DUNEW",
        "",
    ),
    "group message": (
        SendGroupMessage(
            key="match:1", community=COMMUNITY,
            to=(UserRef(Platform.SLACK, "UMEMBER"), UserRef(Platform.SLACK, "UNEW")),
            message=RichMessage(text="Meet your buddy"),
        ),
        "GUMEMBERUNEW",
        "",
    ),
}


@pytest.mark.parametrize("name", MESSAGES)
async def test_a_resumed_delivery_of_a_message_already_posted_returns_it_instead_of_posting(
    slack_http: SlackHarness, name: str
) -> None:
    action, channel, thread = MESSAGES[name]
    first = await slack_http.adapter.perform(action)
    # The process died before recording the outcome; its lease ran out; a new process resumes.
    again = await SlackAdapter(slack_http.adapter.config).perform(action, resumed=True)
    (message,) = slack_http.fake.posted_in(channel)
    assert message.get("thread_ts", "") == thread
    assert first.message is not None and again.message is not None
    assert first.message.id == again.message.id == message["ts"]
    assert again.message.channel.id == channel
    lookup = "conversations.replies" if thread else "conversations.history"
    (looked,) = slack_http.fake.calls_to(lookup)
    assert looked.params["channel"] == channel


async def test_every_message_names_its_action_by_a_digest_of_the_key(slack_http: SlackHarness) -> None:
    await slack_http.adapter.perform(post("welcome:T0COHORT:UNEW"))
    (message,) = slack_http.fake.posted_in("CINTROS")
    assert message["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": key_digest("welcome:T0COHORT:UNEW")},
    }
    assert "UNEW" not in str(message["metadata"])  # keys name members; metadata is readable by apps


async def test_a_resumed_delivery_that_never_reached_slack_is_posted(slack_http: SlackHarness) -> None:
    await slack_http.adapter.perform(post("other:1"))  # another action's message is there
    delivered = await slack_http.adapter.perform(post(), resumed=True)
    messages = slack_http.fake.posted_in("CINTROS")
    assert len(messages) == 2 and len(slack_http.fake.calls_to("conversations.history")) == 1
    assert delivered.message is not None and delivered.message.id == messages[-1]["ts"]


async def test_a_first_delivery_does_not_look(slack_http: SlackHarness) -> None:
    await slack_http.adapter.perform(post())
    assert slack_http.fake.calls_to("conversations.history") == []


async def test_a_resumed_delivery_finds_its_message_pages_back(slack_http: SlackHarness) -> None:
    await slack_http.adapter.perform(post())
    for n in range(150):  # a busy channel since: the copy is on the second page of 100
        await slack_http.adapter.perform(post(f"chatter:{n}"))
    await slack_http.adapter.perform(post(), resumed=True)
    assert len(slack_http.fake.posted_in("CINTROS")) == 151
    looks = slack_http.fake.calls_to("conversations.history")
    assert [c.params.get("cursor") for c in looks] == [None, "100"]


async def test_where_history_cannot_be_read_a_resumed_post_is_sent_anyway(slack_http: SlackHarness) -> None:
    # chat:write.public posts in a channel the bot is not in; reading it needs membership.
    # At-least-once: a possible second copy rather than a lost message.
    slack_http.fake.bot_absent_from.add("CINTROS")
    await slack_http.adapter.perform(post())
    delivered = await slack_http.adapter.perform(post(), resumed=True)
    assert len(slack_http.fake.posted_in("CINTROS")) == 2 and delivered.message is not None


async def test_a_group_dm_without_mpim_history_is_sent_anyway(slack_http: SlackHarness) -> None:
    action, channel, _ = MESSAGES["group message"]
    slack_http.fake.scopes.discard("mpim:history")
    await slack_http.adapter.perform(action, resumed=True)
    assert len(slack_http.fake.posted_in(channel)) == 1


# ---------------------------------------------------------------------------- posts with files

CHART = Attachment(filename="health.png", content_type="image/png", data=b"\x89PNG\r\n\x1a\n" + bytes(64))


def digest(thread: str = "") -> PostMessage:
    return PostMessage(
        key="health:weekly:1",
        community=COMMUNITY,
        channel=INTROS,
        thread=MessageRef(INTROS, thread) if thread else None,
        message=RichMessage(text="This week's health", attachments=(CHART,)),
    )


@pytest.mark.parametrize("thread", ["", PARENT], ids=["channel", "thread"])
async def test_a_resumed_post_whose_files_were_shared_shares_nothing_again(
    slack_http: SlackHarness, thread: str
) -> None:
    first = await slack_http.adapter.perform(digest(thread))
    fresh = SlackAdapter(slack_http.adapter.config)
    await fresh.start(RecordingSink(), ())  # knows who it is (auth.test): whose shares to count
    try:
        again = await fresh.perform(digest(thread), resumed=True)
    finally:
        await fresh.close()
    assert first.message is not None and again.message is not None
    assert again.message.id == first.message.id
    assert len(slack_http.fake.shares) == 1
    assert len([m for m in slack_http.fake.posted_in("CINTROS") if "metadata" in m]) == 1


async def test_a_resumed_post_whose_files_never_went_shares_them_once(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    fake.fail_next("files.getUploadURLExternal", status=200, error="internal_error", retry_after=None)
    with pytest.raises(RetryableDeliveryError):
        await slack_http.adapter.perform(digest())  # the text went out, the files did not
    fresh = SlackAdapter(slack_http.adapter.config)  # then the process died
    await fresh.start(RecordingSink(), ())
    try:
        await fresh.perform(digest(), resumed=True)
    finally:
        await fresh.close()
    (share,) = fake.shares
    assert [f.filename for f in share.files] == ["health.png"]
    assert len([m for m in fake.posted_in("CINTROS") if "metadata" in m]) == 1
