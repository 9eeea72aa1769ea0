"""Repositories for communities, members, per-community state and the inbox.

Each class implements one Protocol of ``playbook.ports`` over the unit of work's session.
Activity lives in :mod:`storage.activity` (re-exported here), the outbox in
:mod:`storage.outbox`; timers and schedule claims in :mod:`storage.scheduling`.

References read back carry ids (and the names storage keeps: community name, member user
name); ``CommunityRef``/``UserRef`` compare by (platform, id), names are for rendering only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from cohortbot.playbook.ports import Member, MemberCounts
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage import aggregates
from cohortbot.storage._sql import (
    COMMUNITIES,
    INBOX,
    MEMBERS,
    STATE,
    SqlRepository,
    community_ref,
    in_community,
    rowcount,
    user_ref,
)
from cohortbot.storage.activity import SqlActivityRepository, activity_from_row, activity_values

__all__ = [
    "SqlActivityRepository",
    "SqlCommunityRepository",
    "SqlInboxRepository",
    "SqlMemberRepository",
    "SqlStateRepository",
    "activity_from_row",
    "activity_values",
    "member_from_row",
    "member_values",
]


class SqlCommunityRepository(SqlRepository):
    async def seen(self, community: CommunityRef, *, playbook: str, now: datetime) -> None:
        stmt = self._insert(COMMUNITIES).values(
            platform=community.platform.value,
            id=community.id,
            name=community.name,
            playbook=playbook,
            first_seen_at=now,
            last_seen_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[COMMUNITIES.c.platform, COMMUNITIES.c.id],
            set_={
                # A ref built from an id alone has no name: keep the one we already know.
                "name": func.coalesce(func.nullif(stmt.excluded.name, ""), COMMUNITIES.c.name),
                "playbook": stmt.excluded.playbook,
                "last_seen_at": stmt.excluded.last_seen_at,
            },
        )
        await self._session.execute(stmt)

    async def first_seen(self, community: CommunityRef) -> datetime | None:
        first: datetime | None = await self._session.scalar(
            select(COMMUNITIES.c.first_seen_at).where(
                COMMUNITIES.c.platform == community.platform.value, COMMUNITIES.c.id == community.id
            )
        )
        return first

    async def first_seen_all(self) -> dict[CommunityRef, datetime]:
        rows = await self._session.execute(
            select(COMMUNITIES.c.platform, COMMUNITIES.c.id, COMMUNITIES.c.first_seen_at)
        )
        return {community_ref(r.platform, r.id): r.first_seen_at for r in rows}

    async def list(self) -> list[tuple[CommunityRef, str]]:
        rows = await self._session.execute(
            select(COMMUNITIES.c.platform, COMMUNITIES.c.id, COMMUNITIES.c.name, COMMUNITIES.c.playbook)
            .order_by(COMMUNITIES.c.platform, COMMUNITIES.c.id)
        )
        return [(community_ref(r.platform, r.id, r.name), r.playbook) for r in rows]


_MEMBER_TIMES = (
    "joined_at",
    "left_at",
    "welcomed_at",
    "onboarded_at",
    "introduced_at",
    "first_post_at",
    "last_active_at",
)


def member_values(member: Member) -> dict[str, Any]:
    values: dict[str, Any] = {
        "platform": member.community.platform.value,
        "community_id": member.community.id,
        "user_id": member.user.id,
        "user_name": member.user.name,
        "display_name": member.display_name,
        "is_bot": member.is_bot,
        "pending": member.pending,
        "join_count": member.join_count,
        "analytics_opt_out": member.analytics_opt_out,
        "data": member.data,
    }
    values.update({name: getattr(member, name) for name in _MEMBER_TIMES})
    return values


def member_from_row(row: Any, community: CommunityRef | None = None) -> Member:
    """A fresh Member from a members row (anything with the columns as attributes)."""
    return Member(
        community=community or community_ref(row.platform, row.community_id),
        user=user_ref(row.platform, row.user_id, row.user_name),
        display_name=row.display_name,
        is_bot=row.is_bot,
        pending=row.pending,
        join_count=row.join_count,
        analytics_opt_out=row.analytics_opt_out,
        data=dict(row.data or {}),
        **{name: getattr(row, name) for name in _MEMBER_TIMES},
    )


class SqlMemberRepository(SqlRepository):
    async def get(self, community: CommunityRef, user: UserRef) -> Member | None:
        row = (
            await self._session.execute(
                select(MEMBERS).where(in_community(MEMBERS, community), MEMBERS.c.user_id == user.id)
            )
        ).first()
        return None if row is None else member_from_row(row, community)

    async def save(self, member: Member) -> None:
        values = member_values(member)
        stmt = self._insert(MEMBERS).values(**values)
        keys = ("platform", "community_id", "user_id")
        stmt = stmt.on_conflict_do_update(
            index_elements=[MEMBERS.c[k] for k in keys],
            set_={name: stmt.excluded[name] for name in values if name not in keys},
        )
        await self._session.execute(stmt)

    async def list(self, community: CommunityRef, *, present_only: bool = True) -> list[Member]:
        stmt = select(MEMBERS).where(in_community(MEMBERS, community))
        if present_only:
            # Present = not left (members who predate the bot have no joined_at but are present).
            stmt = stmt.where(MEMBERS.c.left_at.is_(None))
        # In chunks (a command listing 100,000 members must not hold the event loop meanwhile).
        rows = aggregates.each_row(self._session, stmt.order_by(MEMBERS.c.id))
        return [member_from_row(row, community) async for row in rows]

    async def counts(self, community: CommunityRef) -> MemberCounts:
        m = MEMBERS.c
        present, welcomed, onboarded, introduced = (
            await self._session.execute(
                select(
                    func.count(),
                    func.count(m.welcomed_at),
                    func.count(m.onboarded_at),
                    func.count(m.introduced_at),
                ).where(in_community(MEMBERS, community), m.left_at.is_(None), m.is_bot.is_(False))
            )
        ).one()
        return MemberCounts(
            present=int(present), welcomed=int(welcomed), onboarded=int(onboarded), introduced=int(introduced)
        )

    async def delete(self, community: CommunityRef, user: UserRef) -> bool:
        deleted = await self._session.execute(
            delete(MEMBERS)
            .where(in_community(MEMBERS, community), MEMBERS.c.user_id == user.id)
            .returning(MEMBERS.c.id)
        )
        return deleted.first() is not None


class SqlStateRepository(SqlRepository):
    async def get(self, community: CommunityRef, key: str) -> Any | None:
        return await self._session.scalar(
            select(STATE.c.value).where(in_community(STATE, community), STATE.c.key == key)
        )

    async def put(self, community: CommunityRef, key: str, value: Any) -> None:
        stmt = self._insert(STATE).values(
            platform=community.platform.value, community_id=community.id, key=key, value=value
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[STATE.c.platform, STATE.c.community_id, STATE.c.key],
            set_={"value": stmt.excluded.value},
        )
        await self._session.execute(stmt)

    async def delete(self, community: CommunityRef, key: str) -> None:
        await self._session.execute(
            delete(STATE).where(in_community(STATE, community), STATE.c.key == key)
        )

    async def keys(self, community: CommunityRef, prefix: str) -> list[str]:
        """The community's document keys starting with ``prefix``, sorted by code point.

        LIKE narrows the rows (it is case-insensitive on SQLite, so Python has the last word)
        and the sort happens here, so the order never depends on a database collation.
        """
        rows = await self._session.scalars(
            select(STATE.c.key).where(
                in_community(STATE, community), STATE.c.key.startswith(prefix, autoescape=True)
            )
        )
        return sorted(key for key in rows if key.startswith(prefix))


class SqlInboxRepository(SqlRepository):
    async def record(self, event_id: str, *, now: datetime) -> bool:
        stmt = (
            self._insert(INBOX)
            .values(event_id=event_id, received_at=now)
            .on_conflict_do_nothing(index_elements=[INBOX.c.event_id])
            .returning(INBOX.c.event_id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def prune(self, *, before: datetime) -> int:
        """Forget event ids received before ``before`` (platforms only replay recent events)."""
        return rowcount(await self._session.execute(delete(INBOX).where(INBOX.c.received_at < before)))
