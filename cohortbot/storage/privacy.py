"""``playbook.ports.PrivacyRepository`` on SQL: export and forget one member in the shared tables.

A rare operation, so correctness comes first: SQL narrows the candidate rows to the community
with a coarse ``LIKE`` on the id (and on the names), Python decides with the precise rules of
:mod:`storage.erasure` (whole-token id, whole-word names) and the statements then touch rows
by primary key. The ``LIKE`` only ever over-selects: it searches the longest part of the id
(or name) that JSON text stores literally, and case-insensitively where Python does.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Result,
    String,
    Text,
    cast,
    delete,
    false,
    func,
    or_,
    select,
    true,
    update,
)

from cohortbot.playbook.ports import Erasure
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage._sql import (
    ACTIVITY,
    INBOX,
    MEMBERS,
    OUTBOX,
    TIMERS,
    SqlRepository,
    in_community,
    rowcount,
)
from cohortbot.storage.erasure import (
    Mentions,
    activity_export,
    outbox_export,
    outbox_names,
    outbox_scrubbed,
    timer_about,
    timer_export,
)
from cohortbot.storage.outbox import PENDING

__all__ = ["SqlPrivacyRepository"]

# What JSON text keeps as is on both backends: printable ASCII except the escaped " and \.
_JSON_LITERAL = re.compile(r'[\x20\x21\x23-\x5b\x5d-\x7e]+')
_ASCII_WORD = re.compile(r"[0-9A-Za-z]+")


def _longest(pattern: re.Pattern[str], text: str) -> str:
    return max(pattern.findall(text), key=len, default="")


def _id_filter(user_id: str, *columns: Any) -> ColumnElement[bool]:
    """Rows whose text may contain the id; every row when no part of it is stored literally."""
    part = _longest(_JSON_LITERAL, user_id)
    if not part:
        return true()
    return or_(*(_text(column).contains(part, autoescape=True) for column in columns))


def _name_filter(names: tuple[str, ...], *columns: Any) -> ColumnElement[bool]:
    """Rows whose text may contain one of the names, in any case (lower() is ASCII-safe everywhere)."""
    clauses = []
    for name in names:
        part = _longest(_ASCII_WORD, name).lower()
        if not part:
            return true()
        clauses += [func.lower(_text(column)).contains(part, autoescape=True) for column in columns]
    return or_(*clauses) if clauses else false()


def _text(column: Any) -> Any:
    """The column as text: JSON columns are cast (their JSON text is what LIKE searches)."""
    return column if isinstance(column.type, String) else cast(column, Text)


def _dicts(rows: Result[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows.mappings()]


def _outbox_columns() -> tuple[Any, ...]:
    return (OUTBOX.c.key, OUTBOX.c.payload, OUTBOX.c.last_error, OUTBOX.c.result)


class SqlPrivacyRepository(SqlRepository):
    async def export(self, community: CommunityRef, user: UserRef) -> dict[str, list[dict[str, Any]]]:
        """Rows about the member, by table: activity, timers for them, messages to or about them."""
        mentions = Mentions(user.id)
        activity = await self._session.execute(
            select(ACTIVITY)
            .where(in_community(ACTIVITY, community), ACTIVITY.c.user_id == user.id)
            .order_by(ACTIVITY.c.at, ACTIVITY.c.id)
        )
        return {
            "activity": [activity_export(row) for row in _dicts(activity)],
            "timers": [timer_export(row) for row in await self._timers_about(community, mentions)],
            "outbox": [outbox_export(row) for row in await self._outbox_naming(community, mentions)],
        }

    async def forget(self, erasure: Erasure) -> dict[str, int]:
        """Forget the member in every shared table; the rows touched, by table."""
        community, user_id = erasure.community, erasure.user.id
        mentions = Mentions(user_id, names=erasure.names, pseudonym=erasure.pseudonym)
        members = await self._session.execute(
            delete(MEMBERS).where(in_community(MEMBERS, community), MEMBERS.c.user_id == user_id)
        )
        of_community = in_community(ACTIVITY, community)
        unlinked = await self._session.execute(
            update(ACTIVITY)
            # Their own replies to themselves are deleted below: each row is counted once.
            .where(of_community, ACTIVITY.c.reply_to_user_id == user_id, ACTIVITY.c.user_id != user_id)
            .values(reply_to_user_id=None)
        )
        deleted = await self._session.execute(
            delete(ACTIVITY).where(of_community, ACTIVITY.c.user_id == user_id)
        )
        timer_ids = [row["id"] for row in await self._timers_about(community, mentions)]
        if timer_ids:
            await self._session.execute(delete(TIMERS).where(TIMERS.c.id.in_(timer_ids)))
        return {
            "members": rowcount(members),
            "activity": rowcount(unlinked) + rowcount(deleted),
            "timers": len(timer_ids),
            "outbox": await self._forget_outbox(community, mentions),
            "inbox": await self._forget_inbox(mentions),
        }

    async def _timers_about(self, community: CommunityRef, mentions: Mentions) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(TIMERS)
            .where(
                in_community(TIMERS, community),
                or_(
                    TIMERS.c.subject_user_id == mentions.user_id,
                    _id_filter(mentions.user_id, TIMERS.c.key, TIMERS.c.data),
                ),
            )
            .order_by(TIMERS.c.due_at, TIMERS.c.id)
        )
        return [row for row in _dicts(rows) if timer_about(mentions, row)]

    async def _outbox_naming(self, community: CommunityRef, mentions: Mentions) -> list[dict[str, Any]]:
        columns = _outbox_columns()
        rows = await self._session.execute(
            select(OUTBOX)
            .where(
                in_community(OUTBOX, community),
                or_(_id_filter(mentions.user_id, *columns), _name_filter(mentions.names, *columns)),
            )
            .order_by(OUTBOX.c.id)
        )
        return [row for row in _dicts(rows) if outbox_names(mentions, row)]

    async def _forget_outbox(self, community: CommunityRef, mentions: Mentions) -> int:
        """Undelivered rows go; delivered and parked ones stay, scrubbed (oldest first).

        Should a scrubbed key already exist (the member was forgotten before and the same
        action was recorded again since), the row is a duplicate of one already kept under
        that key: it is deleted rather than breaking the key's uniqueness.
        """
        rows = await self._outbox_naming(community, mentions)
        for row in rows:
            if row["status"] != PENDING:
                values = outbox_scrubbed(mentions, row)
                taken = values["key"] != row["key"] and await self._key_taken(values["key"])
                if not taken:
                    await self._session.execute(
                        update(OUTBOX).where(OUTBOX.c.id == row["id"]).values(**values)
                    )
                    continue
            await self._session.execute(delete(OUTBOX).where(OUTBOX.c.id == row["id"]))
        return len(rows)

    async def _key_taken(self, key: str) -> bool:
        found = await self._session.scalar(select(OUTBOX.c.id).where(OUTBOX.c.key == key))
        return found is not None

    async def _forget_inbox(self, mentions: Mentions) -> int:
        """Event ids carry no community: any id naming the member goes (the inbox only de-duplicates)."""
        candidates = await self._session.scalars(
            select(INBOX.c.event_id).where(_id_filter(mentions.user_id, INBOX.c.event_id))
        )
        event_ids = [event_id for event_id in candidates if mentions.found_in(event_id)]
        if event_ids:
            await self._session.execute(delete(INBOX).where(INBOX.c.event_id.in_(event_ids)))
        return len(event_ids)
