"""The community-level part of a playbook (everything but the step sections).

``config/playbook.py`` reads YAML into these models and adds one section per registered step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef

__all__ = [
    "CHANNEL_ROLES",
    "Channels",
    "CommunityPlaybook",
    "Guidelines",
    "Moderators",
    "StepConfig",
    "TimeZoneName",
    "repeated",
]


def repeated(names: Iterable[str]) -> list[str]:
    """The names given more than once, sorted (for "must be unique" config errors)."""
    counts = Counter(names)
    return sorted(name for name, n in counts.items() if n > 1)


class StepConfig(BaseModel):
    """Base of every step's playbook section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or America/New_York"
        ) from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_zone)]


class Channels(BaseModel):
    """Channel names (or platform ids) the steps use, e.g. ``intros: introductions``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    welcome: str | None = None
    intros: str | None = None
    moderators: str | None = None
    announcements: str | None = None
    general: str | None = None


CHANNEL_ROLES = frozenset(Channels.model_fields)
"""The channel roles a playbook names (``channels: {intros: ...}``)."""


class Moderators(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    users: list[str] = Field(default_factory=list)  # ids, or "platform:id"
    roles: list[str] = Field(default_factory=list)  # Discord role names/ids, Slack user-group handles/ids
    platform_admins: bool = True  # Discord "Manage Server" / Slack admins count too

    def includes(self, user: UserRef, roles: frozenset[str], *, is_admin: bool) -> bool:
        if is_admin and self.platform_admins:
            return True
        if user.id in self.users or str(user) in self.users:
            return True
        wanted = {r.lstrip("@").lower() for r in self.roles}
        return any(r.lstrip("@").lower() in wanted for r in roles)


class Guidelines(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    link: str = ""
    text: str = ""

    def summary(self) -> str:
        return self.link or self.text


class CommunityPlaybook(BaseModel):
    """Everything a playbook says about the community itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    communities: list[str] = Field(default_factory=list)  # "discord:GUILD_ID", "slack:TEAM_ID", "console"
    default: bool = False
    community_name: str | None = None
    timezone: TimeZoneName = "UTC"
    channels: Channels = Channels()
    moderators: Moderators = Moderators()
    facilitators: list[str] = Field(default_factory=list)
    guidelines: Guidelines = Guidelines()

    def applies_to(self, community: CommunityRef) -> bool:
        for spec in self.communities:
            platform, _, ident = spec.partition(":")
            if platform == community.platform and (not ident or ident == community.id):
                return True
        return False

    def display_name(self, community: CommunityRef) -> str:
        return self.community_name or community.name or community.id

    def channel(self, role: str, platform: Platform) -> ChannelRef | None:
        spec: str | None = getattr(self.channels, role)
        return ChannelRef(platform, name=spec.removeprefix("#")) if spec else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
