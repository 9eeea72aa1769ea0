"""translate.py on recorded Slack payloads (tests/contract/payloads/slack/)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from cohortbot.adapters.slack import translate
from cohortbot.playbook.commands import CommandSyntaxError
from cohortbot.playbook.events import MemberJoined, MessagePosted
from cohortbot.playbook.refs import ChannelRef, CommunityRef, MessageRef, Platform, UserRef
from tests.contract.slack_fixtures import CATALOG, load_payload

COMMUNITY = CommunityRef(Platform.SLACK, "T0COHORT", "Cohort Test")
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
ACTOR = translate.actor("UMEMBER", name="bo")


def _user(uid: str) -> UserRef:
    return UserRef(Platform.SLACK, uid)


def test_team_join() -> None:
    event = translate.team_join(load_payload("team_join"), community=COMMUNITY)
    assert event == MemberJoined(
        community=COMMUNITY,
        occurred_at=datetime.fromtimestamp(1700000000.0002, tz=UTC),
        event_id="slack:join:T0COHORT:UNEW:1700000000",  # the member and their updated: the catch-up's
        member=_user("UNEW"),
        display_name="grace",
        handle="grace",  # for roster matching: the handle, and the email this app may read
        email="grace@example.org",
    )
    assert event.member.name == "grace" and not event.is_bot


def test_team_join_without_updated_keeps_slacks_event_id() -> None:
    body = load_payload("team_join")
    del body["event"]["user"]["updated"]
    event = translate.team_join(body, community=COMMUNITY)
    assert event is not None and event.event_id == "Ev0TEAMJOIN1"


def test_team_join_of_a_bot_user() -> None:
    body = load_payload("team_join")
    body["event"]["user"]["is_bot"] = True
    event = translate.team_join(body, community=COMMUNITY)
    assert event is not None and event.is_bot


def test_member_joined_channel_counts_only_for_the_community_channel() -> None:
    body = load_payload("member_joined_channel")
    assert translate.member_joined_channel(body, community=COMMUNITY, community_channel=None) is None
    other = ChannelRef(Platform.SLACK, id="COTHER", name="random")
    assert translate.member_joined_channel(body, community=COMMUNITY, community_channel=other) is None
    home = ChannelRef(Platform.SLACK, id="CWELCOME", name="welcome")
    event = translate.member_joined_channel(body, community=COMMUNITY, community_channel=home, user_name="Bo")
    assert event is not None and event.member == _user("UMEMBER") and event.display_name == "Bo"
    assert event.event_id == "Ev0MJC1"


def test_channel_message_with_mentions() -> None:
    event = translate.message_posted(
        load_payload("message_channel"),
        community=COMMUNITY,
        bot_user_id="UBOT",
        channel_names={"CINTROS": "intros"},
    )
    assert isinstance(event, MessagePosted)
    channel = ChannelRef(Platform.SLACK, id="CINTROS", name="intros")
    assert event.channel == channel and event.message == MessageRef(channel, "1700000200.000100")
    assert event.author == _user("UMEMBER") and event.mentions == (_user("UADMIN"),)
    assert event.thread is None and not event.is_direct and event.event_id == "Ev0MSG1"


def test_thread_reply_points_at_its_parent() -> None:
    event = translate.message_posted(
        load_payload("message_thread_reply"), community=COMMUNITY, bot_user_id="UBOT"
    )
    assert event is not None
    parent = MessageRef(ChannelRef(Platform.SLACK, id="CINTROS"), "1700000200.000100")
    assert event.thread == parent and event.reply_to_message == parent
    assert event.reply_to == _user("UMEMBER")


def test_direct_message() -> None:
    event = translate.message_posted(load_payload("message_im"), community=COMMUNITY, bot_user_id="UBOT")
    assert event is not None and event.is_direct


@pytest.mark.parametrize("name", ["message_changed", "message_deleted", "message_bot"])
def test_edits_deletions_and_bot_messages_are_not_posts(name: str) -> None:
    assert translate.message_posted(load_payload(name), community=COMMUNITY, bot_user_id="UBOT") is None


def test_our_own_messages_are_not_posts() -> None:
    body = load_payload("message_channel")
    body["event"]["user"] = "UBOT"
    assert translate.message_posted(body, community=COMMUNITY, bot_user_id="UBOT") is None


def test_a_broadcast_thread_reply_is_a_post() -> None:
    body = load_payload("message_thread_reply")
    body["event"]["subtype"] = "thread_broadcast"
    assert translate.message_posted(body, community=COMMUNITY, bot_user_id="UBOT") is not None


def test_reaction_added() -> None:
    event = translate.reaction_added(load_payload("reaction_added"), community=COMMUNITY, bot_user_id="UBOT")
    assert event is not None
    assert event.user == _user("UADMIN") and event.emoji == "tada"
    assert event.message.id == "1700000200.000100" and event.message_author == _user("UMEMBER")


def test_reaction_to_a_file_is_ignored() -> None:
    body = load_payload("reaction_added")
    body["event"]["item"] = {"type": "file", "file": "F1"}
    assert translate.reaction_added(body, community=COMMUNITY, bot_user_id="UBOT") is None


def test_slash_command() -> None:
    actor = translate.actor("UADMIN", roles=frozenset({"S1", "mods"}), is_admin=True)
    event = translate.slash_command(
        load_payload("slash_command"), community=COMMUNITY, actor=actor, catalog=CATALOG, now=NOW
    )
    assert event.path == ("status",) and event.actor is actor and event.occurred_at == NOW
    assert event.channel == ChannelRef(Platform.SLACK, id="CWELCOME", name="welcome")
    assert event.interaction.token == "https://hooks.slack.com/commands/T0COHORT/1/abc"
    assert event.interaction.trigger_id == "1001.2002.cmdtrigger"
    assert translate.interaction_context(event.interaction) == ("UADMIN", "CWELCOME")
    assert "hooks.slack.com" not in repr(event.interaction)  # the response_url is a credential


def test_slash_command_in_a_dm_has_an_unnamed_channel() -> None:
    body = load_payload("slash_command") | {"channel_id": "DUADMIN", "channel_name": "directmessage"}
    event = translate.slash_command(body, community=COMMUNITY, actor=ACTOR, catalog=CATALOG, now=NOW)
    assert event.channel == ChannelRef(Platform.SLACK, id="DUADMIN")


def test_slash_command_syntax_error() -> None:
    body = load_payload("slash_command") | {"text": "role grant"}
    with pytest.raises(CommandSyntaxError, match="missing member, role"):
        translate.slash_command(body, community=COMMUNITY, actor=ACTOR, catalog=CATALOG, now=NOW)


def test_button_and_select() -> None:
    (button,) = translate.block_actions(
        load_payload("block_actions_button"), community=COMMUNITY, actor=ACTOR, now=NOW
    )
    assert (button.action_id, button.value) == ("sessions.rsvp.yes", "session-42")
    assert button.event_id == "slack-action:1001.2002.buttontrigger"
    assert button.channel == ChannelRef(Platform.SLACK, id="CWELCOME")
    assert button.interaction.token.endswith("/def")
    (select,) = translate.block_actions(
        load_payload("block_actions_select"), community=COMMUNITY, actor=ACTOR, now=NOW
    )
    assert (select.action_id, select.value) == ("goals.track", "data")


def test_link_button_clicks_send_no_event() -> None:
    body = load_payload("block_actions_button")
    body["actions"][0]["action_id"] = translate.LINK_ACTION_PREFIX + "docs"
    assert translate.block_actions(body, community=COMMUNITY, actor=ACTOR, now=NOW) == []


def test_multi_select_values_are_joined() -> None:
    body = load_payload("block_actions_select")
    body["actions"][0] = {
        "action_id": "goals.topics",
        "type": "multi_static_select",
        "selected_options": [{"value": "a"}, {"value": "b"}],
    }
    (event,) = translate.block_actions(body, community=COMMUNITY, actor=ACTOR, now=NOW)
    assert event.value == "a,b"


def test_view_submission() -> None:
    event = translate.view_submission(
        load_payload("view_submission"), community=COMMUNITY, actor=ACTOR, now=NOW
    )
    assert event.form_id == "surveys.weekly"
    assert event.values == {"mood": "great", "learned": "Block Kit & modals", "blocker": ""}
    assert event.event_id == "slack-view:V0SURVEY:1001.2002.viewtrigger"


def test_roles_of_lists_ids_and_handles() -> None:
    groups = [
        {"id": "S1", "handle": "mods", "users": ["UADMIN"]},
        {"id": "S2", "handle": "champions", "users": ["UADMIN", "UMEMBER"]},
    ]
    assert translate.roles_of("UMEMBER", groups) == {"S2", "champions"}
    assert translate.roles_of("UADMIN", groups) == {"S1", "mods", "S2", "champions"}
    assert translate.roles_of("UNOBODY", groups) == frozenset()


def test_the_manifest_subscribes_to_what_the_adapter_listens_to() -> None:
    manifest = yaml.safe_load((Path(translate.__file__).parent / "manifest.yaml").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {
        "team_join",
        "member_joined_channel",
        "message.channels",
        "message.im",
        "reaction_added",
    } <= events
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "chat:write",
        "im:write",
        "mpim:write",
        "users:read",
        "usergroups:read",
        "usergroups:write",
        "reactions:read",
        "reactions:write",
        "pins:write",
        "commands",
        "channels:read",
        "channels:history",
        # a resent message is looked for in the conversation before it is posted again
        "groups:history",
        "im:history",
        "mpim:history",
    }
    assert needed <= scopes
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/cohort"]
    assert manifest["settings"]["interactivity"]["is_enabled"] and manifest["settings"]["socket_mode_enabled"]
