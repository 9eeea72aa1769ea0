"""Roles on Slack: a role is a **user group** (``@handle``), or a channel named after it.

``usergroups.users.update`` replaces the whole member list, so a grant or revoke is a
read-modify-write under a per-group lock (two grants in the same process never lose each
other). Where the workspace or token does not allow user groups (free plans answer
``paid_teams_only``; also ``not_allowed_token_type``, ``missing_scope``...), a *channel named
after the role* stands in: granting invites the member to ``#role``, revoking removes them.
That channel must exist (create it once; the bot must be a member of a private one). Both are
idempotent: granting twice or revoking an absent member changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cohortbot.adapters.base import Delivered, PermanentDeliveryError
from cohortbot.adapters.slack.api import SlackApi, SlackCallError

__all__ = ["USERGROUPS_UNAVAILABLE", "SlackRoles"]

log = logging.getLogger("cohortbot.adapters.slack.perform")

# Errors meaning "this workspace/token can't manage user groups": use the channel fallback.
USERGROUPS_UNAVAILABLE = frozenset(
    {
        "paid_teams_only",
        "not_allowed_token_type",
        "missing_scope",
        "permission_denied",
        "no_permission",
        "plan_upgrade_required",
        "feature_not_enabled",
    }
)
ALREADY_IN_CHANNEL = frozenset({"already_in_channel", "cant_invite_self"})
NOT_IN_CHANNEL = frozenset({"not_in_channel", "cant_kick_self", "user_not_in_channel"})


class SlackRoles:
    def __init__(self, api: SlackApi) -> None:
        self.api = api
        self._group_locks: dict[str, asyncio.Lock] = {}

    async def set(self, role: str, user_id: str, *, member: bool) -> Delivered:
        """Make ``user_id`` a member of the role (``member``) or not: its user group, or its channel."""
        handle = role.removeprefix("@")
        try:
            group = await self._group(handle)
            group_id = str(group["id"])
            async with self._group_locks.setdefault(group_id, asyncio.Lock()):
                await self._update_group(group, user_id, member=member)
        except SlackCallError as exc:
            if exc.code not in USERGROUPS_UNAVAILABLE:
                raise
            return await self._set_role_by_channel(handle, user_id, member=member)
        self.api.groups.forget("all")  # actors' roles change with it
        return Delivered(platform_id=group_id)

    async def _update_group(self, group: dict[str, Any], user_id: str, *, member: bool) -> None:
        """Read-modify-write: usergroups.users.update replaces the whole list."""
        group_id = str(group["id"])
        disabled = bool(group.get("date_delete"))
        users: list[str] = []
        if not disabled:
            data = await self.api.call("usergroups.users.list", usergroup=group_id)
            users = [str(u) for u in data.get("users") or ()]
        if member:
            if user_id in users:
                return
            if disabled:
                await self.api.call("usergroups.enable", usergroup=group_id)
            await self.api.call(
                "usergroups.users.update", usergroup=group_id, users=",".join([*users, user_id])
            )
            return
        if user_id not in users:
            return
        remaining = [u for u in users if u != user_id]
        if remaining:
            await self.api.call("usergroups.users.update", usergroup=group_id, users=",".join(remaining))
        else:
            # Slack refuses an empty member list; a group is emptied by disabling it.
            await self.api.call("usergroups.disable", usergroup=group_id)

    async def _group(self, handle: str) -> dict[str, Any]:
        data = await self.api.call("usergroups.list", include_disabled=True)
        for group in data.get("usergroups") or ():
            if handle in (group.get("handle"), group.get("name"), group.get("id")):
                return dict(group)
        raise PermanentDeliveryError(
            f"Slack user group @{handle} not found: create it (Slack > People > User groups) for this role"
        )

    async def _set_role_by_channel(self, handle: str, user_id: str, *, member: bool) -> Delivered:
        log.info("Slack user groups unavailable; role %s is membership of channel #%s", handle, handle)
        channel_id = await self.api.resolve_channel(handle)
        try:
            if member:
                await self.api.call("conversations.invite", channel=channel_id, users=user_id)
            else:
                await self.api.call("conversations.kick", channel=channel_id, user=user_id)
        except SlackCallError as exc:
            # Already there / already gone is success. (not_in_channel on invite means the
            # *bot* is not in the channel: a real error.)
            if exc.code not in (ALREADY_IN_CHANNEL if member else NOT_IN_CHANNEL):
                raise
        return Delivered(platform_id=channel_id)
