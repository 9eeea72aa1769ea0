"""Discord for ``cohortbot setup``, ``doctor`` and ``init``: REST only, through discord.py.

No gateway: ``Client.login`` checks the token (``GET /users/@me``) and every other call is a
REST request (servers, channels, roles, the bot's member, the application's intent flags).
The channel permissions the bot needs are worked out by discord.py's own ``permissions_for``
(roles, ``@everyone``, overwrites, Administrator) from what Discord returns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import discord
import yarl

from cohortbot.adapters.workspace import (
    AdminError,
    ChannelInfo,
    CommunityInfo,
    Finding,
    MemberInfo,
    Needs,
    RoleInfo,
    Visibility,
)

from .adapter import DiscordConfig

__all__ = ["CHANNEL_PERMISSIONS", "SEARCH_LIMIT", "DiscordAdmin", "DiscordWorkspace", "username_of"]

log = logging.getLogger(__name__)

# What the bot does in a channel the playbook uses: read it, post cards with embeds and files,
# react to introductions, open and post in threads (prompts), pin (guidelines, cards).
CHANNEL_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "read_message_history",
    "embed_links",
    "attach_files",
    "add_reactions",
    "create_public_threads",
    "send_messages_in_threads",
    "manage_messages",
)
_PORTAL = "https://discord.com/developers/applications"
SEARCH_LIMIT = 1000  # members per search (Discord's most): many names may start with a short handle
_TAG = re.compile(r"^(?P<name>.+)#(?P<tag>\d{1,4})$")


def username_of(handle: str) -> tuple[str, str] | None:
    """A roster's handle as Discord's (username, legacy discriminator or ""): "@ada", "Ada" and
    "ada#0" are ("ada", ""), "ada#1234" is ("ada", "1234"); None when it cannot be a username
    (Discord's are 2-32 characters)."""
    text = handle.strip().removeprefix("@").strip()
    tag = ""
    tagged = _TAG.match(text)
    if tagged:
        text, tag = tagged["name"], tagged["tag"] if int(tagged["tag"]) else ""
    return (text.casefold(), tag) if 2 <= len(text) <= 32 else None


def _words(permission: str) -> str:
    return permission.replace("_", " ").title().replace("In Threads", "in Threads")


def _missing(allowed: discord.Permissions) -> list[str]:
    """The permissions to allow, without those Discord denies only because of another (no View
    Channel denies everything in the channel; no Send Messages denies embeds and files)."""
    if not allowed.view_channel:
        return ["view_channel"]
    missing = [p for p in CHANNEL_PERMISSIONS if not getattr(allowed, p)]
    if not allowed.send_messages:
        missing = [p for p in missing if p not in ("embed_links", "attach_files")]
    return missing


def _refusal(exc: discord.HTTPException, doing: str) -> AdminError:
    if exc.status == 403:
        return AdminError(
            f"Discord refused to {doing}: the bot lacks a permission (HTTP 403, code {exc.code}); "
            "give its role Manage Channels and Manage Roles, or Administrator, for the setup"
        )
    return AdminError(f"Discord could not {doing}: HTTP {exc.status} (code {exc.code})")


class DiscordWorkspace:
    has_categories = True
    read_only_channels = True

    def __init__(self, client: discord.Client, guild: discord.Guild, me: discord.Member) -> None:
        self._client, self._guild, self._me = client, guild, me
        self.community = CommunityInfo("discord", str(guild.id), guild.name)
        self._channels: dict[int, discord.abc.GuildChannel] | None = None

    async def _fetch_channels(self) -> dict[int, discord.abc.GuildChannel]:
        if self._channels is None:
            try:
                fetched = await self._guild.fetch_channels()
            except discord.HTTPException as exc:
                raise _refusal(exc, f"list the channels of {self._guild.name}") from None
            self._channels = {c.id: c for c in fetched}
        return self._channels

    async def channels(self) -> list[ChannelInfo]:
        found = await self._fetch_channels()
        return [
            ChannelInfo(
                str(c.id),
                c.name,
                private=not c.permissions_for(self._guild.default_role).view_channel,
                category=isinstance(c, discord.CategoryChannel),
            )
            for c in found.values()
            if isinstance(c, discord.TextChannel | discord.CategoryChannel | discord.ForumChannel)
        ]

    async def roles(self) -> list[RoleInfo]:
        return [RoleInfo(str(r.id), r.name) for r in self._guild.roles if not r.is_default()]

    async def create_category(self, name: str) -> ChannelInfo:
        try:
            category = await self._guild.create_category(name, reason="cohortbot setup")
        except discord.HTTPException as exc:
            raise _refusal(exc, f"create the category {name!r}") from None
        (await self._fetch_channels())[category.id] = category
        return ChannelInfo(str(category.id), category.name, category=True)

    def _overwrites(
        self, visibility: Visibility, moderator_roles: Sequence[RoleInfo]
    ) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
        if visibility is Visibility.PUBLIC:
            return {}
        everyone = self._guild.default_role
        bot = discord.PermissionOverwrite(**{p: True for p in CHANNEL_PERMISSIONS})
        moderator = discord.PermissionOverwrite(
            view_channel=True, send_messages=True, read_message_history=True
        )
        members = (
            discord.PermissionOverwrite(view_channel=False)
            if visibility is Visibility.PRIVATE
            else discord.PermissionOverwrite(
                send_messages=False, create_public_threads=False, create_private_threads=False
            )
        )
        overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
            everyone: members,
            self._me: bot,
        }
        for role in moderator_roles:
            found = self._guild.get_role(int(role.id))
            if found is not None:
                overwrites[found] = moderator
        return overwrites

    async def create_channel(
        self,
        name: str,
        visibility: Visibility,
        *,
        moderator_roles: Sequence[RoleInfo],
        moderator_users: Sequence[str],
        category: ChannelInfo | None,
    ) -> ChannelInfo:
        parent = discord.Object(int(category.id)) if category is not None else None
        try:
            channel = await self._guild.create_text_channel(
                name,
                overwrites=self._overwrites(visibility, moderator_roles),
                category=parent,  # type: ignore[arg-type]  # discord.py only reads .id
                reason="cohortbot setup",
            )
        except discord.HTTPException as exc:
            raise _refusal(exc, f"create the channel #{name}") from None
        (await self._fetch_channels())[channel.id] = channel
        return ChannelInfo(str(channel.id), channel.name, private=visibility is Visibility.PRIVATE)

    async def create_role(self, name: str) -> RoleInfo:
        try:
            role = await self._guild.create_role(name=name, mentionable=True, reason="cohortbot setup")
        except discord.HTTPException as exc:
            raise _refusal(exc, f"create the role {name!r}") from None
        self._guild._add_role(role)  # so the channels created next can name it
        return RoleInfo(str(role.id), role.name)

    async def join(self, channel: ChannelInfo) -> None:
        """A Discord bot sees every channel its permissions allow: nothing to join."""

    by_email = False  # Discord never shows a bot its members' emails

    async def find_member(self, *, email: str = "", handle: str = "") -> MemberInfo | None:
        """The member whose username is ``handle`` exactly (Search Guild Members matches the start
        of usernames and nicknames: a nickname or a longer username is not them)."""
        wanted = username_of(handle)
        if wanted is None:
            return None
        name, tag = wanted
        route = discord.http.Route("GET", "/guilds/{guild_id}/members/search", guild_id=self._guild.id)
        try:
            found = await self._client.http.request(route, params={"query": name, "limit": SEARCH_LIMIT})
        except discord.HTTPException as exc:
            raise AdminError(
                f"Discord could not search the members of {self._guild.name}: HTTP {exc.status} "
                f"(code {exc.code})"
            ) from None
        for member in found or ():
            user = member.get("user") or {}
            if (
                str(user.get("username", "")).casefold() == name
                and tag in ("", str(user.get("discriminator", "")))
                and not user.get("bot")
            ):
                shown = member.get("nick") or user.get("global_name") or user["username"]
                return MemberInfo(str(user["id"]), str(shown), str(user["username"]))
        return None

    def _text_channel(self, channel: ChannelInfo) -> discord.TextChannel:
        found = (self._channels or {}).get(int(channel.id))
        if not isinstance(found, discord.TextChannel):
            raise AdminError(f"#{channel.name} is not a text channel")
        return found

    async def pinned_texts(self, channel: ChannelInfo) -> list[str]:
        await self._fetch_channels()
        try:
            return [m.content async for m in self._text_channel(channel).pins(limit=50)]
        except discord.HTTPException as exc:
            raise _refusal(exc, f"read the pins of #{channel.name}") from None

    async def post_and_pin(self, channel: ChannelInfo, text: str) -> None:
        await self._fetch_channels()
        try:
            message = await self._text_channel(channel).send(
                text, allowed_mentions=discord.AllowedMentions.none()
            )
            await message.pin(reason="cohortbot setup: the community guidelines")
        except discord.HTTPException as exc:
            raise _refusal(exc, f"post and pin the guidelines in #{channel.name}") from None

    async def findings(self, needs: Needs) -> list[Finding]:
        by_name = {c.name: c for c in (await self._fetch_channels()).values()}
        where = f"on {self._guild.name}"
        found: list[Finding] = []
        for need in needs.channels:
            channel = by_name.get(need.name)
            if channel is None:
                found.append(
                    Finding(False, f"#{need.name} exists {where}", "run `cohortbot setup` to create it")
                )
                continue
            allowed = channel.permissions_for(self._me)
            missing = [_words(p) for p in _missing(allowed)]
            found.append(
                Finding(
                    not missing,
                    f"the bot's permissions in #{need.name} {where}",
                    f"missing {', '.join(missing)}: in #{need.name} -> Edit Channel -> Permissions, "
                    f"allow them for the bot's role ({self._me.top_role.name})",
                )
            )
        guild_perms = self._me.guild_permissions
        if needs.native_events:
            found.append(
                Finding(
                    guild_perms.manage_events,
                    f"the bot may create live-session events {where}",
                    "Server Settings -> Roles -> the bot's role: allow Manage Events",
                )
            )
        if needs.granted_roles:
            found += self._role_findings(needs, where)
        return found

    def _role_findings(self, needs: Needs, where: str) -> list[Finding]:
        found = [
            Finding(
                self._me.guild_permissions.manage_roles,
                f"the bot may give roles {where}",
                "Server Settings -> Roles -> the bot's role: allow Manage Roles",
            )
        ]
        top = self._me.top_role
        for name in needs.granted_roles:
            role = discord.utils.get(self._guild.roles, name=name)
            if role is None:
                found.append(Finding(False, f"the role {name!r} exists {where}", "run `cohortbot setup`"))
                continue
            found.append(
                Finding(
                    top > role,
                    f"the bot's role is above {name!r} {where} (Discord lets a bot give only lower roles)",
                    f"Server Settings -> Roles: drag {top.name!r} above {name!r}",
                )
            )
        return found


class DiscordAdmin:
    platform = "discord"

    def __init__(self, config: DiscordConfig) -> None:
        self.config = config
        self._client: discord.Client | None = None
        self._saved: tuple[str, yarl.URL] | None = None

    @property
    def client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the Discord admin session is not open")
        return self._client

    async def open(self) -> None:
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        if self.config.api_base_url:
            discord.http.Route.BASE = self.config.api_base_url.rstrip("/")
        self._client = discord.Client(intents=discord.Intents.none())
        try:
            await self._client.login(self.config.token)
        except discord.LoginFailure:
            raise AdminError(
                "Discord rejected the bot token (401 Unauthorized): copy a fresh one from the Developer "
                "Portal (Bot -> Reset Token) into DISCORD_TOKEN"
            ) from None
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            raise AdminError(f"cannot reach Discord: {type(exc).__name__}") from None

    async def communities(self) -> list[CommunityInfo]:
        try:
            return [
                CommunityInfo("discord", str(g.id), g.name)
                async for g in self.client.fetch_guilds(limit=None)
            ]
        except discord.HTTPException as exc:
            raise AdminError(f"cannot list the bot's servers: HTTP {exc.status}") from None

    async def findings(self) -> list[Finding]:
        try:
            info = await self.client.application_info()
        except discord.HTTPException as exc:
            return [Finding(False, "Discord's application settings are readable", f"HTTP {exc.status}")]
        flags = info.flags
        where = f"{_PORTAL} -> your application -> Bot -> Privileged Gateway Intents"
        return [
            Finding(
                flags.gateway_guild_members or flags.gateway_guild_members_limited,
                "the Server Members intent is enabled (joins, welcomes)",
                f"{where}: enable SERVER MEMBERS INTENT, save, restart the bot",
            ),
            Finding(
                flags.gateway_message_content or flags.gateway_message_content_limited,
                "the Message Content intent is enabled (introductions, replies, activity)",
                f"{where}: enable MESSAGE CONTENT INTENT, save, restart the bot",
            ),
        ]

    async def workspace(self, community: CommunityInfo) -> DiscordWorkspace:
        client = self.client
        try:
            guild = await client.fetch_guild(int(community.id), with_counts=False)
            assert client.user is not None
            me = await guild.fetch_member(client.user.id)
        except discord.HTTPException as exc:
            raise AdminError(f"cannot read the server {community.name!r}: HTTP {exc.status}") from None
        return DiscordWorkspace(client, guild, me)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None
