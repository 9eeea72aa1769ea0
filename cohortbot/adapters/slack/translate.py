"""Slack payloads -> neutral ``playbook.events``: pure functions, one per Slack payload kind.

Every function takes the raw Slack body (Events API envelope, slash-command form or
interactivity payload, exactly as slack-bolt hands it to a listener) plus what the adapter
already knows (the community, the bot's own ids, cached channel names, the actor's standing)
and returns an event, or ``None`` when the payload is not something the engine cares about.

Choices worth knowing:

- ``event_id`` of Events API events is Slack's own ``event_id``: it is the same for Slack's
  HTTP retries (``X-Slack-Retry-Num``) and for Socket Mode re-deliveries, so the runtime's
  inbox collapses them. Slash commands and interactions have no event id; their
  ``trigger_id`` is unique per user gesture and is reused for them.
- ``member_joined_channel`` is **not** a community join by default: in a workspace, people
  join channels all the time. Only when the adapter is configured with a *community channel*
  (a community that lives in one channel of a larger workspace) does joining that channel
  count, and then ``team_join`` does not (a new workspace member is not yet in the community).
- An ``InteractionRef``'s ``id`` is ``"{trigger_id}|{user_id}|{channel_id}"``: the engine
  treats it as opaque (a unique key per gesture), and it carries who acted and where, so the
  performer can share files that a response_url cannot carry (``interaction_context``). The
  context travels *in* the ref because the answer is delivered through the outbox, possibly
  after a restart or by another process (HTTP mode behind a load balancer): an in-memory map
  would lose it. ``trigger_id`` keeps its own field for ``views.open``.
- Bot messages (``bot_id`` or ``subtype: bot_message``), our own messages, edits
  (``message_changed``), deletions and other subtyped housekeeping messages are not new posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cohortbot.adapters.unreadable import skips_unreadable
from cohortbot.playbook.commands import CommandSpec, CommandSyntaxError, parse_command_text
from cohortbot.playbook.events import (
    EMAIL_MAX,
    HANDLE_MAX,
    Actor,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef

__all__ = [
    "LINK_ACTION_PREFIX",
    "POSTING_SUBTYPES",
    "actor",
    "block_actions",
    "community_ref",
    "display_name",
    "form_values",
    "handle_and_email",
    "interaction_context",
    "interaction_ref",
    "join_event_id",
    "member_joined_channel",
    "member_left_channel",
    "message_posted",
    "parse_ts",
    "reaction_added",
    "roles_of",
    "slash_command",
    "team_join",
    "view_submission",
]

# Link buttons get an action_id with this prefix (render.py); Slack still sends a
# block_actions payload when one is clicked, which we ack and drop: a link sends no event.
LINK_ACTION_PREFIX = "cohortbot.link:"

# Message subtypes that are a member posting something (everything else is housekeeping:
# joins, topic changes, edits, deletions, bot messages...).
POSTING_SUBTYPES = frozenset({"", "thread_broadcast", "file_share", "me_message"})

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Slack's labels for channels that have no public name in slash-command payloads.
_UNNAMED_CHANNELS = frozenset({"directmessage", "privategroup", "mpdm"})
# A payload of the wrong shape (no event_id, a list where a mapping belongs) is logged and
# skipped: see adapters/unreadable.py. A command's syntax error still reaches the member.
_skips = skips_unreadable("Slack", None, passes=(CommandSyntaxError,))

_CONTEXT_SEP = "|"  # trigger ids, user ids and channel ids never contain it


def community_ref(team_id: str, team_name: str = "") -> CommunityRef:
    return CommunityRef(Platform.SLACK, team_id, team_name)


def parse_ts(ts: object, *, default: datetime | None = None) -> datetime:
    """A Slack ``ts`` ("1700000000.000100") or epoch number -> an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(float(str(ts)), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return default or datetime.now(UTC)


def display_name(user: Mapping[str, Any]) -> str:
    """What members see: the profile display name, else the real name, else the handle."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
        user.get("username"),
    ):
        if candidate:
            return str(candidate)
    return str(user.get("id", ""))


def handle_and_email(user: Mapping[str, Any]) -> tuple[str, str]:
    """The member's handle (``name``) and email (``profile.email``, which Slack includes only
    when the app has ``users:read.email``), cut to the event's bounds: for matching a roster
    row when they join, never stored."""
    profile = user.get("profile") or {}
    handle = str(user.get("name") or "").strip()[:HANDLE_MAX]
    email = profile.get("email") if isinstance(profile, Mapping) else None
    return handle, (str(email).strip()[:EMAIL_MAX] if email else "")


def _user(user_id: str, name: str = "") -> UserRef:
    return UserRef(Platform.SLACK, user_id, name)


def _channel(channel_id: str, channel_names: Mapping[str, str]) -> ChannelRef:
    return ChannelRef(Platform.SLACK, id=channel_id, name=channel_names.get(channel_id, ""))


def _event(body: Mapping[str, Any]) -> Mapping[str, Any]:
    event: Mapping[str, Any] = body.get("event") or {}
    return event


def _occurred(body: Mapping[str, Any], event: Mapping[str, Any]) -> datetime:
    return parse_ts(event.get("event_ts") or event.get("ts") or body.get("event_time"))


# ---------------------------------------------------------------------------- members


def join_event_id(team_id: str, user_id: str, updated: object) -> str | None:
    """The event id of a workspace join: the same live (``team_join``) and at a catch-up.

    Keyed to the member's ``updated`` at the join; None without it (the live join then keeps
    Slack's own event id). Slack's retries of a ``team_join`` carry the same user, so they
    collapse as before.
    """
    try:
        stamp = int(float(str(updated)))
    except (TypeError, ValueError, OverflowError):
        return None
    if stamp <= 0 or not user_id:
        return None
    return f"slack:join:{team_id}:{user_id}:{stamp}"


@_skips
def team_join(body: Mapping[str, Any], *, community: CommunityRef) -> MemberJoined | None:
    event = _event(body)
    user = event.get("user")
    if not isinstance(user, Mapping) or not user.get("id"):
        return None
    name = display_name(user)
    handle, email = handle_and_email(user)
    slack_event_id = str(body["event_id"])  # an envelope without one is not Slack's: skipped
    return MemberJoined(
        community=community,
        occurred_at=_occurred(body, event),
        # Keyed to the member, so the catch-up at the next start (catchup.py) collapses with it.
        event_id=join_event_id(community.id, str(user["id"]), user.get("updated")) or slack_event_id,
        member=_user(str(user["id"]), name),
        display_name=name,
        is_bot=bool(user.get("is_bot") or user.get("is_app_user")),
        handle=handle,
        email=email,
    )


@_skips
def member_joined_channel(
    body: Mapping[str, Any],
    *,
    community: CommunityRef,
    community_channel: ChannelRef | None,
    user_name: str = "",
    is_bot: bool = False,
    handle: str = "",
    email: str = "",
) -> MemberJoined | None:
    """A join of the configured community channel (None otherwise: see the module notes).

    The event names only the user: their name, ``handle`` and ``email`` come from
    ``users.info`` (:func:`handle_and_email`)."""
    event = _event(body)
    if community_channel is None or event.get("channel") != community_channel.id:
        return None
    user_id = str(event.get("user", ""))
    if not user_id:
        return None
    return MemberJoined(
        community=community,
        occurred_at=_occurred(body, event),
        event_id=str(body["event_id"]),
        member=_user(user_id, user_name),
        display_name=user_name or user_id,
        is_bot=is_bot,
        handle=handle[:HANDLE_MAX],
        email=email[:EMAIL_MAX],
    )


@_skips
def member_left_channel(
    body: Mapping[str, Any], *, community: CommunityRef, community_channel: ChannelRef | None
) -> MemberLeft | None:
    event = _event(body)
    if community_channel is None or event.get("channel") != community_channel.id or not event.get("user"):
        return None
    return MemberLeft(
        community=community,
        occurred_at=_occurred(body, event),
        event_id=str(body["event_id"]),
        member=_user(str(event["user"])),
    )


# ---------------------------------------------------------------------------- messages


@_skips
def message_posted(
    body: Mapping[str, Any],
    *,
    community: CommunityRef,
    bot_user_id: str,
    channel_names: Mapping[str, str] | None = None,
) -> MessagePosted | None:
    event = _event(body)
    subtype = str(event.get("subtype") or "")
    user_id = str(event.get("user") or "")
    if subtype not in POSTING_SUBTYPES or event.get("bot_id") or not user_id or user_id == bot_user_id:
        return None
    names = channel_names or {}
    channel = _channel(str(event.get("channel", "")), names)
    ts = str(event.get("ts", ""))
    thread_ts = str(event.get("thread_ts") or "")
    thread = MessageRef(channel, thread_ts) if thread_ts and thread_ts != ts else None
    parent_user = str(event.get("parent_user_id") or "")
    text = str(event.get("text") or "")
    mentions = tuple(dict.fromkeys(_user(uid) for uid in _MENTION.findall(text)))
    return MessagePosted(
        community=community,
        occurred_at=parse_ts(ts or event.get("event_ts")),
        event_id=str(body["event_id"]),
        author=_user(user_id),
        channel=channel,
        message=MessageRef(channel, ts),
        text=text,
        thread=thread,
        reply_to=_user(parent_user) if thread and parent_user else None,
        reply_to_message=thread,
        mentions=mentions,
        is_direct=event.get("channel_type") == "im",
    )


@_skips
def reaction_added(
    body: Mapping[str, Any],
    *,
    community: CommunityRef,
    bot_user_id: str,
    channel_names: Mapping[str, str] | None = None,
) -> ReactionAdded | None:
    event = _event(body)
    item = event.get("item") or {}
    user_id = str(event.get("user") or "")
    if item.get("type") != "message" or not user_id or user_id == bot_user_id:
        return None
    channel = _channel(str(item.get("channel", "")), channel_names or {})
    item_user = str(event.get("item_user") or "")
    return ReactionAdded(
        community=community,
        occurred_at=_occurred(body, event),
        event_id=str(body["event_id"]),
        user=_user(user_id),
        message=MessageRef(channel, str(item.get("ts", ""))),
        emoji=str(event.get("reaction", "")),
        message_author=_user(item_user) if item_user else None,
    )


# ---------------------------------------------------------------------------- actors


def roles_of(user_id: str, usergroups: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The ids and handles of the user groups (``usergroups.list include_users``) holding a user."""
    roles: set[str] = set()
    for group in usergroups:
        if user_id in (group.get("users") or ()):
            roles.update(str(v) for v in (group.get("id"), group.get("handle")) if v)
    return frozenset(roles)


def actor(
    user_id: str, *, name: str = "", roles: frozenset[str] = frozenset(), is_admin: bool = False
) -> Actor:
    return Actor(user=_user(user_id, name), roles=roles, is_admin=is_admin)


def interaction_ref(
    trigger_id: str, response_url: str, *, user_id: str = "", channel_id: str = ""
) -> InteractionRef:
    """The engine's handle on a gesture; ``id`` also carries who acted and where (see above)."""
    return InteractionRef(
        Platform.SLACK,
        id=_CONTEXT_SEP.join((trigger_id, user_id, channel_id)),
        token=response_url,
        trigger_id=trigger_id,
    )


def interaction_context(ref: InteractionRef) -> tuple[str, str]:
    """``(user_id, channel_id)`` of the gesture, ``""`` where unknown (a modal has no channel;
    a ref not made by ``interaction_ref`` has neither)."""
    parts = ref.id.split(_CONTEXT_SEP)
    if len(parts) != 3:
        return "", ""
    return parts[1], parts[2]


# ---------------------------------------------------------------------------- commands & interactions


@_skips
def slash_command(
    command: Mapping[str, Any],
    *,
    community: CommunityRef,
    actor: Actor,
    catalog: Sequence[CommandSpec],
    now: datetime,
) -> CommandInvoked:
    """``/cohort <text>`` -> CommandInvoked. Raises ``CommandSyntaxError`` (safe to show)."""
    parsed = parse_command_text(str(command.get("text") or ""), catalog)
    channel_id = str(command.get("channel_id") or "")
    channel_name = str(command.get("channel_name") or "")
    if channel_name in _UNNAMED_CHANNELS:
        channel_name = ""
    trigger_id = str(command.get("trigger_id") or "")
    return CommandInvoked(
        community=community,
        occurred_at=now,
        event_id=f"slack-command:{trigger_id}",
        actor=actor,
        channel=ChannelRef(Platform.SLACK, id=channel_id, name=channel_name) if channel_id else None,
        interaction=interaction_ref(
            trigger_id,
            str(command.get("response_url") or ""),
            user_id=actor.user.id,
            channel_id=channel_id,
        ),
        path=parsed.spec.path,
        options=parsed.options,
    )


def _selected_value(action: Mapping[str, Any]) -> str:
    if "value" in action and action["value"] is not None:
        return str(action["value"])
    if isinstance(action.get("selected_option"), Mapping):
        return str(action["selected_option"].get("value", ""))
    if isinstance(action.get("selected_options"), list):
        return ",".join(str(o.get("value", "")) for o in action["selected_options"])
    for key in ("selected_user", "selected_channel", "selected_conversation", "selected_date"):
        if action.get(key):
            return str(action[key])
    return ""


@skips_unreadable("Slack", [])
def block_actions(
    body: Mapping[str, Any],
    *,
    community: CommunityRef,
    actor: Actor,
    now: datetime,
    channel_names: Mapping[str, str] | None = None,
) -> list[ButtonPressed]:
    """Buttons and selects the bot rendered -> one ButtonPressed per action (usually one)."""
    trigger_id = str(body.get("trigger_id") or "")
    channel_id = str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    )
    interaction = interaction_ref(
        trigger_id, str(body.get("response_url") or ""), user_id=actor.user.id, channel_id=channel_id
    )
    channel = _channel(channel_id, channel_names or {}) if channel_id else None
    message_ts = str(
        (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts") or ""
    )
    message = MessageRef(channel, message_ts) if channel and message_ts else None
    events: list[ButtonPressed] = []
    for index, action in enumerate(body.get("actions") or ()):
        action_id = str(action.get("action_id") or "")
        if not action_id or action_id.startswith(LINK_ACTION_PREFIX):
            continue
        suffix = f":{index}" if index else ""
        events.append(
            ButtonPressed(
                community=community,
                occurred_at=parse_ts(action.get("action_ts"), default=now),
                event_id=f"slack-action:{trigger_id}{suffix}",
                actor=actor,
                interaction=interaction,
                action_id=action_id,
                value=_selected_value(action),
                message=message,
                channel=channel,
            )
        )
    return events


def form_values(state_values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, str]:
    """``view.state.values`` ({block_id: {action_id: element state}}) -> {action_id: value}.

    render.py gives each input the same block_id and action_id (the FormInput's input_id),
    so the action id is the key; an unnamed action falls back to its block id.
    """
    values: dict[str, str] = {}
    for block_id, actions in state_values.items():
        for action_id, state in actions.items():
            values[action_id or block_id] = _selected_value(state)
    return values


@_skips
def view_submission(
    body: Mapping[str, Any], *, community: CommunityRef, actor: Actor, now: datetime
) -> FormSubmitted:
    view = body.get("view") or {}
    trigger_id = str(body.get("trigger_id") or "")
    response_urls = body.get("response_urls") or []
    response_url = str(response_urls[0].get("response_url", "")) if response_urls else ""
    return FormSubmitted(
        community=community,
        occurred_at=now,
        event_id=f"slack-view:{view.get('id', '')}:{trigger_id}",
        actor=actor,
        interaction=interaction_ref(trigger_id, response_url, user_id=actor.user.id),
        form_id=str(view.get("callback_id") or ""),
        values=form_values((view.get("state") or {}).get("values") or {}),
    )
