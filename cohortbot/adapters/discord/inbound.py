"""discord.py event handlers: translate each gateway event and hand it to the sink.

The handlers are attached to the client by name (``on_member_join``...). A failing sink is
logged and never takes the gateway connection down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

import discord

from cohortbot.adapters.base import EventSink
from cohortbot.playbook.events import Event
from cohortbot.playbook.refs import CommunityRef

from . import translate
from .homes import DirectMessageHomes
from .interactions import InteractionDesk

__all__ = ["HANDLER_NAMES", "Inbound"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Members handed to the runtime at once when catching up: one page of Discord's member list
# (GET /guilds/{id}/members, at most 1,000), the next page requested once these are decided.
CATCH_UP_CHUNK = 1000

HANDLER_NAMES = (
    "on_member_join",
    "on_member_update",
    "on_uncached_member_update",
    "on_raw_member_remove",
    "on_message",
    "on_raw_reaction_add",
    "on_interaction",
    "on_scheduled_event_user_add",
    "on_scheduled_event_user_remove",
    "on_raw_poll_vote_add",
    "on_raw_poll_vote_remove",
)


async def aenumerate(items: AsyncIterator[T], start: int = 0) -> AsyncIterator[tuple[int, T]]:
    n = start
    async for item in items:
        yield n, item
        n += 1


def _now() -> datetime:
    return datetime.now(UTC)


class Inbound:
    def __init__(
        self,
        client: discord.Client,
        sink: EventSink,
        desk: InteractionDesk,
        *,
        poll_answers: dict[int, dict[int, str]],
        on_guild_ready: Callable[[discord.Guild], Awaitable[None]],
        homes: DirectMessageHomes | None = None,
    ) -> None:
        self._client = client
        self._homes = homes or DirectMessageHomes(client)
        self._names: dict[int, str] = {}   # user id -> display name, for voters nobody cached
        self._sink = sink
        self._desk = desk
        self._poll_answers = poll_answers
        self._on_guild_ready = on_guild_ready
        self._catching_up: dict[int, bool] = {}  # guild id -> asked again while running

    def attach(self) -> None:
        for name in (*HANDLER_NAMES, "on_ready", "on_guild_join"):
            setattr(self._client, name, getattr(self, name))

    async def emit(self, event: Event | None) -> None:
        if event is None:
            return
        try:
            await self._sink(event)
        except Exception:
            log.exception("the event sink failed on %s %s", type(event).__name__, event.event_id)

    async def _community(self, guild: discord.Guild | None, user_id: int) -> CommunityRef | None:
        """The guild's community; for a DM, the member's server (``homes.py``)."""
        if guild is not None:
            return translate.community_ref(guild)
        home = await self._homes.home(user_id)
        return translate.community_ref(home) if home is not None else None

    async def _user_name(self, user_id: int) -> str:
        """A display name for someone discord.py may not cache (a poll voter): asked once."""
        user = self._client.get_user(user_id)
        if user is not None:
            return user.display_name
        name = self._names.get(user_id)
        if name is None:
            try:
                name = (await self._client.fetch_user(user_id)).display_name
            except discord.HTTPException as exc:
                log.warning("could not look up user %s: %s", user_id, exc)
                return ""
            if len(self._names) >= 10_000:
                self._names.pop(next(iter(self._names)))
            self._names[user_id] = name
        return name

    def _guild_community(self, guild_id: int | None) -> CommunityRef | None:
        if guild_id is None:
            return None
        guild = self._client.get_guild(guild_id)
        return translate.community_ref(guild or discord.Object(guild_id))

    def _channel_name(self, channel_id: int) -> str:
        return getattr(self._client.get_channel(channel_id), "name", "") or ""

    # ------------------------------------------------------------------------ lifecycle

    async def on_ready(self) -> None:
        # Also after a reconnect that could not resume: joins missed meanwhile are caught up.
        for guild in self._client.guilds:
            await self.catch_up(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._on_guild_ready(guild)
        await self.catch_up(guild)

    async def catch_up(self, guild: discord.Guild) -> None:
        """A MemberJoined for every current member, with the live join's event id.

        Joins the bot already processed collapse in the inbox; the engine decides which of
        the rest are new (joined while the bot was away) and welcomes only those.

        The members are not in discord.py's cache (only those who join while the bot runs
        are): they are read from Discord's member list a page of 1,000 at a time, each page
        handed over concurrently, marked as backfill (the runtime decides them in batches,
        after live events), and the next page requested only once the runtime took this one:
        memory stays one page whatever the server's size. Asked again while running (a new
        session), the catch-up runs once more when the current one ends.
        """
        if guild.id in self._catching_up:
            self._catching_up[guild.id] = True
            return
        self._catching_up[guild.id] = False
        try:
            while True:
                await self._catch_up_once(guild)
                if not self._catching_up[guild.id]:
                    return
                self._catching_up[guild.id] = False
        finally:
            del self._catching_up[guild.id]

    async def _catch_up_once(self, guild: discord.Guild) -> None:
        community = translate.community_ref(guild)
        me = getattr(self._client.user, "id", None)
        page: list[discord.Member] = []
        try:
            # discord.py asks for the next page when this one is consumed: hand each page
            # over when its last member is read (the bot's own member counts, not handed over).
            async for seen, member in aenumerate(guild.fetch_members(limit=None), 1):
                if member.id != me:
                    page.append(member)
                if seen % CATCH_UP_CHUNK == 0:
                    await self._hand_over(page, community)
                    page = []
        except discord.HTTPException as exc:
            log.error(
                "the catch-up of %s (%s) stopped: listing its members failed (HTTP %s); the"
                " rest is caught up at the next connection",
                guild.name,
                guild.id,
                exc.status,
            )
        await self._hand_over(page, community)

    async def _hand_over(self, members: list[discord.Member], community: CommunityRef) -> None:
        joins = [translate.member_joined(m, community=community, now=_now()) for m in members]
        await asyncio.gather(*(self.emit(replace(j, backfill=True) if j else None) for j in joins))

    # ------------------------------------------------------------------------ members

    async def on_member_join(self, member: discord.Member) -> None:
        community = translate.community_ref(member.guild)
        await self.emit(translate.member_joined(member, community=community, now=_now()))

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        community = translate.community_ref(after.guild)
        await self.emit(translate.member_updated(before, after, community=community, now=_now()))

    async def on_uncached_member_update(self, member: discord.Member) -> None:
        """A member discord.py does not cache changed (see ``intake.see_uncached_members``)."""
        community = translate.community_ref(member.guild)
        await self.emit(translate.member_changed(member, community=community, now=_now()))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        community = self._guild_community(payload.guild_id)
        if community is not None:
            await self.emit(translate.member_left(payload, community=community, now=_now()))

    # ------------------------------------------------------------------------ messages

    async def on_message(self, message: discord.Message) -> None:
        community = await self._community(message.guild, message.author.id)
        if community is None:
            log.debug("a direct message from someone in no shared server; ignored")
            return
        await self.emit(translate.message_posted(message, community=community))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        community = self._guild_community(payload.guild_id)
        if community is None:
            community = await self._community(None, payload.user_id)
        if community is not None:
            await self.emit(
                translate.reaction_added(
                    payload,
                    community=community,
                    channel_name=self._channel_name(payload.channel_id),
                    now=_now(),
                )
            )

    # ------------------------------------------------------------------------ interactions

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        if kind not in (
            discord.InteractionType.application_command,
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            return
        community = await self._community(interaction.guild, interaction.user.id)
        if community is None:
            return
        self._desk.track(interaction)
        if kind is discord.InteractionType.application_command:
            event: Event | None = translate.command_invoked(interaction, community=community)
        elif kind is discord.InteractionType.component:
            event = translate.button_pressed(interaction, community=community)
        else:
            event = translate.form_submitted(interaction, community=community)
        await self.emit(event)

    # ------------------------------------------------------------------------ sessions, polls

    async def on_scheduled_event_user_add(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        community = translate.community_ref(event.guild) if event.guild else None
        if community is not None:
            await self.emit(
                translate.rsvp_changed(event, user, attending=True, community=community, now=_now())
            )

    async def on_scheduled_event_user_remove(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        community = translate.community_ref(event.guild) if event.guild else None
        if community is not None:
            await self.emit(
                translate.rsvp_changed(event, user, attending=False, community=community, now=_now())
            )

    async def _poll_vote(self, payload: discord.RawPollVoteActionEvent, *, added: bool) -> None:
        community = self._guild_community(payload.guild_id)
        if community is None:
            return
        option = self._poll_answers.get(payload.message_id, {}).get(payload.answer_id, str(payload.answer_id))
        user_name = await self._user_name(payload.user_id)
        await self.emit(
            translate.poll_voted(
                payload,
                added=added,
                option=option,
                community=community,
                channel_name=self._channel_name(payload.channel_id),
                user_name=user_name,
                now=_now(),
            )
        )

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._poll_vote(payload, added=True)

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._poll_vote(payload, added=False)
