"""The activity repository: what members did, as ids and numbers (never text), and the
report's aggregates over it (``storage/aggregates.py``, ``summary.py``, ``questions.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cohortbot.playbook.ports import (
    ActivityRecord,
    ActivitySummary,
    ChannelActivity,
    DayActivity,
    NewcomerActivity,
    QuestionCounts,
    QuestionOutcome,
    UserActivity,
)
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from cohortbot.storage import aggregates
from cohortbot.storage._sql import (
    ACTIVITY,
    SqlRepository,
    in_community,
    rowcount,
)
from cohortbot.storage.questions import question_counts as count_questions
from cohortbot.storage.questions import questions as read_questions
from cohortbot.storage.summary import summary as read_summary

__all__ = ["SqlActivityRepository", "activity_from_row", "activity_values"]


def activity_values(record: ActivityRecord) -> dict[str, Any]:
    """The activity row of a record (ids only: no names, never text)."""
    return {
        "platform": record.community.platform.value,
        "community_id": record.community.id,
        "user_id": record.user.id,
        "channel_id": record.channel.id if record.channel else None,
        "channel_name": record.channel.name if record.channel else None,
        "at": record.at,
        "kind": record.kind,
        "message_id": record.message_id,
        "thread_id": record.thread_id,
        "reply_to_user_id": record.reply_to.id if record.reply_to else None,
        "length": record.length,
        "is_question": record.is_question,
        "sentiment": record.sentiment,
    }


def activity_from_row(row: Any, community: CommunityRef) -> ActivityRecord:
    platform = Platform(row.platform)
    channel = None
    if row.channel_id or row.channel_name:
        channel = ChannelRef(platform, row.channel_id or "", row.channel_name or "")
    return ActivityRecord(
        community=community,
        user=UserRef(platform, row.user_id),
        channel=channel,
        at=row.at,
        kind=row.kind,
        message_id=row.message_id,
        thread_id=row.thread_id,
        reply_to=None if row.reply_to_user_id is None else UserRef(platform, row.reply_to_user_id),
        length=row.length,
        is_question=row.is_question,
        sentiment=row.sentiment,
    )


class SqlActivityRepository(SqlRepository):
    """Activity keeps ids only (no names, never text): privacy by default."""

    async def add(self, record: ActivityRecord) -> None:
        await self._session.execute(ACTIVITY.insert().values(**activity_values(record)))

    async def list(
        self,
        community: CommunityRef,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user: UserRef | None = None,
    ) -> list[ActivityRecord]:
        """Records with ``since <= at < until`` (half-open, so windows tile), oldest first."""
        stmt = select(ACTIVITY).where(in_community(ACTIVITY, community))
        if since is not None:
            stmt = stmt.where(ACTIVITY.c.at >= since)
        if until is not None:
            stmt = stmt.where(ACTIVITY.c.at < until)
        if user is not None:
            stmt = stmt.where(ACTIVITY.c.user_id == user.id)
        rows = await self._session.execute(stmt.order_by(ACTIVITY.c.at, ACTIVITY.c.id))
        return [activity_from_row(row, community) for row in rows]

    async def delete_user(self, community: CommunityRef, user: UserRef) -> int:
        """Erase a member's activity; returns how many of their records were deleted.

        Other members' replies to them keep existing, but lose the pointer to the erased user.
        """
        of_community = in_community(ACTIVITY, community)
        await self._session.execute(
            update(ACTIVITY)
            .where(of_community, ACTIVITY.c.reply_to_user_id == user.id)
            .values(reply_to_user_id=None)
        )
        deleted = await self._session.execute(
            delete(ACTIVITY).where(of_community, ACTIVITY.c.user_id == user.id)
        )
        return rowcount(deleted)

    # The aggregates, in SQL (storage/aggregates.py): a report reads answers, not rows.

    _tuned = False

    async def _reporting(self) -> AsyncSession:
        """The session, set up once per transaction for the aggregates: on PostgreSQL without
        JIT compilation (the correlated look-ups of ``questions`` are costed high enough for
        JIT, which then took longer to compile them than they take to run: 1.3 of 1.8 s)."""
        if self._dialect == "postgresql" and not self._tuned:
            await self._session.execute(text("SET LOCAL jit = off"))
            self._tuned = True
        return self._session

    async def days(
        self,
        community: CommunityRef,
        starts: Sequence[datetime],
        *,
        until: datetime | None = None,
        windows: Sequence[int] = (),
    ) -> Sequence[DayActivity]:
        return await aggregates.days(await self._reporting(), community, starts, until=until, windows=windows)

    async def users(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        periods: Sequence[tuple[datetime, datetime]] = (),
    ) -> Sequence[UserActivity]:
        session = await self._reporting()
        return await aggregates.users(session, community, since=since, until=until, periods=periods)

    async def summary(
        self,
        community: CommunityRef,
        starts: Sequence[datetime],
        *,
        until: datetime | None = None,
        windows: Sequence[int] = (),
        users_since: datetime,
        periods: Sequence[tuple[datetime, datetime]] = (),
    ) -> ActivitySummary:
        return await read_summary(
            await self._reporting(),
            community,
            starts,
            until=until,
            windows=windows,
            users_since=users_since,
            periods=periods,
        )

    async def channels(
        self, community: CommunityRef, *, since: datetime, until: datetime
    ) -> Sequence[ChannelActivity]:
        return await aggregates.channels(await self._reporting(), community, since=since, until=until)

    async def questions(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        asked_since: datetime,
        asked_until: datetime,
    ) -> Sequence[QuestionOutcome]:
        return await read_questions(
            await self._reporting(),
            community,
            since=since,
            until=until,
            asked_since=asked_since,
            asked_until=asked_until,
            record=activity_from_row,
        )

    async def question_counts(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        asked_since: datetime,
        asked_until: datetime,
    ) -> QuestionCounts:
        return await count_questions(
            await self._reporting(),
            community,
            since=since,
            until=until,
            asked_since=asked_since,
            asked_until=asked_until,
        )

    async def newcomers(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        joined_since: datetime,
        joined_until: datetime,
        later: timedelta,
    ) -> Sequence[NewcomerActivity]:
        return await aggregates.newcomers(
            await self._reporting(),
            self._dialect,
            community,
            since=since,
            until=until,
            joined_since=joined_since,
            joined_until=joined_until,
            later=later,
        )
