"""Slack for ``cohortbot setup``, ``doctor`` and ``init``: the Web API, no events.

A bot token belongs to one workspace (``auth.test`` names it, and its ``x-oauth-scopes`` header
lists the scopes the app was installed with, compared with ``manifest.yaml``'s). Channels are
listed with ``is_member``: Slack sends a bot no message events from a channel it is not in, so
setup joins the public ones it needs (``conversations.join``, scope ``channels:join``); a private
one can only be joined by an invitation, which doctor asks for.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.errors import SlackApiError

from cohortbot.adapters.base import DeliveryError, RetryableDeliveryError
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

from .api import SlackApi, SlackCallError, build_client
from .roles import USERGROUPS_UNAVAILABLE
from .translate import display_name

__all__ = ["EMAIL_SCOPE", "OPTIONAL_SCOPES", "SlackAdmin", "SlackWorkspace", "manifest_scopes"]

_MANIFEST = Path(__file__).with_name("manifest.yaml")


EMAIL_SCOPE = "users:read.email"
# Scopes of the manifest the bot does without: doctor does not fail on them.
OPTIONAL_SCOPES = frozenset({EMAIL_SCOPE})  # roster rows matched by email (else by handle)
_LOOKUP_RETRIES = 3  # a rate limit longer than the client waits in line: wait, ask again


@cache
def manifest_scopes() -> frozenset[str]:
    """The bot scopes of the app manifest: what the bot needs, in one place."""
    manifest = yaml.safe_load(_MANIFEST.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


def _member(user: dict[str, Any]) -> MemberInfo | None:
    if user.get("deleted") or user.get("is_bot") or user.get("is_app_user") or not user.get("id"):
        return None
    return MemberInfo(str(user["id"]), display_name(user), str(user.get("name") or ""))


def _handle(name: str) -> str:
    """A user-group handle from a role name: lower case, no spaces (Slack's rule)."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "role"


def _failed(doing: str, exc: DeliveryError) -> AdminError:
    return AdminError(f"Slack could not {doing}: {exc}")


class SlackWorkspace:
    has_categories = False
    read_only_channels = False  # posting permissions are a workspace admin's setting, not an API call

    def __init__(self, api: SlackApi, community: CommunityInfo, bot_user_id: str) -> None:
        self.api, self.community, self.bot_user_id = api, community, bot_user_id
        self._channels: dict[str, ChannelInfo] | None = None
        self._by_handle: dict[str, MemberInfo] | None = None  # users.list by handle, when asked
        self.usergroups_refused = ""  # Slack's error when the workspace has no user groups

    async def _list(self) -> dict[str, ChannelInfo]:
        if self._channels is None:
            found: dict[str, ChannelInfo] = {}
            cursor = ""
            for _ in range(50):
                params: dict[str, Any] = {
                    "types": "public_channel,private_channel",
                    "exclude_archived": True,
                    "limit": 1000,
                }
                if cursor:
                    params["cursor"] = cursor
                try:
                    data = await self.api.call("conversations.list", **params)
                except DeliveryError as exc:
                    raise _failed("list the channels", exc) from None
                for c in data.get("channels") or ():
                    info = ChannelInfo(
                        str(c["id"]),
                        str(c.get("name", "")),
                        private=bool(c.get("is_private")),
                        member=bool(c.get("is_member")),
                    )
                    found[info.id] = info
                cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
            self._channels = found
        return self._channels

    async def channels(self) -> list[ChannelInfo]:
        return list((await self._list()).values())

    async def roles(self) -> list[RoleInfo]:
        try:
            data = await self.api.call("usergroups.list", include_disabled=True)
        except DeliveryError as exc:
            code = getattr(exc, "code", "")
            if code in USERGROUPS_UNAVAILABLE:
                self.usergroups_refused = str(code)
                return []
            raise _failed("list the user groups", exc) from None
        groups = data.get("usergroups") or ()
        return [
            RoleInfo(str(g["id"]), name)
            for g in groups
            for name in dict.fromkeys((str(g.get("name", "")), str(g.get("handle", ""))))
            if name
        ]

    async def create_category(self, name: str) -> ChannelInfo:
        raise AdminError("Slack has no channel categories")

    async def create_channel(
        self,
        name: str,
        visibility: Visibility,
        *,
        moderator_roles: Sequence[RoleInfo],
        moderator_users: Sequence[str],
        category: ChannelInfo | None,
    ) -> ChannelInfo:
        private = visibility is Visibility.PRIVATE
        try:
            data = await self.api.call("conversations.create", name=name, is_private=private)
        except DeliveryError as exc:
            raise _failed(f"create #{name}", exc) from None
        created = data.get("channel") or {}
        info = ChannelInfo(str(created["id"]), str(created.get("name") or name), private=private)
        (await self._list())[info.id] = info
        if private:
            await self._invite(info, [*moderator_users, *await self._members_of(moderator_roles)])
        return info

    async def _members_of(self, roles: Sequence[RoleInfo]) -> list[str]:
        users: list[str] = []
        for group_id in dict.fromkeys(r.id for r in roles):
            try:
                data = await self.api.call("usergroups.users.list", usergroup=group_id)
            except DeliveryError:
                continue  # a disabled group has no members to invite
            users += [str(u) for u in data.get("users") or ()]
        return users

    async def _invite(self, channel: ChannelInfo, users: Sequence[str]) -> None:
        wanted = [u for u in dict.fromkeys(users) if u and u != self.bot_user_id]
        if wanted:
            try:
                await self.api.call("conversations.invite", channel=channel.id, users=",".join(wanted))
            except DeliveryError as exc:
                raise _failed(f"invite the moderators to #{channel.name}", exc) from None

    async def create_role(self, name: str) -> RoleInfo:
        try:
            data = await self.api.call("usergroups.create", name=name, handle=_handle(name))
        except DeliveryError as exc:
            raise _failed(f"create the user group {name!r}", exc) from None
        group = data.get("usergroup") or {}
        return RoleInfo(str(group.get("id", "")), str(group.get("name") or name))

    async def join(self, channel: ChannelInfo) -> None:
        try:
            await self.api.call("conversations.join", channel=channel.id)
        except DeliveryError as exc:
            raise _failed(f"join #{channel.name}", exc) from None
        (await self._list())[channel.id] = ChannelInfo(channel.id, channel.name, channel.private, member=True)

    async def pinned_texts(self, channel: ChannelInfo) -> list[str]:
        try:
            data = await self.api.call("pins.list", channel=channel.id)
        except DeliveryError as exc:
            raise _failed(f"read the pins of #{channel.name}", exc) from None
        return [str((item.get("message") or {}).get("text") or "") for item in data.get("items") or ()]

    async def post_and_pin(self, channel: ChannelInfo, text: str) -> None:
        try:
            posted = await self.api.call(
                "chat.postMessage", channel=channel.id, text=text, unfurl_links=False
            )
            await self.api.call("pins.add", channel=channel.id, timestamp=str(posted["ts"]))
        except DeliveryError as exc:
            raise _failed(f"post and pin the guidelines in #{channel.name}", exc) from None

    # ------------------------------------------------------------------ members (MemberDirectory)

    by_email = True

    async def find_member(self, *, email: str = "", handle: str = "") -> MemberInfo | None:
        """By email (``users.lookupByEmail``, Tier 3, scope ``users:read.email``), else by the
        exact handle (``name``) in ``users.list``, read once per workspace and only if needed."""
        if email:
            found = await self._by_email(email.strip())
            if found is not None:
                return found
        wanted = handle.strip().removeprefix("@").casefold()
        return (await self._handles()).get(wanted) if wanted else None

    async def _by_email(self, email: str) -> MemberInfo | None:
        if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
            return None  # not an address: nobody has it
        for attempt in range(_LOOKUP_RETRIES + 1):
            try:
                data = await self.api.call("users.lookupByEmail", email=email)
            except SlackCallError as exc:
                if exc.code == "users_not_found":
                    return None
                if exc.code == "missing_scope":
                    raise AdminError(
                        f"Slack cannot look members up by email: the app lacks the optional scope "
                        f"{EMAIL_SCOPE} (OAuth & Permissions -> Bot Token Scopes, add it, reinstall the "
                        "app); until then members are matched by handle, or when they join"
                    ) from None
                raise _failed("look a member up by email", exc) from None
            except RetryableDeliveryError as exc:
                if attempt == _LOOKUP_RETRIES:
                    raise _failed("look a member up by email", exc) from None
                await asyncio.sleep(min(exc.retry_after or 2.0**attempt, 60.0))
                continue
            except DeliveryError as exc:
                raise _failed("look a member up by email", exc) from None
            return _member(dict(data.get("user") or {}))
        return None

    async def _handles(self) -> dict[str, MemberInfo]:
        if self._by_handle is None:
            found: dict[str, MemberInfo] = {}
            cursor = ""
            while True:
                params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
                try:
                    data = await self.api.call("users.list", **params)
                except DeliveryError as exc:
                    raise _failed("list the members", exc) from None
                for user in data.get("members") or ():
                    member = _member(dict(user))
                    if member is not None and member.handle:
                        found.setdefault(member.handle.casefold(), member)
                cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
            self._by_handle = found
        return self._by_handle

    async def findings(self, needs: Needs) -> list[Finding]:
        by_name = {c.name: c for c in await self.channels()}
        found: list[Finding] = []
        for need in needs.channels:
            channel = by_name.get(need.name)
            if channel is None:
                fix = "run `cohortbot setup` to create it" + (
                    "; if it exists and is private, invite the bot: /invite @cohortbot"
                    if need.visibility is Visibility.PRIVATE
                    else ""
                )
                found.append(Finding(False, f"#{need.name} exists in {self.community.name}", fix))
                continue
            fix = (
                "invite the bot: /invite @cohortbot in the channel"
                if channel.private
                else "run `cohortbot setup` (the bot joins it), or /invite @cohortbot in the channel"
            )
            found.append(
                Finding(
                    channel.member,
                    f"the bot is in #{need.name} (Slack sends no messages from a channel the bot is not in)",
                    fix,
                )
            )
        if needs.roles:
            roles = {r.name for r in await self.roles()}
            for name in needs.roles:
                if self.usergroups_refused:
                    found.append(
                        Finding(
                            False,
                            f"user groups are available for the role {name!r}",
                            f"Slack answers {self.usergroups_refused}: roles need a paid plan's user "
                            f"groups, or a channel named after the role that the bot is in",
                        )
                    )
                    break
                found.append(
                    Finding(name in roles, f"the user group {name!r} exists", "run `cohortbot setup`")
                )
        return found


class SlackAdmin:
    platform = "slack"

    def __init__(self, token: str, *, api_url: str | None = None, rate_minute: float = 60.0) -> None:
        self.api = SlackApi(
            build_client(token, api_url=api_url, max_rate_limit_wait=30.0, rate_minute=rate_minute)
        )
        self._community: CommunityInfo | None = None
        self._scopes: frozenset[str] | None = None  # None: Slack did not say
        self.bot_user_id = ""

    async def open(self) -> None:
        try:
            response = await self.api.client.auth_test()
        except SlackApiError as exc:
            code = self.api.error_code(exc) or "unknown error"
            raise AdminError(
                f"Slack refused the bot token ({code}): copy the Bot User OAuth Token (xoxb-...) from "
                "your app's OAuth & Permissions page into SLACK_BOT_TOKEN"
            ) from None
        except Exception as exc:
            raise AdminError(f"cannot reach the Slack API ({type(exc).__name__})") from None
        headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("x-oauth-scopes")
        if isinstance(raw, list | tuple):
            raw = ",".join(map(str, raw))
        if raw is not None:
            self._scopes = frozenset(s.strip() for s in str(raw).split(",") if s.strip())
        self.bot_user_id = str(response.get("user_id") or "")
        team = str(response.get("team_id") or "")
        self._community = CommunityInfo("slack", team, str(response.get("team") or team))

    @property
    def community(self) -> CommunityInfo:
        if self._community is None:
            raise RuntimeError("the Slack admin session is not open")
        return self._community

    async def communities(self) -> list[CommunityInfo]:
        return [self.community]

    async def findings(self) -> list[Finding]:
        if self._scopes is None:
            return []
        missing = sorted(manifest_scopes() - OPTIONAL_SCOPES - self._scopes)
        found = [
            Finding(
                not missing,
                "the Slack app has every scope of the manifest",
                f"missing {', '.join(missing)}: add them under OAuth & Permissions -> Bot Token Scopes "
                "(or paste cohortbot/adapters/slack/manifest.yaml again), then reinstall the app",
            )
        ]
        if EMAIL_SCOPE not in self._scopes:
            found.append(
                Finding(
                    True,
                    f"the optional scope {EMAIL_SCOPE} is not granted: roster rows are matched to "
                    "members by handle or join code, not by email (add it and reinstall the app to "
                    "match by email)",
                )
            )
        return found

    async def workspace(self, community: CommunityInfo) -> SlackWorkspace:
        return SlackWorkspace(self.api, community, self.bot_user_id)

    async def close(self) -> None:
        session = getattr(self.api.client, "session", None)
        if session is not None and not session.closed:
            await session.close()
