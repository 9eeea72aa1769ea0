"""The in-memory activity repository (``storage.memory``), mirroring :mod:`storage.activity`:
the records as the SQL rows, and the report's aggregates computed by the reference functions
of ``playbook.analytics.records``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cohortbot.playbook.analytics import records as aggregate
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
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage.memory_repositories import (
    Repository,
    Row,
    Transaction,
    of_community,
    stored,
)
from cohortbot.storage.repositories import (
    activity_from_row,
    activity_values,
)
from cohortbot.storage.types import to_utc

__all__ = ["MemoryActivityRepository", "forget_activity"]


class MemoryActivityRepository(Repository):
    async def add(self, record: ActivityRecord) -> None:
        txn = await self._begin()
        row_id = txn.next_id("activity")
        txn.write("activity")[row_id] = stored(activity_values(record), id=row_id)

    async def list(
        self,
        community: CommunityRef,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user: UserRef | None = None,
    ) -> list[ActivityRecord]:
        since = None if since is None else to_utc(since)
        until = None if until is None else to_utc(until)
        rows = [
            r
            for r in of_community(community, (await self._begin()).read("activity").values())
            if (since is None or r.at >= since)
            and (until is None or r.at < until)
            and (user is None or r.user_id == user.id)
        ]
        return [activity_from_row(r, community) for r in sorted(rows, key=lambda r: (r.at, r.id))]

    async def delete_user(self, community: CommunityRef, user: UserRef) -> int:
        return (await forget_activity(await self._begin(), community, user.id))[1]

    # The aggregates: ``analytics.records`` over the counted records (the reference the SQL
    # repositories are tested against).

    async def _counted(
        self, community: CommunityRef, since: datetime, until: datetime
    ) -> Sequence[ActivityRecord]:
        txn = await self._begin()
        excluded = {
            r.user_id
            for r in of_community(community, txn.read("members").values())
            if r.is_bot or r.analytics_opt_out
        }
        return [r for r in await self.list(community, since=since, until=until) if r.user.id not in excluded]

    async def days(
        self,
        community: CommunityRef,
        starts: Sequence[datetime],
        *,
        until: datetime | None = None,
        windows: Sequence[int] = (),
    ) -> Sequence[DayActivity]:
        if len(starts) < 2:
            return []
        starts = [to_utc(s) for s in starts]
        end = starts[-1] if until is None else min(to_utc(until), starts[-1])
        records = await self._counted(community, starts[0], end)
        return aggregate.days(records, starts, until=end, windows=windows)

    async def users(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        periods: Sequence[tuple[datetime, datetime]] = (),
    ) -> Sequence[UserActivity]:
        records = await self._counted(community, since, until)
        periods = [(to_utc(a), to_utc(b)) for a, b in periods]
        return aggregate.users(records, since=to_utc(since), until=to_utc(until), periods=periods)

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
        if len(starts) < 2:
            return ActivitySummary(days=[], users=[])
        if users_since < starts[0]:
            raise ValueError("users_since must not be before the first day")
        end = starts[-1] if until is None else min(to_utc(until), to_utc(starts[-1]))
        days = await self.days(community, starts, until=until, windows=windows)
        users = await self.users(community, since=users_since, until=end, periods=periods)
        return ActivitySummary(days=list(days), users=list(users))

    async def channels(
        self, community: CommunityRef, *, since: datetime, until: datetime
    ) -> Sequence[ChannelActivity]:
        records = await self._counted(community, since, until)
        return aggregate.channels(records, since=to_utc(since), until=to_utc(until))

    async def questions(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        asked_since: datetime,
        asked_until: datetime,
    ) -> Sequence[QuestionOutcome]:
        records = await self._counted(community, since, until)
        return aggregate.question_outcomes(records, to_utc(asked_since), to_utc(asked_until))

    async def question_counts(
        self,
        community: CommunityRef,
        *,
        since: datetime,
        until: datetime,
        asked_since: datetime,
        asked_until: datetime,
    ) -> QuestionCounts:
        records = await self._counted(community, since, until)
        return aggregate.question_counts(records, to_utc(asked_since), to_utc(asked_until))

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
        low, high = to_utc(joined_since), to_utc(joined_until)
        rows = of_community(community, (await self._begin()).read("members").values())
        joined = sorted(
            (r.user_id, r.joined_at) for r in rows if r.joined_at is not None and low <= r.joined_at < high
        )
        return aggregate.newcomers(await self._counted(community, since, until), joined, later=later)


async def forget_activity(txn: Transaction, community: CommunityRef, user_id: str) -> tuple[int, int]:
    """(replies unlinked, own rows deleted) in one community."""
    table = txn.write("activity")
    unlinked = deleted = 0
    for row in of_community(community, list(table.values())):
        if row.user_id == user_id:
            del table[row.id]
            deleted += 1
        elif row.reply_to_user_id == user_id:
            table[row.id] = Row(row, reply_to_user_id=None)
            unlinked += 1
    return unlinked, deleted
