"""Neutral actions -> Discord REST calls, one method per action class (singledispatch).

Everything goes through discord.py's HTTP client (its per-route buckets and 429 handling);
channels are addressed by id with partial objects so nothing depends on the gateway cache,
except names (channels, roles) that only the cache can resolve.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from datetime import timedelta
from typing import Any

import discord

from cohortbot.adapters.base import (
    Delivered,
    DirectMessageRefused,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from cohortbot.playbook.actions import (
    Action,
    AddReaction,
    CreateLiveSession,
    CreatePoll,
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
from cohortbot.playbook.messages import RichMessage, mention
from cohortbot.playbook.refs import ChannelRef, CommunityRef, MessageRef, Platform

from .breaker import CircuitBreaker
from .errors import CANNOT_DM
from .homes import DirectMessageHomes
from .interactions import InteractionDesk
from .render import plain_name, render_form, render_message

__all__ = ["Performer", "nonce_for"]

log = logging.getLogger(__name__)


def nonce_for(key: str) -> str:
    """The message nonce of the action with idempotency ``key``: the same on every attempt.

    Sent with ``enforce_nonce`` (discord.py adds it to every message with a nonce), Discord
    answers a second create with the same nonce, by the same bot in the same channel within a
    few minutes, with the first message instead of posting again: a redelivery after a crash
    between sending and recording does not post twice. Nonces are at most 25 characters, so
    the key (up to hundreds) is hashed: 25 hex digits, 100 bits.
    """
    return hashlib.sha256(key.encode()).hexdigest()[:25]


def _message_ref(message: discord.Message | discord.PartialMessage, channel: ChannelRef) -> MessageRef:
    return MessageRef(channel=channel, id=str(message.id))


class Performer:
    def __init__(
        self,
        client: discord.Client,
        desk: InteractionDesk,
        breaker: CircuitBreaker,
        homes: DirectMessageHomes | None = None,
    ) -> None:
        self._client = client
        self.homes = homes or DirectMessageHomes(client)   # whose DMs belong to which server
        self._desk = desk
        self._breaker = breaker
        self._dm_channels: dict[str, int] = {}  # user id -> DM channel id (saves a request)
        self.poll_answers: dict[int, dict[int, str]] = {}  # poll message id -> answer id -> text

    # ------------------------------------------------------------------------ lookups

    def _guild(self, community: CommunityRef) -> discord.Guild:
        guild = self._client.get_guild(int(community.id)) if community.id.isdigit() else None
        if guild is None:
            # Not in this process's cache is never final: the server may be unavailable for a
            # moment, or held by another shard; the retries park it only if it stays away.
            raise RetryableDeliveryError(
                f"the Discord server {community.name or community.id} is not available to this"
                " process (not joined, unavailable, or on another shard)"
            )
        return guild

    def channel_names(self, community: CommunityRef) -> dict[str, str]:
        guild = self._client.get_guild(int(community.id)) if community.id.isdigit() else None
        if guild is None:
            return {}
        return {c.name: str(c.id) for c in [*guild.channels, *guild.threads]}

    def _channel(
        self, community: CommunityRef, ref: ChannelRef
    ) -> tuple[discord.PartialMessageable, ChannelRef]:
        if ref.id:
            channel_id = int(ref.id)
        else:
            guild = self._guild(community)
            channel_id = int(self.channel_names(community).get(ref.name.removeprefix("#"), 0))
            if not channel_id:
                raise PermanentDeliveryError(
                    f"no channel named #{ref.name} on {guild.name or community.name or community.id}"
                )
        guild_id = int(community.id) if community.id.isdigit() else None
        messageable = self._client.get_partial_messageable(channel_id, guild_id=guild_id)
        cached = self._client.get_channel(channel_id)
        name = ref.name or getattr(cached, "name", "") or ""
        return messageable, ChannelRef(Platform.DISCORD, str(channel_id), name)

    def _role(self, community: CommunityRef, spec: str) -> discord.Role:
        guild = self._guild(community)
        wanted = spec.removeprefix("@")
        role = guild.get_role(int(wanted)) if wanted.isdigit() else None
        role = role or discord.utils.get(guild.roles, name=wanted)
        if role is None:
            raise PermanentDeliveryError(f"the role {spec!r} does not exist on {guild.name}: create it first")
        return role

    async def _send(
        self, community: CommunityRef, target: discord.abc.Messageable, message: RichMessage, *, key: str
    ) -> discord.Message:
        rendered = render_message(message, channels=self.channel_names(community))
        sent = await target.send(**rendered.kwargs(), nonce=nonce_for(key))
        if rendered.view is not None:
            rendered.view.stop()  # presses are routed by custom_id; don't keep views in memory
        return sent

    # ------------------------------------------------------------------------ dispatch

    @functools.singledispatchmethod
    async def perform(self, action: Action) -> Delivered:
        raise PermanentDeliveryError(f"Discord cannot perform {action.kind}")

    @perform.register
    async def _dm(self, action: SendDirectMessage) -> Delivered:
        if self._breaker.is_open:
            raise DirectMessageRefused("circuit open: too many refused direct messages, paused for now")
        try:
            channel_id = self._dm_channels.get(action.to.id)
            if channel_id is None:
                data = await self._client.http.start_private_message(int(action.to.id))
                channel_id = self._dm_channels[action.to.id] = int(data["id"])
            dm = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
            if action.community.id.isdigit():   # their answer belongs to this server
                self.homes.remember(int(action.to.id), int(action.community.id))
            sent = await self._send(action.community, dm, action.message, key=action.key)
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM:
                self._breaker.record_failure()
            raise
        self._breaker.record_success()
        channel = ChannelRef(Platform.DISCORD, str(channel_id))
        return Delivered(message=_message_ref(sent, channel), platform_id=str(sent.id))

    @perform.register
    async def _group(self, action: SendGroupMessage) -> Delivered:
        # Bots cannot open group DMs on Discord: a private thread in the fallback channel.
        if action.fallback_channel is None:
            raise PermanentDeliveryError(
                "a group message on Discord needs a fallback_channel for its private thread"
            )
        parent, _ = self._channel(action.community, action.fallback_channel)
        name = plain_name(action.message.title, 100) or ", ".join(u.label for u in action.to)
        data: Any = await self._client.http.start_thread_without_message(
            parent.id,
            name=name[:100] or "group",
            auto_archive_duration=10080,
            type=discord.ChannelType.private_thread.value,
            invitable=False,
        )
        thread_id = int(data["id"])
        for user in action.to:
            await self._client.http.add_user_to_thread(thread_id, int(user.id))
        thread = self._client.get_partial_messageable(thread_id, guild_id=int(action.community.id))
        mentions = " ".join(mention(u) for u in action.to)
        sent = await self._send(
            action.community, thread, action.message.prefixed(f"{mentions}\n"), key=action.key
        )
        thread_ref = ChannelRef(Platform.DISCORD, str(thread_id), str(data.get("name", "")))
        return Delivered(message=_message_ref(sent, thread_ref), platform_id=str(thread_id))

    @perform.register
    async def _post(self, action: PostMessage) -> Delivered:
        channel, channel_ref = self._channel(action.community, action.channel)
        if action.thread is None:
            sent = await self._send(action.community, channel, action.message, key=action.key)
            return Delivered(message=_message_ref(sent, channel_ref), platform_id=str(sent.id))
        # A thread started from a message has the message's id; start it when it isn't there yet.
        thread_id = int(action.thread.id)
        thread = self._client.get_partial_messageable(
            thread_id, guild_id=channel.guild.id if channel.guild else None
        )
        try:
            sent = await self._send(action.community, thread, action.message, key=action.key)
        except discord.NotFound:
            parent_id = int(action.thread.channel.id or channel.id)
            await self._client.http.start_thread_with_message(
                parent_id,
                thread_id,
                name=plain_name(action.message.title, 100, default="Thread"),
                auto_archive_duration=1440,
            )
            sent = await self._send(action.community, thread, action.message, key=action.key)
        thread_ref = ChannelRef(Platform.DISCORD, str(thread_id))
        return Delivered(message=_message_ref(sent, thread_ref), platform_id=str(sent.id))

    @perform.register
    async def _respond(self, action: RespondToInteraction) -> Delivered:
        rendered = render_message(action.message, channels=self.channel_names(action.community))
        return await self._desk.respond(action.interaction, rendered, ephemeral=action.ephemeral)

    @perform.register
    async def _form(self, action: OpenForm) -> Delivered:
        try:
            modal = render_form(action.form)
        except ValueError as exc:
            raise PermanentDeliveryError(str(exc)) from None
        return await self._desk.open_form(action.interaction, modal)

    def _partial_message(self, ref: MessageRef) -> discord.PartialMessage:
        return self._client.get_partial_messageable(int(ref.channel.id)).get_partial_message(int(ref.id))

    @perform.register
    async def _react(self, action: AddReaction) -> Delivered:
        emoji: str | discord.Emoji = action.emoji
        guild = self._client.get_guild(int(action.community.id)) if action.community.id.isdigit() else None
        custom = discord.utils.get(guild.emojis, name=action.emoji.strip(":")) if guild else None
        await self._partial_message(action.message).add_reaction(custom or emoji)
        return Delivered(message=action.message)

    @perform.register
    async def _thread(self, action: StartThread) -> Delivered:
        data: Any = await self._client.http.start_thread_with_message(
            int(action.message.channel.id),
            int(action.message.id),
            name=plain_name(action.name, 100, default="Thread"),
            auto_archive_duration=1440,
        )
        thread_ref = ChannelRef(Platform.DISCORD, str(data["id"]), str(data.get("name", action.name)))
        return Delivered(
            message=MessageRef(channel=thread_ref, id=str(data["id"])), platform_id=str(data["id"])
        )

    @perform.register
    async def _pin(self, action: PinMessage) -> Delivered:
        await self._partial_message(action.message).pin()
        return Delivered(message=action.message)

    async def _change_role(self, action: GrantRole | RevokeRole, *, grant: bool) -> Delivered:
        role = self._role(action.community, action.role)
        guild_id, user_id = int(action.community.id), int(action.member.id)
        try:
            if grant:
                await self._client.http.add_role(guild_id, user_id, role.id, reason="cohortbot playbook")
            else:
                await self._client.http.remove_role(guild_id, user_id, role.id, reason="cohortbot playbook")
        except discord.Forbidden as exc:
            raise PermanentDeliveryError(
                f"missing permission: cannot {'grant' if grant else 'revoke'} the role {role.name!r}"
                " (the bot needs Manage Roles and its own role must be above it)"
            ) from exc
        return Delivered(platform_id=str(role.id))

    @perform.register
    async def _grant(self, action: GrantRole) -> Delivered:
        return await self._change_role(action, grant=True)

    @perform.register
    async def _revoke(self, action: RevokeRole) -> Delivered:
        return await self._change_role(action, grant=False)

    @perform.register
    async def _session(self, action: CreateLiveSession) -> Delivered:
        guild = self._guild(action.community)
        common: dict[str, Any] = {
            "name": plain_name(action.title, 100, default="Session"),
            "description": action.description[:1000],
            "start_time": action.starts_at,
            "end_time": action.ends_at,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        if action.channel is None:
            event = await guild.create_scheduled_event(
                **common,
                entity_type=discord.EntityType.external,
                location=plain_name(action.location, 100, default="Online"),
            )
        else:
            _, ref = self._channel(action.community, action.channel)
            channel = guild.get_channel(int(ref.id))
            if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
                raise PermanentDeliveryError(f"#{ref.label} is not a voice or stage channel")
            event = await guild.create_scheduled_event(**common, channel=channel)
        return Delivered(platform_id=str(event.id))

    @perform.register
    async def _poll(self, action: CreatePoll) -> Delivered:
        channel, channel_ref = self._channel(action.community, action.channel)
        poll = discord.Poll(
            question=plain_name(action.question, 300),
            duration=timedelta(hours=max(1, min(action.duration_hours, 768))),
            multiple=action.allow_multiple,
        )
        for option in action.options[:10]:
            poll.add_answer(text=plain_name(option, 55, default="-"))
        sent = await channel.send(poll=poll, nonce=nonce_for(action.key))
        # A vote reports the engine's own option (as the action wrote it), whatever Discord shows.
        self.poll_answers[sent.id] = {i + 1: text for i, text in enumerate(action.options[:10])}
        if sent.poll is not None:
            self.poll_answers[sent.id] = {
                a.id: text for a, text in zip(sent.poll.answers, action.options[:10], strict=False)
            }
        return Delivered(message=_message_ref(sent, channel_ref), platform_id=str(sent.id))
