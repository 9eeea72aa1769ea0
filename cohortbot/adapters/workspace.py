"""What ``cohortbot setup``, ``doctor`` and ``init`` ask of a platform: small capabilities, no
playbook logic.

A platform's admin session (``adapters/discord/admin.py``, ``adapters/slack/admin.py``) talks
REST only (no gateway, no events): it says which servers or workspaces the bot is in and opens
one of them as a :class:`Workspace` that lists channels and roles, creates them, joins, pins, and
checks what the platform alone can check (intents, scopes, the bot's permissions in a channel);
the workspace is also a :class:`MemberDirectory` that finds members by email or handle.
The plan (what the playbook names against what exists) is ``bot/setup.py``'s, for every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

__all__ = [
    "AdminError",
    "AdminSession",
    "ChannelInfo",
    "ChannelNeed",
    "CommunityInfo",
    "Finding",
    "MemberDirectory",
    "MemberInfo",
    "Needs",
    "RoleInfo",
    "Visibility",
    "Workspace",
]


class AdminError(RuntimeError):
    """A platform refused or failed an admin call; the message says what to fix, never a token."""


class Visibility(StrEnum):
    PUBLIC = "public"  # everyone reads and posts
    READ_ONLY = "read-only"  # everyone reads, moderators and the bot post
    PRIVATE = "private"  # moderators and the bot only


@dataclass(frozen=True, slots=True)
class ChannelNeed:
    """A channel the playbook uses: its name, how open it should be, the playbook roles naming it."""

    name: str
    visibility: Visibility = Visibility.PUBLIC
    uses: tuple[str, ...] = ()  # e.g. ("channels.moderators", "steps.health.channel")


@dataclass(frozen=True, slots=True)
class Needs:
    """Everything a playbook expects a server or workspace to have."""

    channels: tuple[ChannelNeed, ...] = ()
    granted_roles: tuple[str, ...] = ()  # roles the bot gives and takes (welcome, champions)
    moderator_roles: tuple[str, ...] = ()  # roles whose holders are moderators
    moderator_users: tuple[str, ...] = ()  # platform user ids of moderators
    guidelines: str = ""  # the text to pin in the welcome channel ("" : nothing to pin)
    guidelines_channel: str | None = None
    category: str | None = None  # where new channels go, on platforms with categories
    native_events: bool = False  # the sessions step posts platform events (Discord)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.moderator_roles, *self.granted_roles)))


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: str
    name: str
    private: bool = False
    member: bool = True  # the bot is in it (Slack; always true on Discord)
    category: bool = False


@dataclass(frozen=True, slots=True)
class RoleInfo:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A member the platform found: their id, the name members see, their login handle."""

    id: str
    name: str
    handle: str = ""


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """A server or workspace the bot is in, as ``platform:id`` in a playbook's ``communities``."""

    platform: str
    id: str
    name: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check of ``cohortbot doctor``, in plain words: what was checked, and the fix if it failed."""

    ok: bool
    check: str
    fix: str = ""
    notes: tuple[str, ...] = field(default=())


class Workspace(Protocol):
    """One server or workspace, opened by an admin session."""

    community: CommunityInfo
    has_categories: bool
    read_only_channels: bool  # the platform lets the bot make a channel read-only for members

    async def channels(self) -> list[ChannelInfo]: ...

    async def roles(self) -> list[RoleInfo]: ...

    async def create_category(self, name: str) -> ChannelInfo: ...

    async def create_channel(
        self,
        name: str,
        visibility: Visibility,
        *,
        moderator_roles: Sequence[RoleInfo],
        moderator_users: Sequence[str],
        category: ChannelInfo | None,
    ) -> ChannelInfo: ...

    async def create_role(self, name: str) -> RoleInfo: ...

    async def join(self, channel: ChannelInfo) -> None: ...

    async def pinned_texts(self, channel: ChannelInfo) -> list[str]: ...

    async def post_and_pin(self, channel: ChannelInfo, text: str) -> None: ...

    async def findings(self, needs: Needs) -> list[Finding]:
        """What only the platform can check for this community: the bot's permissions in each
        channel it uses, its role above the roles it grants, its membership of channels."""
        ...


class MemberDirectory(Protocol):
    """A workspace that finds its members (``bot/roster_lookup.py``, for the roster import).

    ``by_email``: the platform looks members up by email (Slack, with ``users:read.email``);
    handles are matched exactly (the login handle, never a display name)."""

    by_email: bool

    async def find_member(self, *, email: str = "", handle: str = "") -> MemberInfo | None:
        """The member with this email, else with this handle; None when there is none.
        AdminError: the platform refused or failed the lookup (the message says what to fix)."""
        ...


class AdminSession(Protocol):
    """A platform's REST session for one token: who the bot is, where it is, how it is set up."""

    platform: str

    async def open(self) -> None:
        """Log in; AdminError (the token is refused, the API unreachable) says what to fix."""
        ...

    async def communities(self) -> list[CommunityInfo]: ...

    async def findings(self) -> list[Finding]:
        """What the platform says of the bot's application: intents, scopes."""
        ...

    async def workspace(self, community: CommunityInfo) -> Workspace: ...

    async def close(self) -> None: ...
