"""The report's questions in SQL: each with its first reply, or only counted.

A question is a top-level message with ``is_question`` (found through the partial index of
migration 0005); its first reply is the next entry of the ``(…, thread_id | reply_to_user_id,
at)`` indexes after it (migration 0004). The semantics are ``analytics.records.
question_outcomes``; ``tests/storage/test_aggregates.py`` holds both databases to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from cohortbot.playbook.ports import QuestionCounts, QuestionOutcome
from cohortbot.playbook.refs import CommunityRef
from cohortbot.storage._sql import ACTIVITY
from cohortbot.storage.aggregates import count_of, each_row, in_range
from cohortbot.storage.types import UTCDateTime

__all__ = ["question_counts", "questions"]


def _replied(
    community: CommunityRef, q: Any, *, since: datetime, until: datetime
) -> tuple[Select[Any], Select[Any]]:
    """A question ``q``'s first reply in its thread and its first reply to the asker in its
    channel: each the next entry of the ``(…, thread_id | reply_to_user_id, at)`` index after
    the question (``ORDER BY at LIMIT 1`` stops there; a MIN() would read every later reply)."""
    r = ACTIVITY.alias("r")

    def first_reply(match: ColumnElement[bool], after: ColumnElement[bool]) -> Select[Any]:
        return (
            select(r.c.at)
            .where(
                in_range(r, community, since, until),
                r.c.kind == "reply",
                after,
                r.c.user_id != q.c.user_id,
                match,
            )
            .order_by(r.c.at)
            .limit(1)
        )

    def where(table: Any) -> ColumnElement[str]:
        return func.coalesce(func.nullif(table.c.channel_id, ""), func.nullif(table.c.channel_name, ""))

    # In its thread from the question's instant on; to the asker only after it.
    return (
        first_reply(and_(q.c.message_id != "", r.c.thread_id == q.c.message_id), r.c.at >= q.c.at),
        first_reply(and_(r.c.reply_to_user_id == q.c.user_id, where(r) == where(q)), r.c.at > q.c.at),
    )


def _asked(q: Any, community: CommunityRef, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(in_range(q, community, since, until), q.c.kind == "message", q.c.is_question)


async def questions(
    session: AsyncSession,
    community: CommunityRef,
    *,
    since: datetime,
    until: datetime,
    asked_since: datetime,
    asked_until: datetime,
    record: Any,
) -> list[QuestionOutcome]:
    q = ACTIVITY.alias("q")
    in_thread, to_asker = (
        type_coerce(first.scalar_subquery(), UTCDateTime())
        for first in _replied(community, q, since=since, until=until)
    )
    query = (
        select(q, in_thread, to_asker)
        .where(_asked(q, community, max(since, asked_since), min(until, asked_until)))
        .order_by(q.c.at, q.c.id)
    )
    found = []
    async for row in each_row(session, query):
        replies = [t for t in row[-2:] if t is not None]
        found.append(
            QuestionOutcome(question=record(row, community), first_reply_at=min(replies, default=None))
        )
    return found


async def question_counts(
    session: AsyncSession,
    community: CommunityRef,
    *,
    since: datetime,
    until: datetime,
    asked_since: datetime,
    asked_until: datetime,
) -> QuestionCounts:
    """``questions`` counted: one row back, an index seek or two per question (EXISTS)."""
    q = ACTIVITY.alias("q")
    in_thread, to_asker = _replied(community, q, since=since, until=until)
    answered = or_(in_thread.exists(), to_asker.exists())
    query = select(func.count(), count_of(answered)).where(
        _asked(q, community, max(since, asked_since), min(until, asked_until))
    )
    asked, replied = (await session.execute(query)).one()
    return QuestionCounts(asked=int(asked), answered=int(replied))
