"""Discord gateway events -> playbook events. Pure: one function per gateway event.

Each function takes the discord.py object the gateway event was parsed into (plus whatever the
payload lacks, passed in explicitly: the community for DMs, "now" for events without a
timestamp) and returns a neutral event. ``event_id``s are deterministic per platform
occurrence so the runtime's inbox collapses gateway replays, and a live GUILD_MEMBER_ADD and
the catch-up at ready produce the same id for the same join.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from cohortbot.adapters.unreadable import skips_unreadable
from cohortbot.playbook.events import (
    HANDLE_MAX,
    Actor,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessagePosted,
    PollVoted,
    ReactionAdded,
    RsvpChanged,
)
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef

if TYPE_CHECKING:
    from discord.abc import Snowflake

__all__ = [
    "VALUE_SEPARATOR",
    "actor",
    "button_pressed",
    "channel_ref",
    "command_invoked",
    "command_path_and_options",
    "community_ref",
    "form_submitted",
    "form_values",
    "join_event_id",
    "member_changed",
    "member_joined",
    "member_left",
    "member_updated",
    "message_posted",
    "poll_voted",
    "reaction_added",
    "role_labels",
    "rsvp_changed",
    "split_custom_id",
    "user_ref",
]

# A button's custom_id is its action_id, or "action_id|value" when the button carries a value
# (Discord has one string per component and requires them unique within a message).
VALUE_SEPARATOR = "|"

# A gateway event discord.py parsed only in part (a message without its author, an interaction
# whose options are not a list) is logged and skipped: see adapters/unreadable.py.
_skips = skips_unreadable("Discord", None)

_SUBCOMMAND = discord.AppCommandOptionType.subcommand.value
_SUBCOMMAND_GROUP = discord.AppCommandOptionType.subcommand_group.value


def community_ref(guild: discord.Guild | Snowflake) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, str(guild.id), getattr(guild, "name", "") or "")


def user_ref(user: discord.abc.User | discord.Object) -> UserRef:
    name = getattr(user, "display_name", "") or getattr(user, "name", "") or ""
    return UserRef(Platform.DISCORD, str(user.id), name)


def channel_ref(channel: Any) -> ChannelRef:
    """Id and name of any channel-like object (DMs and partial channels have no name)."""
    return ChannelRef(Platform.DISCORD, str(channel.id), getattr(channel, "name", "") or "")


def _utc(when: datetime | None, fallback: datetime) -> datetime:
    if when is None:
        return fallback
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def role_labels(member: discord.abc.User) -> frozenset[str]:
    """Role names and ids of a guild member (``@everyone`` left out); empty for plain users."""
    roles: Iterable[discord.Role] = getattr(member, "roles", ())
    labels: set[str] = set()
    for role in roles:
        if role.is_default():
            continue
        labels.update((role.name, str(role.id)))
    return frozenset(labels)


def actor(user: discord.abc.User, *, permissions: discord.Permissions) -> Actor:
    return Actor(
        user=user_ref(user),
        roles=role_labels(user),
        is_admin=permissions.manage_guild or permissions.administrator,
    )


# ---------------------------------------------------------------------------- members


def join_event_id(guild_id: int | str, user_id: int | str, joined_at: datetime | None) -> str:
    stamp = int(joined_at.timestamp()) if joined_at is not None else 0
    return f"discord:join:{guild_id}:{user_id}:{stamp}"


@_skips
def member_joined(member: discord.Member, *, community: CommunityRef, now: datetime) -> MemberJoined:
    """GUILD_MEMBER_ADD, and every current member at ready (the catch-up): same event id."""
    return MemberJoined(
        community=community,
        occurred_at=_utc(member.joined_at, now),
        event_id=join_event_id(member.guild.id, member.id, member.joined_at),
        member=user_ref(member),
        display_name=member.display_name,
        is_bot=member.bot,
        pending=member.pending,
        handle=(member.name or "")[:HANDLE_MAX],  # the username, to match a roster row (never stored)
    )


@_skips
def member_updated(
    before: discord.Member, after: discord.Member, *, community: CommunityRef, now: datetime
) -> MemberUpdated | None:
    """GUILD_MEMBER_UPDATE: only onboarding completion and role changes matter to the engine."""
    before_roles = {r.id for r in before.roles}
    after_roles = {r.id for r in after.roles}
    if before.pending == after.pending and before_roles == after_roles:
        return None
    if before.pending and not after.pending:
        # Completing onboarding happens once per membership: key it to the join.
        stamp = int(after.joined_at.timestamp()) if after.joined_at else 0
        event_id = f"discord:onboarded:{after.guild.id}:{after.id}:{stamp}"
    else:
        roles = ",".join(str(r) for r in sorted(after_roles))
        event_id = f"discord:member_update:{after.guild.id}:{after.id}:{int(now.timestamp())}:{roles}"
    return MemberUpdated(
        community=community,
        occurred_at=now,
        event_id=event_id,
        member=user_ref(after),
        display_name=after.display_name,
        pending=after.pending,
        roles=role_labels(after),
    )


@_skips
def member_changed(member: discord.Member, *, community: CommunityRef, now: datetime) -> MemberUpdated:
    """GUILD_MEMBER_UPDATE of a member discord.py does not cache: its state, not a change.

    Without the state before, every update is handed over (the engine's handling of an
    update is idempotent: it records ``pending`` and roles, and welcomes a member who is no
    longer pending once). The id carries the state, so a repeat of one update collapses.
    """
    roles = ",".join(str(r.id) for r in sorted(member.roles, key=lambda r: r.id))
    digest = hashlib.blake2b(roles.encode(), digest_size=8).hexdigest()
    state = ("pending:" if member.pending else "member:") + digest
    return MemberUpdated(
        community=community,
        occurred_at=now,
        event_id=f"discord:member_state:{member.guild.id}:{member.id}:{int(now.timestamp())}:{state}",
        member=user_ref(member),
        display_name=member.display_name,
        pending=member.pending,
        roles=role_labels(member),
    )


@_skips
def member_left(
    payload: discord.RawMemberRemoveEvent, *, community: CommunityRef, now: datetime
) -> MemberLeft:
    """GUILD_MEMBER_REMOVE: keyed to the membership that ended when discord.py had it cached."""
    joined_at = getattr(payload.user, "joined_at", None)
    stamp = int(joined_at.timestamp()) if joined_at is not None else int(now.timestamp())
    return MemberLeft(
        community=community,
        occurred_at=now,
        event_id=f"discord:leave:{payload.guild_id}:{payload.user.id}:{stamp}",
        member=user_ref(payload.user),
    )


# ---------------------------------------------------------------------------- messages


@_skips
def message_posted(message: discord.Message, *, community: CommunityRef) -> MessagePosted:
    """MESSAGE_CREATE. A message in a thread is reported in the thread's parent channel."""
    channel: Any = message.channel
    thread: MessageRef | None = None
    where = channel_ref(channel)
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        where = (
            channel_ref(parent)
            if parent is not None
            else ChannelRef(Platform.DISCORD, str(channel.parent_id))
        )
        # A thread started from a message has that message's id.
        thread = MessageRef(channel=where, id=str(channel.id))
    reply_to: UserRef | None = None
    reply_to_message: MessageRef | None = None
    ref = message.reference
    if message.type is discord.MessageType.reply and ref is not None and ref.message_id is not None:
        reply_to_message = MessageRef(channel=channel_ref(channel), id=str(ref.message_id))
        resolved = ref.resolved
        if isinstance(resolved, discord.Message):
            reply_to = user_ref(resolved.author)
    return MessagePosted(
        community=community,
        occurred_at=_utc(message.created_at, message.created_at),
        event_id=f"discord:message:{message.id}",
        author=user_ref(message.author),
        channel=where,
        message=MessageRef(channel=channel_ref(channel), id=str(message.id)),
        text=message.content,
        thread=thread,
        reply_to=reply_to,
        reply_to_message=reply_to_message,
        mentions=tuple(user_ref(u) for u in message.mentions),
        is_bot=message.author.bot,
        is_direct=message.guild is None,
    )


@_skips
def reaction_added(
    payload: discord.RawReactionActionEvent, *, community: CommunityRef, channel_name: str, now: datetime
) -> ReactionAdded:
    emoji = payload.emoji
    label = str(emoji) if emoji.is_unicode_emoji() else (emoji.name or str(emoji))
    user: discord.abc.User | discord.Object = payload.member or discord.Object(payload.user_id)
    author = payload.message_author_id
    channel = ChannelRef(Platform.DISCORD, str(payload.channel_id), channel_name)
    return ReactionAdded(
        community=community,
        occurred_at=now,
        event_id=f"discord:reaction:{payload.message_id}:{payload.user_id}:{label}",
        user=user_ref(user),
        message=MessageRef(channel=channel, id=str(payload.message_id)),
        emoji=label,
        message_author=UserRef(Platform.DISCORD, str(author)) if author else None,
    )


# ---------------------------------------------------------------------------- interactions


def _interaction_ref(interaction: discord.Interaction) -> InteractionRef:
    return InteractionRef(
        Platform.DISCORD,
        str(interaction.id),
        token=interaction.token,
        application_id=str(interaction.application_id),
    )


def _interaction_channel(interaction: discord.Interaction) -> ChannelRef | None:
    return channel_ref(interaction.channel) if interaction.channel is not None else None


def command_path_and_options(data: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Walk an APPLICATION_COMMAND's nested subcommand (group) options.

    ``/cohort welcome preview`` arrives as name "cohort" with a subcommand group "welcome"
    holding a subcommand "preview"; the path leaves out the top-level "cohort". User options
    arrive as the user's id (a string), like on every other platform.
    """
    path: list[str] = []
    options: list[Mapping[str, Any]] = list(data.get("options", []))
    while len(options) == 1 and options[0].get("type") in (_SUBCOMMAND, _SUBCOMMAND_GROUP):
        path.append(str(options[0]["name"]))
        options = list(options[0].get("options", []))
    values = {str(o["name"]): o.get("value") for o in options}
    return tuple(path), values


@_skips
def command_invoked(interaction: discord.Interaction, *, community: CommunityRef) -> CommandInvoked:
    data: Mapping[str, Any] = interaction.data or {}
    path, options = command_path_and_options(data)
    return CommandInvoked(
        community=community,
        occurred_at=interaction.created_at,
        event_id=f"discord:interaction:{interaction.id}",
        actor=actor(interaction.user, permissions=interaction.permissions),
        channel=_interaction_channel(interaction),
        interaction=_interaction_ref(interaction),
        path=path,
        options=options,
    )


def split_custom_id(custom_id: str) -> tuple[str, str]:
    action_id, _, value = custom_id.partition(VALUE_SEPARATOR)
    return action_id, value


@_skips
def button_pressed(interaction: discord.Interaction, *, community: CommunityRef) -> ButtonPressed:
    """A button click or a select choice (its values joined with commas)."""
    data: Mapping[str, Any] = interaction.data or {}
    action_id, value = split_custom_id(str(data.get("custom_id", "")))
    if "values" in data:
        value = ",".join(str(v) for v in data["values"])
    message = interaction.message
    channel = _interaction_channel(interaction)
    return ButtonPressed(
        community=community,
        occurred_at=interaction.created_at,
        event_id=f"discord:interaction:{interaction.id}",
        actor=actor(interaction.user, permissions=interaction.permissions),
        interaction=_interaction_ref(interaction),
        action_id=action_id,
        value=value,
        message=(
            MessageRef(channel=channel_ref(message.channel), id=str(message.id))
            if message is not None
            else None
        ),
        channel=channel,
    )


def form_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Values of a MODAL_SUBMIT: action rows of text inputs, or labels wrapping an input/select."""
    values: dict[str, str] = {}
    for component in components:
        children: list[Mapping[str, Any]] = list(component.get("components", []))
        if "component" in component:
            children.append(component["component"])
        if "custom_id" in component:
            children.append(component)
        for child in children:
            if "custom_id" not in child:
                continue
            if "values" in child:
                values[str(child["custom_id"])] = ",".join(str(v) for v in child["values"])
            elif "value" in child:
                values[str(child["custom_id"])] = str(child["value"] or "")
    return values


@_skips
def form_submitted(interaction: discord.Interaction, *, community: CommunityRef) -> FormSubmitted:
    data: Mapping[str, Any] = interaction.data or {}
    return FormSubmitted(
        community=community,
        occurred_at=interaction.created_at,
        event_id=f"discord:interaction:{interaction.id}",
        actor=actor(interaction.user, permissions=interaction.permissions),
        interaction=_interaction_ref(interaction),
        form_id=str(data.get("custom_id", "")),
        values=form_values(data.get("components", [])),
    )


# ---------------------------------------------------------------------------- sessions, polls


@_skips
def rsvp_changed(
    event: discord.ScheduledEvent,
    user: discord.abc.User,
    *,
    attending: bool,
    community: CommunityRef,
    now: datetime,
) -> RsvpChanged:
    """GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE (the payload carries no time: "now" is in the id)."""
    verb = "add" if attending else "remove"
    return RsvpChanged(
        community=community,
        occurred_at=now,
        event_id=f"discord:rsvp:{event.id}:{user.id}:{verb}:{int(now.timestamp())}",
        user=user_ref(user),
        session_id=str(event.id),
        attending=attending,
    )


@_skips
def poll_voted(
    payload: discord.RawPollVoteActionEvent,
    *,
    added: bool,
    option: str,
    community: CommunityRef,
    channel_name: str,
    user_name: str,
    now: datetime,
) -> PollVoted:
    """MESSAGE_POLL_VOTE_ADD/REMOVE; ``option`` is the answer's text when the adapter knows it."""
    verb = "add" if added else "remove"
    channel = ChannelRef(Platform.DISCORD, str(payload.channel_id), channel_name)
    return PollVoted(
        community=community,
        occurred_at=now,
        event_id=(
            f"discord:poll:{payload.message_id}:{payload.user_id}:{payload.answer_id}:{verb}:"
            f"{int(now.timestamp())}"
        ),
        user=UserRef(Platform.DISCORD, str(payload.user_id), user_name),
        message=MessageRef(channel=channel, id=str(payload.message_id)),
        option=option,
        added=added,
    )
