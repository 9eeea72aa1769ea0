"""Attachments on Slack: the real slack_sdk ``files_upload_v2`` against the fake Slack.

The message goes first (chat.postMessage or the response_url), then the files into the same
conversation: files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal.
"""

from __future__ import annotations

import json

import pytest

from cohortbot.adapters.base import PermanentDeliveryError, RetryableDeliveryError
from cohortbot.adapters.slack import translate
from cohortbot.playbook.actions import PostMessage, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import Attachment, RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef
from tests.contract.fakes.slack_fake import FakeSlack
from tests.contract.slack_fixtures import SlackHarness, load_payload, slack_fake, slack_http

__all__ = ["slack_fake", "slack_http"]

COMMUNITY = CommunityRef(Platform.SLACK, "T0COHORT")
# A real PNG header plus every byte value: the upload must be byte-exact (no text decoding).
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CHART = Attachment(filename="health.png", content_type="image/png", data=PNG)
EXPORT = Attachment(
    filename="my-cohortbot-data.json",
    content_type="application/json",
    data=json.dumps({"member": "UNEW", "activity": []}).encode(),
)


def _digest(
    key: str = "digest:1", *, thread: str = "", attachments: tuple[Attachment, ...] = (CHART,)
) -> PostMessage:
    channel = ChannelRef(Platform.SLACK, name="intros")
    return PostMessage(
        key=key,
        community=COMMUNITY,
        channel=channel,
        thread=MessageRef(channel, thread) if thread else None,
        message=RichMessage(title="Community health", text="**12** active", attachments=attachments),
    )


def _order(fake: FakeSlack) -> list[str]:
    return [
        c.method
        for c in fake.calls
        if c.status == 200 and c.method not in ("auth.test", "conversations.list", "users.list")
    ]


async def test_post_message_uploads_the_exact_png_bytes_into_its_channel(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    delivered = await slack_http.adapter.perform(_digest())

    (post,) = fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "CINTROS"
    assert "Attached" not in json.dumps(post.params["blocks"])  # the file itself follows
    (share,) = fake.shares
    assert share.channel == "CINTROS" and share.thread_ts == "" and share.initial_comment == ""
    (file,) = share.files
    assert file.filename == "health.png" and file.title == "health.png" and file.data == PNG
    # Text first, then slack_sdk's three steps.
    assert _order(fake) == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    posted, shared = fake.posted_in("CINTROS")  # the post, then the files' share
    assert delivered.message is not None and delivered.message.id == posted["ts"]
    assert [f["name"] for f in shared["files"]] == ["health.png"]


async def test_a_reply_in_a_thread_shares_its_files_in_that_thread(slack_http: SlackHarness) -> None:
    await slack_http.adapter.perform(_digest(thread="1700000000.000042", attachments=(CHART, EXPORT)))
    (post,) = slack_http.fake.calls_to("chat.postMessage")
    assert post.params["thread_ts"] == "1700000000.000042"
    (share,) = slack_http.fake.shares  # one message with both files
    assert share.channel == "CINTROS" and share.thread_ts == "1700000000.000042"
    assert [f.data for f in share.files] == [PNG, EXPORT.data]


async def test_dm_uploads_the_json_into_the_dm_channel(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    dm = SendDirectMessage(
        key="privacy-export:1",
        community=COMMUNITY,
        to=UserRef(Platform.SLACK, "UNEW"),
        message=RichMessage(text="Here is everything cohortbot keeps about you.", attachments=(EXPORT,)),
    )
    delivered = await slack_http.adapter.perform(dm)

    assert [c.params["users"] for c in fake.calls_to("conversations.open")] == ["UNEW"]
    (post,) = fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "DUNEW"
    (share,) = fake.shared_in("DUNEW")
    assert [(f.filename, f.data) for f in share.files] == [("my-cohortbot-data.json", EXPORT.data)]
    assert delivered.message is not None and delivered.message.channel.id == "DUNEW"


async def test_missing_files_write_scope_is_permanent_and_names_the_scope(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    fake.scopes.discard("files:write")
    with pytest.raises(PermanentDeliveryError, match="'files:write'") as info:
        await slack_http.adapter.perform(_digest())
    assert "files.getUploadURLExternal" in str(info.value)
    assert fake.shares == [] and len(fake.calls_to("chat.postMessage")) == 1

    # Scope added, app reinstalled, the parked action re-queued: the text is not posted twice.
    fake.scopes.add("files:write")
    await slack_http.adapter.perform(_digest())
    assert len(fake.calls_to("chat.postMessage")) == 1
    (share,) = fake.shares
    assert share.files[0].data == PNG


async def test_files_need_the_bot_in_the_channel(slack_http: SlackHarness) -> None:
    slack_http.fake.bot_absent_from.add("CINTROS")
    with pytest.raises(PermanentDeliveryError, match=r"not_in_channel.*invite the bot"):
        await slack_http.adapter.perform(_digest())
    assert len(slack_http.fake.calls_to("chat.postMessage")) == 1  # chat:write.public posted the text


async def test_a_failing_upload_url_is_retryable_and_the_retry_resumes(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    fake.fail_next("upload", status=503, error="unavailable", times=2)  # slack_sdk retries once
    with pytest.raises(RetryableDeliveryError, match="HTTP 503"):
        await slack_http.adapter.perform(_digest())
    assert fake.shares == []
    await slack_http.adapter.perform(_digest())
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert [f.data for share in fake.shares for f in share.files] == [PNG]


async def test_more_than_ten_files_go_in_several_messages(slack_http: SlackHarness) -> None:
    charts = tuple(Attachment(filename=f"c{i}.png", content_type="image/png", data=PNG) for i in range(12))
    await slack_http.adapter.perform(_digest(attachments=charts))
    assert [len(share.files) for share in slack_http.fake.shares] == [10, 2]


# ---------------------------------------------------------------------------- interaction answers


async def _command(slack: SlackHarness, **overrides: str) -> CommandInvoked:
    command = load_payload("slash_command") | {"response_url": slack.fake.response_url("cmd"), **overrides}
    await slack.deliver(command, kind="slash_commands")
    (event,) = await slack.events(1)
    assert isinstance(event, CommandInvoked)
    return event


def _answer(event: CommandInvoked, *, ephemeral: bool, key: str = "health:1") -> RespondToInteraction:
    return RespondToInteraction(
        key=key,
        community=COMMUNITY,
        interaction=event.interaction,
        message=RichMessage(title="Community health", text="**12** active", attachments=(CHART,)),
        ephemeral=ephemeral,
    )


async def test_an_ephemeral_answer_dms_its_files_to_the_member(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    event = await _command(slack_http)
    await slack_http.adapter.perform(_answer(event, ephemeral=True))

    (answer,) = fake.responses
    assert answer["response_type"] == "ephemeral"
    assert "Sent to you in a direct message: health.png" in json.dumps(answer["blocks"])
    (share,) = fake.shares
    assert share.channel == "DUADMIN"  # never the channel: everyone there would see it
    assert share.initial_comment == "Here are the files for *Community health*."
    assert share.files[0].data == PNG


async def test_a_public_answer_shares_its_files_in_the_interactions_channel(slack_http: SlackHarness) -> None:
    event = await _command(slack_http)
    await slack_http.adapter.perform(_answer(event, ephemeral=False))
    (answer,) = slack_http.fake.responses
    assert answer["response_type"] == "in_channel" and "direct message" not in json.dumps(answer)
    (share,) = slack_http.fake.shares
    assert share.channel == "CWELCOME" and share.initial_comment == ""
    assert slack_http.fake.calls_to("conversations.open") == []


@pytest.mark.parametrize("where", ["not_in_channel", "channel_not_found"])
async def test_a_public_answer_where_the_bot_cannot_share_dms_the_files(
    slack_http: SlackHarness, where: str
) -> None:
    if where == "not_in_channel":
        slack_http.fake.bot_absent_from.add("CWELCOME")
        event = await _command(slack_http)
    else:  # a channel the bot cannot see, e.g. a DM between two members
        event = await _command(slack_http, channel_id="CELSEWHERE", channel_name="elsewhere")
    await slack_http.adapter.perform(_answer(event, ephemeral=False))
    (share,) = slack_http.fake.shares
    channel = event.channel.id if event.channel else ""
    assert share.channel == "DUADMIN" and f"<#{channel}>" in share.initial_comment
    assert share.files[0].data == PNG


async def test_an_answer_without_context_lists_its_files(slack_http: SlackHarness) -> None:
    bare = InteractionRef(
        Platform.SLACK, id="T9", token=slack_http.fake.response_url("bare"), trigger_id="T9"
    )
    answer = RespondToInteraction(
        key="bare:1",
        community=COMMUNITY,
        interaction=bare,
        message=RichMessage(text="hi", attachments=(CHART,)),
    )
    await slack_http.adapter.perform(answer)
    (response,) = slack_http.fake.responses
    assert "Attached: health.png" in json.dumps(response["blocks"])
    assert slack_http.fake.shares == []


def test_interaction_refs_carry_who_acted_and_where() -> None:
    ref = translate.interaction_ref("1001.2002.t", "https://hooks.slack.com/x", user_id="U1", channel_id="C1")
    assert translate.interaction_context(ref) == ("U1", "C1")
    assert ref.trigger_id == "1001.2002.t" and "hooks.slack.com" not in repr(ref)
    assert translate.interaction_context(InteractionRef(Platform.SLACK, id="T1")) == ("", "")
