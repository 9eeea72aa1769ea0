"""The real slack-bolt / slack_sdk over real HTTP and websockets, against the fake Slack.

Inbound scenarios run in both HTTP mode and Socket Mode (the ``slack`` fixture); outbound
ones once (``slack_http``): perform() does not depend on how events arrive.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from cohortbot.adapters.base import DirectMessageRefused, PermanentDeliveryError, RetryableDeliveryError
from cohortbot.adapters.slack import SlackAdapter, SlackStartupError
from cohortbot.playbook.actions import (
    AddReaction,
    CreateLiveSession,
    GrantRole,
    OpenForm,
    PinMessage,
    PostMessage,
    RespondToInteraction,
    RevokeRole,
    SendDirectMessage,
    SendGroupMessage,
    StartThread,
)
from cohortbot.playbook.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MessagePosted,
)
from cohortbot.playbook.messages import Form, FormInput, RichMessage
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef
from tests.contract.fakes.slack_fake import FakeSlack, sign
from tests.contract.slack_fixtures import (
    CATALOG,
    RecordingSink,
    SlackHarness,
    load_payload,
    make_config,
    slack,
    slack_fake,
    slack_http,
)

__all__ = ["slack", "slack_fake", "slack_http"]

COMMUNITY = CommunityRef(Platform.SLACK, "T0COHORT")
HELLO = RichMessage(text="Welcome **aboard**, <@UNEW>!", title="Hello")


def _dm(user: str = "UNEW", key: str = "welcome:1") -> SendDirectMessage:
    return SendDirectMessage(key=key, community=COMMUNITY, to=UserRef(Platform.SLACK, user), message=HELLO)


# ---------------------------------------------------------------------------- inbound, both modes


async def test_signed_team_join_reaches_the_sink_and_the_welcome_dm_is_sent(slack: SlackHarness) -> None:
    ack = await slack.deliver(load_payload("team_join"), kind="events_api")
    assert ack.status == 200
    (event,) = await slack.events(1)
    assert isinstance(event, MemberJoined)
    assert event.member.id == "UNEW" and event.display_name == "grace"
    assert event.community == COMMUNITY and event.community.name == "Cohort Test"
    assert event.event_id == "slack:join:T0COHORT:UNEW:1700000000"  # as the catch-up's

    delivered = await slack.adapter.perform(_dm())
    opened = slack.fake.calls_to("conversations.open")
    posted = slack.fake.calls_to("chat.postMessage")
    assert [c.params["users"] for c in opened] == ["UNEW"]
    assert len(posted) == 1 and posted[0].params["channel"] == "DUNEW"
    assert "*aboard*" in posted[0].params["text"]
    (sent,) = slack.fake.posted_in("DUNEW")
    assert delivered.message is not None and delivered.message.id == sent["ts"]
    await slack.adapter.perform(_dm(key="welcome:2"))
    assert len(slack.fake.calls_to("conversations.open")) == 1  # the DM channel id is cached


async def test_retried_event_is_acked_each_time_with_a_stable_event_id(slack: SlackHarness) -> None:
    payload = load_payload("team_join")
    acks = [await slack.deliver(payload, kind="events_api", retry=n) for n in range(3)]
    assert [a.status for a in acks] == [200, 200, 200]
    events = await slack.events(3)
    assert {e.event_id for e in events} == {"slack:join:T0COHORT:UNEW:1700000000"}
    # The runtime's inbox keys on event_id: a sink that does the same sends one DM.
    seen: dict[str, Event] = {}
    for event in events:
        if event.event_id not in seen:
            seen[event.event_id] = event
            await slack.adapter.perform(_dm())
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_ack_comes_before_slow_work(slack: SlackHarness) -> None:
    slack.sink.gate = asyncio.Event()  # the engine is busy: the sink won't return
    ack = await asyncio.wait_for(slack.deliver(load_payload("team_join"), kind="events_api"), 2)
    assert ack.status == 200 and slack.sink.events == []
    slack.sink.gate.set()
    assert isinstance((await slack.events(1))[0], MemberJoined)


async def test_message_in_a_channel_becomes_message_posted(slack: SlackHarness) -> None:
    await slack.deliver(load_payload("message_channel"), kind="events_api")
    await slack.deliver(load_payload("message_changed"), kind="events_api")  # acked, not a post
    (event,) = await slack.events(1)
    assert isinstance(event, MessagePosted)
    assert event.channel == ChannelRef(Platform.SLACK, id="CINTROS", name="intros")
    assert [m.id for m in event.mentions] == ["UADMIN"]


async def test_cohort_status_is_parsed_with_the_actors_standing(slack: SlackHarness) -> None:
    slack.fake.add_usergroup("S0MODS", "moderators", ["UADMIN", "UMEMBER"])
    command = load_payload("slash_command") | {"response_url": slack.fake.response_url("cmd")}
    started = time.monotonic()
    ack = await slack.deliver(command, kind="slash_commands")
    assert ack.status == 200 and not ack.body  # an empty ack: the engine answers later
    assert time.monotonic() - started < 3
    (event,) = await slack.events(1)
    assert isinstance(event, CommandInvoked)
    assert event.path == ("status",) and event.options == {}
    assert event.actor.user.id == "UADMIN" and event.actor.is_admin
    assert event.actor.roles == {"S0MODS", "moderators"}
    assert event.channel == ChannelRef(Platform.SLACK, id="CWELCOME", name="welcome")
    assert event.interaction.trigger_id == "1001.2002.cmdtrigger"
    assert event.event_id == "slack-command:1001.2002.cmdtrigger"

    await slack.adapter.perform(
        RespondToInteraction(
            key="status:1",
            community=COMMUNITY,
            interaction=event.interaction,
            message=RichMessage(text="All good: 12 members"),
        )
    )
    await slack.adapter.perform(
        RespondToInteraction(
            key="status:2",
            community=COMMUNITY,
            interaction=event.interaction,
            message=RichMessage(text="shared"),
            ephemeral=False,
        )
    )
    private, public = slack.fake.responses
    assert private["id"] == "cmd" and private["response_type"] == "ephemeral"
    assert private["text"] == "All good: 12 members" and private["replace_original"] is False
    assert public["response_type"] == "in_channel"


async def test_command_options_and_non_admin_actor(slack: SlackHarness) -> None:
    command = load_payload("slash_command") | {
        "user_id": "UMEMBER",
        "user_name": "bo",
        "text": "role grant <@UNEW|grace> champions",
    }
    await slack.deliver(command, kind="slash_commands")
    (event,) = await slack.events(1)
    assert isinstance(event, CommandInvoked)
    assert event.path == ("role", "grant") and event.options == {"member": "UNEW", "role": "champions"}
    assert not event.actor.is_admin and event.actor.roles == frozenset()


async def test_command_syntax_error_is_answered_ephemerally_in_the_ack(slack: SlackHarness) -> None:
    command = load_payload("slash_command") | {"text": "bogus things"}
    ack = await slack.deliver(command, kind="slash_commands")
    assert ack.status == 200
    assert ack.body["response_type"] == "ephemeral"
    assert "unknown command 'bogus'" in ack.body["text"] and "/cohort status" in ack.body["text"]
    await slack.deliver(load_payload("team_join"), kind="events_api")  # a later event, as a marker
    events = await slack.events(1)
    assert [type(e) for e in events] == [MemberJoined]


async def test_button_click_and_select_become_button_pressed(slack: SlackHarness) -> None:
    for name in ("block_actions_button", "block_actions_select"):
        ack = await slack.deliver(load_payload(name), kind="interactive")
        assert ack.status == 200
    button, select = await slack.events(2)
    assert isinstance(button, ButtonPressed) and isinstance(select, ButtonPressed)
    assert (button.action_id, button.value) == ("sessions.rsvp.yes", "session-42")
    assert button.message is not None and button.message.id == "1700000900.000100"
    assert button.actor.user.id == "UMEMBER"
    assert (select.action_id, select.value) == ("goals.track", "data")


async def test_view_submission_becomes_form_submitted(slack: SlackHarness) -> None:
    ack = await slack.deliver(load_payload("view_submission"), kind="interactive")
    assert ack.status == 200 and not ack.body  # an empty ack closes the modal
    (event,) = await slack.events(1)
    assert isinstance(event, FormSubmitted)
    assert event.form_id == "surveys.weekly"
    assert event.values == {"mood": "great", "learned": "Block Kit & modals", "blocker": ""}


# ---------------------------------------------------------------------------- HTTP mode security


@pytest.mark.parametrize("tamper", ["signature", "stale", "wrong-secret"])
async def test_unverified_requests_get_401_and_reach_nothing(slack_http: SlackHarness, tamper: str) -> None:
    payload = load_payload("team_join")
    fake = slack_http.fake
    if tamper == "signature":
        status, _ = await fake.send_signed(
            slack_http.endpoint, payload, kind="events_api", signature="v0=00ff"
        )
    elif tamper == "stale":
        status, _ = await fake.send_signed(
            slack_http.endpoint, payload, kind="events_api", timestamp=int(time.time()) - 600
        )
    else:
        status, _ = await fake.send_signed(slack_http.endpoint, payload, kind="events_api", secret="other")
    assert status == 401
    # A correctly signed one still gets through: the 401 was about the signature.
    assert (await fake.send_signed(slack_http.endpoint, payload, kind="events_api"))[0] == 200
    assert len(await slack_http.events(1)) == 1
    assert sign("s", "1", "b").startswith("v0=")


async def test_url_verification_challenge_is_answered(slack_http: SlackHarness) -> None:
    challenge = {"token": "x", "challenge": "3eZbrw1aB", "type": "url_verification"}
    status, body = await slack_http.fake.send_signed(slack_http.endpoint, challenge, kind="events_api")
    assert status == 200 and "3eZbrw1aB" in body
    assert slack_http.sink.events == []


# ---------------------------------------------------------------------------- outbound


async def test_open_form_uses_the_trigger_id(slack_http: SlackHarness) -> None:
    form = Form(
        form_id="surveys.weekly",
        title="Weekly check-in",
        inputs=(FormInput(input_id="learned", label="What did you learn?", multiline=True),),
    )
    interaction = InteractionRef(Platform.SLACK, id="T1", trigger_id="T1")
    delivered = await slack_http.adapter.perform(
        OpenForm(key="form:1", community=COMMUNITY, interaction=interaction, form=form)
    )
    (call,) = slack_http.fake.calls_to("views.open")
    assert call.params["trigger_id"] == "T1" and delivered.platform_id.startswith("V")
    view = call.params["view"]
    assert view["callback_id"] == "surveys.weekly" and view["blocks"][0]["block_id"] == "learned"

    slack_http.fake.expired_triggers.add("T2")
    late = InteractionRef(Platform.SLACK, id="T2", trigger_id="T2")
    with pytest.raises(PermanentDeliveryError, match="expired_trigger_id"):
        await slack_http.adapter.perform(
            OpenForm(key="form:2", community=COMMUNITY, interaction=late, form=form)
        )


async def test_429_is_retried_after_retry_after_and_posted_once(slack_http: SlackHarness) -> None:
    fake = slack_http.fake
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    post = PostMessage(
        key="p:1",
        community=COMMUNITY,
        channel=ChannelRef(Platform.SLACK, name="intros"),
        message=RichMessage(text="Weekly prompt"),
    )
    delivered = await slack_http.adapter.perform(post)
    attempts = [c.status for c in fake.calls if c.method == "chat.postMessage"]
    assert attempts == [429, 200] and len(fake.calls_to("chat.postMessage")) == 1
    assert delivered.message is not None and delivered.message.channel.id == "CINTROS"

    fake.fail_next("chat.postMessage", status=429, retry_after=120)  # too long to wait in-line
    with pytest.raises(RetryableDeliveryError) as info:
        await slack_http.adapter.perform(post)
    assert info.value.retry_after == 120


async def test_server_errors_are_retryable_and_unknown_channels_permanent(slack_http: SlackHarness) -> None:
    fake, adapter = slack_http.fake, slack_http.adapter
    fake.fail_next("chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=2)
    post = PostMessage(
        key="p:2",
        community=COMMUNITY,
        channel=ChannelRef(Platform.SLACK, id="CINTROS"),
        message=RichMessage(text="hi"),
    )
    with pytest.raises(RetryableDeliveryError):
        await adapter.perform(post)
    nowhere = PostMessage(
        key="p:3",
        community=COMMUNITY,
        channel=ChannelRef(Platform.SLACK, name="nowhere"),
        message=RichMessage(text="hi"),
    )
    with pytest.raises(PermanentDeliveryError, match="#nowhere"):
        await adapter.perform(nowhere)
    fake.fail_next("chat.postMessage", status=200, error="missing_scope", retry_after=None)
    with pytest.raises(PermanentDeliveryError, match="missing_scope"):
        await adapter.perform(post)
    with pytest.raises(PermanentDeliveryError, match="native"):
        await adapter.perform(
            CreateLiveSession(
                key="s:1", community=COMMUNITY, title="Live", description="", starts_at=_now(), ends_at=_now()
            )
        )


async def test_dm_refusal_raises_direct_message_refused(slack_http: SlackHarness) -> None:
    slack_http.fake.dm_refused.add("UMEMBER")
    with pytest.raises(DirectMessageRefused):
        await slack_http.adapter.perform(_dm("UMEMBER"))
    with pytest.raises(DirectMessageRefused):
        await slack_http.adapter.perform(_dm("UGONE"))  # user_not_found
    assert slack_http.fake.calls_to("chat.postMessage") == []


async def test_grant_role_read_modify_write_keeps_existing_members(slack_http: SlackHarness) -> None:
    fake, adapter = slack_http.fake, slack_http.adapter
    fake.add_usergroup("S0CHAMPS", "champions", ["UADMIN"])

    def grant(user: str) -> GrantRole:
        return GrantRole(
            key=f"g:{user}", community=COMMUNITY, member=UserRef(Platform.SLACK, user), role="champions"
        )

    # Two grants at once: the per-group lock keeps the second from overwriting the first.
    await asyncio.gather(adapter.perform(grant("UMEMBER")), adapter.perform(grant("UNEW")))
    assert sorted(fake.usergroups["S0CHAMPS"]["users"]) == ["UADMIN", "UMEMBER", "UNEW"]
    await adapter.perform(grant("UNEW"))  # already there: no update
    assert len(fake.calls_to("usergroups.users.update")) == 2
    await adapter.perform(
        RevokeRole(
            key="r:1", community=COMMUNITY, member=UserRef(Platform.SLACK, "UMEMBER"), role="@champions"
        )
    )
    assert sorted(fake.usergroups["S0CHAMPS"]["users"]) == ["UADMIN", "UNEW"]


async def test_roles_fall_back_to_a_channel_without_user_groups(slack_http: SlackHarness) -> None:
    fake, adapter = slack_http.fake, slack_http.adapter
    fake.usergroups_error = "paid_teams_only"
    fake.channels["CCHAMPS"] = {"id": "CCHAMPS", "name": "champions", "members": ["UADMIN"]}
    member = UserRef(Platform.SLACK, "UMEMBER")
    await adapter.perform(GrantRole(key="g:1", community=COMMUNITY, member=member, role="champions"))
    await adapter.perform(GrantRole(key="g:2", community=COMMUNITY, member=member, role="champions"))
    assert fake.channels["CCHAMPS"]["members"] == ["UADMIN", "UMEMBER"]
    await adapter.perform(RevokeRole(key="r:1", community=COMMUNITY, member=member, role="champions"))
    await adapter.perform(RevokeRole(key="r:2", community=COMMUNITY, member=member, role="champions"))
    assert fake.channels["CCHAMPS"]["members"] == ["UADMIN"]
    assert fake.calls_to("usergroups.users.update") == []


async def test_threads_reactions_pins_and_group_dms(slack_http: SlackHarness) -> None:
    fake, adapter = slack_http.fake, slack_http.adapter
    intros = ChannelRef(Platform.SLACK, id="CINTROS", name="intros")
    parent = MessageRef(intros, "1700000200.000100")
    started = await adapter.perform(
        StartThread(key="t:1", community=COMMUNITY, message=parent, name="Intros")
    )
    assert started.message == parent  # Slack threads are implicit
    await adapter.perform(
        PostMessage(
            key="t:2", community=COMMUNITY, channel=intros, thread=parent, message=RichMessage(text="hi")
        )
    )
    assert fake.calls_to("chat.postMessage")[-1].params["thread_ts"] == "1700000200.000100"

    fake.fail_next("reactions.add", status=200, error="already_reacted", retry_after=None)
    await adapter.perform(AddReaction(key="r:1", community=COMMUNITY, message=parent, emoji="👋"))
    await adapter.perform(AddReaction(key="r:2", community=COMMUNITY, message=parent, emoji=":tada:"))
    assert [c.params["name"] for c in fake.calls if c.method == "reactions.add"] == ["wave", "tada"]
    await adapter.perform(PinMessage(key="pin:1", community=COMMUNITY, message=parent))
    assert fake.calls_to("pins.add")[0].params == {"channel": "CINTROS", "timestamp": "1700000200.000100"}

    group = (UserRef(Platform.SLACK, "UMEMBER"), UserRef(Platform.SLACK, "UNEW"))
    delivered = await adapter.perform(
        SendGroupMessage(
            key="m:1", community=COMMUNITY, to=group, message=RichMessage(text="Meet your buddy")
        )
    )
    assert fake.calls_to("conversations.open")[-1].params["users"] == "UMEMBER,UNEW"
    assert delivered.message is not None and delivered.message.channel.id == "GUMEMBERUNEW"


async def test_community_channel_mode_counts_channel_joins_not_workspace_joins(slack_fake: FakeSlack) -> None:
    sink = RecordingSink()
    adapter = SlackAdapter(make_config(slack_fake, "http", community_channel="#welcome"))
    await adapter.start(sink, CATALOG)
    try:
        harness = SlackHarness(fake=slack_fake, adapter=adapter, sink=sink, mode="http")
        await harness.deliver(load_payload("team_join"), kind="events_api")
        await harness.deliver(load_payload("member_joined_channel"), kind="events_api")
        (event,) = await harness.events(1)
        assert isinstance(event, MemberJoined)
        assert event.member.id == "UMEMBER" and event.display_name == "Bo" and event.event_id == "Ev0MJC1"
    finally:
        await adapter.close()


async def test_the_bots_own_messages_never_reach_the_sink(slack: SlackHarness) -> None:
    own = load_payload("message_channel")
    own["event"]["user"] = "UBOT"
    own["event_id"] = "Ev0OWN"
    assert (await slack.deliver(own, kind="events_api")).status == 200
    await slack.deliver(load_payload("message_im"), kind="events_api")
    (event,) = await slack.events(1)
    assert isinstance(event, MessagePosted) and event.is_direct and event.event_id == "Ev0MSG3"


# ---------------------------------------------------------------------------- startup


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_bad_tokens_fail_start_clearly_without_leaking_them(slack_fake: FakeSlack, mode: str) -> None:
    adapter = SlackAdapter(make_config(slack_fake, mode, bot_token="xoxb-WRONG-secret-value"))
    with pytest.raises(SlackStartupError, match="invalid_auth") as info:
        await adapter.start(RecordingSink(), CATALOG)
    assert "WRONG" not in str(info.value) and "WRONG" not in repr(adapter.config)
    if mode == "socket":
        adapter = SlackAdapter(make_config(slack_fake, mode, app_token="xapp-WRONG"))
        with pytest.raises(SlackStartupError, match="SLACK_APP_TOKEN") as info:
            await adapter.start(RecordingSink(), CATALOG)
        assert "WRONG" not in str(info.value)
        await adapter.close()


def test_http_mode_requires_a_signing_secret() -> None:
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        make_config(FakeSlack(), "http", signing_secret=None)


def _now() -> datetime:
    return datetime.now(UTC)
