"""A unit of work's identity map: each member row and step document is read once per transaction.

Several steps look at the same member while deciding one event (core touches the author,
activity reads the member replied to, champions reads the author again and everyone a credit
names), and a step may load the same document twice. :class:`MemberMap` and :class:`StateMap`
sit in front of a unit of work's member and state repositories (SQL or memory alike):

- a read is answered from the map once the row was read (or written) in this transaction,
  including "there is none";
- writes go through to the database at once (write-through: the transaction holds exactly
  what a store without the map would hold, so nothing changes for commit, rollback, a crash or
  another query on the same tables) and update the map, so a later read sees them; in a batch
  of events they wait in the unit of work's write-behind instead (``storage/write_behind.py``)
  and every query that reads more than one row (a list, a count, keys) sends them first;
- a write of exactly what is already stored is skipped (no statement, no WAL);
- values are copied in and out, so a caller mutating what it got (or what it saved) never
  changes the map — the same value semantics as a database row.

The map follows the transaction: a savepoint snapshots it and an exception inside restores the
snapshot (the database rolled the nested work back), a commit or rollback empties it, and the privacy
repository, which deletes and rewrites member rows itself, empties it after forgetting someone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, TypeGuard

from cohortbot.playbook.ports import (
    Erasure,
    Member,
    MemberCounts,
    MemberRepository,
    PrivacyRepository,
    StateRepository,
)
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage.types import to_utc

if TYPE_CHECKING:
    from cohortbot.storage.write_behind import Pending

__all__ = ["IdentityMap", "MemberMap", "PrivacyThroughMap", "StateMap"]

_Key = tuple[str, str, str]
_MEMBER_TIMES = tuple(f.name for f in fields(Member) if f.name.endswith("_at"))
_ABSENT = object()


def _stored(value: Any) -> Any:
    """A fresh copy of a JSON value as the database gives it back (tuples become lists...)."""
    return None if value is None else json.loads(json.dumps(value))


def _buffering(pending: Pending | None) -> TypeGuard[Pending]:
    """Whether writes wait in a batch's write-behind (else they go through at once)."""
    return pending is not None and pending.active


def _member_copy(member: Member) -> Member:
    """A fresh copy of a member as storage keeps it (JSON data, UTC times)."""
    times: dict[str, Any] = {
        name: to_utc(t) for name in _MEMBER_TIMES if (t := getattr(member, name)) is not None
    }
    return replace(member, data=_stored(member.data), **times)


class MemberMap:
    """A ``MemberRepository`` that reads each member row once per transaction."""

    def __init__(self, inner: MemberRepository, pending: Pending | None = None) -> None:
        self._inner = inner
        self._pending = pending
        self.known: dict[_Key, Member | None] = {}

    def has(self, community: CommunityRef, user_id: str) -> bool:
        """Whether the map knows this member's row (or that there is none)."""
        return self._key(community, user_id) in self.known

    def learn(self, community: CommunityRef, user_id: str, member: Member | None) -> None:
        """Remember a row read elsewhere (the batch's one query for its members)."""
        self.known[self._key(community, user_id)] = None if member is None else _member_copy(member)

    async def _flush(self) -> None:
        if self._pending is not None:
            await self._pending.flush()

    @staticmethod
    def _key(community: CommunityRef, user_id: str) -> _Key:
        return (community.platform.value, community.id, user_id)

    async def get(self, community: CommunityRef, user: UserRef) -> Member | None:
        key = self._key(community, user.id)
        found = self.known.get(key, _ABSENT)
        if found is _ABSENT:
            read = await self._inner.get(community, user)
            self.known[key] = None if read is None else _member_copy(read)
            return read
        return None if found is None else _member_copy(found)  # type: ignore[arg-type]

    async def save(self, member: Member) -> None:
        key = self._key(member.community, member.user.id)
        if self.known.get(key, _ABSENT) == member:
            return  # exactly what is stored: nothing to write
        if _buffering(self._pending):
            self._pending.member(member)
        else:
            await self._inner.save(member)
        self.known[key] = _member_copy(member)

    async def list(self, community: CommunityRef, *, present_only: bool = True) -> list[Member]:
        await self._flush()
        return await self._inner.list(community, present_only=present_only)

    async def counts(self, community: CommunityRef) -> MemberCounts:
        await self._flush()
        return await self._inner.counts(community)

    async def delete(self, community: CommunityRef, user: UserRef) -> bool:
        await self._flush()
        deleted = await self._inner.delete(community, user)
        self.known[self._key(community, user.id)] = None
        return deleted


class StateMap:
    """A ``StateRepository`` that reads each document once per transaction."""

    def __init__(self, inner: StateRepository, pending: Pending | None = None) -> None:
        self._inner = inner
        self._pending = pending
        self.known: dict[_Key, Any] = {}

    async def get(self, community: CommunityRef, key: str) -> Any | None:
        at = (community.platform.value, community.id, key)
        found = self.known.get(at, _ABSENT)
        if found is _ABSENT:
            found = await self._inner.get(community, key)
            self.known[at] = _stored(found)
            return found
        return _stored(found)

    async def put(self, community: CommunityRef, key: str, value: Any) -> None:
        at = (community.platform.value, community.id, key)
        if value is not None and self.known.get(at, _ABSENT) == value:
            return
        stored = _stored(value)
        if _buffering(self._pending):
            self._pending.put(community, key, stored)   # a copy: the caller may mutate value
        else:
            await self._inner.put(community, key, value)
        self.known[at] = stored

    async def delete(self, community: CommunityRef, key: str) -> None:
        if _buffering(self._pending):
            self._pending.delete(community, key)
        else:
            await self._inner.delete(community, key)
        self.known[(community.platform.value, community.id, key)] = None

    async def keys(self, community: CommunityRef, prefix: str) -> list[str]:
        if self._pending is not None:
            await self._pending.flush()
        return await self._inner.keys(community, prefix)


class PrivacyThroughMap:
    """The privacy repository, emptying the identity map after it deleted and rewrote rows."""

    def __init__(self, inner: PrivacyRepository, identity: IdentityMap) -> None:
        self._inner = inner
        self._identity = identity

    async def export(self, community: CommunityRef, user: UserRef) -> dict[str, list[dict[str, Any]]]:
        return await self._inner.export(community, user)

    async def forget(self, erasure: Erasure) -> dict[str, int]:
        try:
            return await self._inner.forget(erasure)
        finally:
            self._identity.clear()


class IdentityMap:
    """The maps of one unit of work, with the snapshots its savepoints take."""

    def __init__(
        self, members: MemberRepository, state: StateRepository, pending: Pending | None = None
    ) -> None:
        self.members = MemberMap(members, pending)
        self.state = StateMap(state, pending)

    def snapshot(self) -> Sequence[dict[_Key, Any]]:
        # Values in the maps are private copies, never mutated: a shallow copy is a snapshot.
        return (dict(self.members.known), dict(self.state.known))

    def restore(self, snapshot: Sequence[dict[_Key, Any]]) -> None:
        self.members.known, self.state.known = dict(snapshot[0]), dict(snapshot[1])

    def clear(self) -> None:
        self.members.known.clear()
        self.state.known.clear()
