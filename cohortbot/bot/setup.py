"""``cohortbot setup``: what a playbook names against what a server or workspace has.

Platform-neutral: :func:`needs_of` reads what a playbook uses (its channels, how open each
should be, the roles it names, the guidelines to pin); :func:`plan` compares it with what a
:class:`~cohortbot.adapters.workspace.Workspace` lists and says what is missing; :func:`apply`
creates it through the workspace's small capabilities. Everything is looked up before anything
is created, by name, so a second run finds it all and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from cohortbot.adapters.workspace import (
    ChannelInfo,
    ChannelNeed,
    Needs,
    RoleInfo,
    Visibility,
    Workspace,
)
from cohortbot.playbook.step import LoadedPlaybook

__all__ = ["Change", "Kind", "Plan", "apply", "needs_of", "plan", "same_channel"]

# How open each channel role of the playbook should be; any other channel is public.
_VISIBILITY = {
    "moderators": Visibility.PRIVATE,
    "welcome": Visibility.READ_ONLY,
    "announcements": Visibility.READ_ONLY,
}
# A channel given by its platform id, not by name: nothing to create.
_ID = re.compile(r"\d{15,21}|[CG][A-Z0-9]{8,}")
_PLATFORM_USER = {"discord": re.compile(r"\d{15,21}"), "slack": re.compile(r"[UW][A-Z0-9]{6,}")}


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, field name, value) of every field in a step section, nested models and lists included."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            inner = getattr(value, name)
            yield f"{path}.{name}", name, inner
            yield from _walk(inner, f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def needs_of(loaded: LoadedPlaybook, platform: str) -> Needs:
    """What ``loaded`` expects of a community on ``platform``."""
    community = loaded.community
    roles = community.channels.model_dump()
    channels: dict[str, tuple[Visibility, list[str]]] = {}

    def use(name: str, visibility: Visibility, where: str) -> None:
        name = name.removeprefix("#")
        if not name or _ID.fullmatch(name):
            return
        known = channels.setdefault(name, (visibility, []))
        if visibility is Visibility.PRIVATE and known[0] is not Visibility.PRIVATE:
            known = channels[name] = (visibility, known[1])
        known[1].append(where)

    for role, name in roles.items():
        if name:
            use(name, _VISIBILITY.get(role, Visibility.PUBLIC), f"channels.{role}")
    granted: list[str] = []
    for step, config in loaded.steps.items():
        if not config.enabled:
            continue
        for path, name, value in _walk(config, f"steps.{step}"):
            if name == "channel" and isinstance(value, str):
                target = roles.get(value) or value  # a channel role of the playbook, or a name
                use(target, _VISIBILITY.get(value, Visibility.PUBLIC), path)
            elif name == "role" and isinstance(value, str) and value:
                granted.append(value.removeprefix("@"))
    user_id = _PLATFORM_USER.get(platform)
    users = [u.removeprefix(f"{platform}:") for u in community.moderators.users]
    guidelines = community.guidelines
    text = "\n".join(part for part in (guidelines.text.strip(), guidelines.link.strip()) if part)
    return Needs(
        channels=tuple(ChannelNeed(n, v, tuple(w)) for n, (v, w) in channels.items()),
        granted_roles=tuple(dict.fromkeys(granted)),
        moderator_roles=tuple(
            dict.fromkeys(r.removeprefix("@") for r in community.moderators.roles if not _ID.fullmatch(r))
        ),
        moderator_users=tuple(u for u in users if user_id is not None and user_id.fullmatch(u)),
        guidelines=f"Community guidelines of {community.community_name or community.name}:\n{text}"
        if text
        else "",
        guidelines_channel=community.channels.welcome,
        category=community.community_name or community.name,
        native_events=platform == "discord" and loaded.enabled("sessions"),
    )


def same_channel(existing: str, wanted: str) -> bool:
    """Platforms lower-case channel names and turn spaces into dashes (Discord, Slack)."""
    return existing == wanted or existing == re.sub(r"\s+", "-", wanted.strip().lower())


class Kind(StrEnum):
    ROLE = "role"
    CATEGORY = "category"
    CHANNEL = "channel"
    JOIN = "join"
    PIN = "pin"


@dataclass(frozen=True, slots=True)
class Change:
    kind: Kind
    name: str
    visibility: Visibility = Visibility.PUBLIC
    channel: ChannelInfo | None = None  # JOIN and PIN of a channel that exists

    def __str__(self) -> str:
        if self.kind is Kind.CHANNEL:
            how = {
                Visibility.PUBLIC: "",
                Visibility.READ_ONLY: " (read-only for members)",
                Visibility.PRIVATE: " (private: moderators and the bot)",
            }[self.visibility]
            return f"create channel #{self.name}{how}"
        if self.kind is Kind.JOIN:
            return f"join #{self.name} (so the bot sees its messages)"
        if self.kind is Kind.PIN:
            return f"post and pin the guidelines in #{self.name}"
        return f"create {self.kind} {self.name!r}"

    def done(self) -> str:
        """What was done, in the past tense."""
        text = str(self)
        for now, past in (
            ("create ", "created "),
            ("join ", "joined "),
            ("post and pin", "posted and pinned"),
        ):
            if text.startswith(now):
                return past + text[len(now) :]
        return text


@dataclass(slots=True)
class Plan:
    changes: list[Change] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # what already exists, for the report
    notes: list[str] = field(default_factory=list)  # what setup cannot do; the fix is the user's

    @property
    def empty(self) -> bool:
        return not self.changes


async def plan(needs: Needs, workspace: Workspace) -> Plan:
    """What ``apply`` would do in ``workspace`` (nothing is changed)."""
    result = Plan()
    channels = await workspace.channels()
    existing_roles = {r.name for r in await workspace.roles()}
    for role in needs.roles:
        if role in existing_roles:
            result.present.append(f"role {role!r}")
        else:
            result.changes.append(Change(Kind.ROLE, role))
    texts = [c for c in channels if not c.category]
    missing: list[ChannelNeed] = []
    for need in needs.channels:
        found = next((c for c in texts if same_channel(c.name, need.name)), None)
        if found is None:
            missing.append(need)
            continue
        result.present.append(f"#{found.name}")
        if not found.member and not found.private:
            result.changes.append(Change(Kind.JOIN, found.name, channel=found))
        elif not found.member:
            result.notes.append(
                f"#{found.name} is private and the bot is not in it: /invite @cohortbot there"
            )
    category = needs.category if workspace.has_categories and missing else None
    if category is not None and not any(c.category and c.name == category for c in channels):
        result.changes.append(Change(Kind.CATEGORY, category))
    for need in missing:
        result.changes.append(Change(Kind.CHANNEL, need.name, need.visibility))
        if need.visibility is Visibility.READ_ONLY and not workspace.read_only_channels:
            result.notes.append(
                f"#{need.name} should be read-only for members: the API cannot do that here; "
                "a workspace admin sets it in the channel's settings (Posting permissions)"
            )
    if needs.guidelines and needs.guidelines_channel:
        welcome = next((c for c in texts if same_channel(c.name, needs.guidelines_channel)), None)
        pinned = await workspace.pinned_texts(welcome) if welcome is not None and welcome.member else []
        if any(needs.guidelines in text for text in pinned):
            result.present.append(f"the guidelines pinned in #{welcome.name if welcome else ''}")
        elif welcome is None or welcome.member or not welcome.private:
            result.changes.append(Change(Kind.PIN, needs.guidelines_channel, channel=welcome))
    return result


async def apply(
    needs: Needs, changes: list[Change], workspace: Workspace, *, done: list[str] | None = None
) -> list[str]:
    """Carry out ``changes`` in order; what was done, one line each. AdminError stops it: what
    was done before it is in ``done`` (a list the caller passes), one line as each is done."""
    done = [] if done is None else done
    roles: dict[str, RoleInfo] = {r.name: r for r in await workspace.roles()}
    channels = await workspace.channels()
    category = next((c for c in channels if c.category and c.name == needs.category), None)
    created: dict[str, ChannelInfo] = {}
    for change in changes:
        if change.kind is Kind.ROLE:
            roles[change.name] = await workspace.create_role(change.name)
        elif change.kind is Kind.CATEGORY:
            category = await workspace.create_category(change.name)
        elif change.kind is Kind.CHANNEL:
            created[change.name] = await workspace.create_channel(
                change.name,
                change.visibility,
                moderator_roles=[roles[r] for r in needs.moderator_roles if r in roles],
                moderator_users=needs.moderator_users,
                category=category,
            )
        elif change.kind is Kind.JOIN and change.channel is not None:
            await workspace.join(change.channel)
        elif change.kind is Kind.PIN:
            target = change.channel or created.get(change.name)
            if target is None:
                continue
            await workspace.post_and_pin(target, needs.guidelines)
        done.append(change.done())
    return done
