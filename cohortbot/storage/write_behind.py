"""Write-behind for a batch of events: their writes go to the database together, at the end.

When the group commit (``bot/decider.py``) decides a batch of events in one transaction,
most of what each event writes is "append this" or "this row is now that": the inbox record
of its id, the member's row, step documents, the activity record. Sent one statement at a
time, each costs a round trip to the driver and SQLAlchemy's statement building, which is
most of an event's cost. In a batch, :class:`Pending` keeps those writes in memory and sends
them at the end with one ``executemany`` per table (the statements built once per process).

The transaction holds exactly what it would hold without write-behind whenever anything
else looks at the database, because:

- **every other statement flushes first**: the other repositories run through a
  :class:`FlushingSession`, which sends what is pending before its own statement (a timer,
  an outbox row, a report query, a member list all see the batch's writes, in order);
- reads of a member row or a document are answered by the unit of work's identity map,
  which already holds every pending value (a read that misses the map is of a row with
  nothing pending);
- the commit flushes before committing, and a rollback (any exception in the batch) drops
  what is pending with the transaction.

The inbox is read once for the whole batch (``SELECT ... WHERE event_id IN``) and the new
ids are inserted with a plain INSERT at flush: should another process record one of them
meanwhile, the unique key fails the batch, and the decider decides its events again one by
one (each with ``ON CONFLICT DO NOTHING``), so a duplicate is still recognised, never decided
twice. Outside a batch (a single event, the scheduler, the deliverer, a report) nothing is
buffered: :class:`Pending` is inactive and every write goes through at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from cohortbot.playbook.activity_records import ActivityRecord
from cohortbot.playbook.ports import Member, Timer
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.storage._sql import ACTIVITY, INBOX, MEMBERS, STATE, TIMERS, in_community
from cohortbot.storage.activity import SqlActivityRepository, activity_values
from cohortbot.storage.repositories import SqlInboxRepository, member_from_row, member_values
from cohortbot.storage.scheduling import SqlTimerRepository, timer_values

if TYPE_CHECKING:
    from cohortbot.storage.identity import IdentityMap

__all__ = [
    "BufferedActivityRepository",
    "BufferedInboxRepository",
    "BufferedTimerRepository",
    "FlushingSession",
    "Pending",
]

_DELETE = object()
_MEMBER_KEYS = ("platform", "community_id", "user_id")
_STATE_KEYS = ("platform", "community_id", "key")
_CHUNK = 500   # ids per IN (...) list: far under every driver's limit on parameters
_Key = tuple[str, str, str]


class _Statements:
    """The batch statements of one dialect, built once per process (SQLAlchemy caches them)."""

    _built: dict[str, _Statements] = {}

    def __init__(self, dialect: str) -> None:
        def upsert(table: Table, keys: Sequence[str]) -> Executable:
            insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
            return insert.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={c.name: insert.excluded[c.name] for c in table.c if c.name not in (*keys, "id")},
            )

        self.members = upsert(MEMBERS, _MEMBER_KEYS)
        self.state = upsert(STATE, _STATE_KEYS)
        self.activity = ACTIVITY.insert()
        self.inbox = INBOX.insert()   # plain: a concurrent duplicate must fail the batch
        self.timers = upsert(TIMERS, ("key",))
        self.timer_delete = TIMERS.delete().where(TIMERS.c.key == bindparam("k"))
        self.state_delete = STATE.delete().where(
            STATE.c.platform == bindparam("p"), STATE.c.community_id == bindparam("c"),
            STATE.c.key == bindparam("k"),
        )

    @classmethod
    def of(cls, dialect: str) -> _Statements:
        built = cls._built.get(dialect)
        if built is None:
            built = cls._built[dialect] = cls(dialect)
        return built


class Pending:
    """The writes a batch has decided but not yet sent; inactive (write-through) outside a batch."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect
        self.active = False
        self.members: dict[_Key, dict[str, Any]] = {}
        self.state: dict[_Key, Any] = {}
        self.activity: list[dict[str, Any]] = []
        self.inbox: dict[str, datetime] = {}
        self.timers: dict[str, Any] = {}   # key -> the timer's row, or _DELETE
        self.recorded: set[str] = set()   # event ids the inbox already holds (read for the batch)
        self.flushes = 0

    def __bool__(self) -> bool:
        return bool(self.members or self.state or self.activity or self.inbox or self.timers)

    def member(self, member: Member) -> None:
        values = member_values(member)
        self.members[(values["platform"], values["community_id"], values["user_id"])] = values

    def put(self, community: CommunityRef, key: str, value: Any) -> None:
        self.state[(community.platform.value, community.id, key)] = value

    def delete(self, community: CommunityRef, key: str) -> None:
        self.state[(community.platform.value, community.id, key)] = _DELETE

    async def flush(self) -> None:
        """Send everything pending, one statement per table; the order within a table is kept."""
        if not self:
            return
        members, state, activity, inbox = self.members, self.state, self.activity, self.inbox
        timers = self.timers
        self.members, self.state, self.activity, self.inbox, self.timers = {}, {}, [], {}, {}
        sql = _Statements.of(self._dialect)
        execute = self._session.execute
        if inbox:
            self.recorded.update(inbox)
            await execute(sql.inbox, [{"event_id": e, "received_at": t} for e, t in inbox.items()])
        if members:
            await execute(sql.members, list(members.values()))
        puts = [
            {"platform": p, "community_id": c, "key": k, "value": v}
            for (p, c, k), v in state.items() if v is not _DELETE
        ]
        if puts:
            await execute(sql.state, puts)
        deletes = [{"p": p, "c": c, "k": k} for (p, c, k), v in state.items() if v is _DELETE]
        if deletes:
            await execute(sql.state_delete, deletes)
        if activity:
            await execute(sql.activity, activity)
        armed = [row for row in timers.values() if row is not _DELETE]
        if armed:
            await execute(sql.timers, armed)
        cancelled = [{"k": key} for key, row in timers.items() if row is _DELETE]
        if cancelled:
            await execute(sql.timer_delete, cancelled)
        self.flushes += 1

    def snapshot(self) -> tuple[Any, ...]:
        return (dict(self.members), dict(self.state), list(self.activity), dict(self.inbox),
                dict(self.timers))

    def restore(self, snapshot: tuple[Any, ...]) -> None:
        self.members, self.state = dict(snapshot[0]), dict(snapshot[1])
        self.activity, self.inbox, self.timers = list(snapshot[2]), dict(snapshot[3]), dict(snapshot[4])

    def discard(self) -> None:
        self.members, self.state, self.activity, self.inbox, self.timers = {}, {}, [], {}, {}
        self.recorded = set()
        self.active = False

    async def begin(self, event_ids: Iterable[str], users: Iterable[tuple[CommunityRef, UserRef]],
                    identity: IdentityMap) -> None:
        """Start buffering for a batch: read its event ids' inbox records and its members at once."""
        self.active = True
        ids = list(dict.fromkeys(event_ids))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            found = await self._session.scalars(select(INBOX.c.event_id).where(INBOX.c.event_id.in_(chunk)))
            self.recorded.update(found)
        by_community: dict[CommunityRef, set[str]] = {}
        for community, user in users:
            if not identity.members.has(community, user.id):
                by_community.setdefault(community, set()).add(user.id)
        for community, user_ids in by_community.items():
            wanted = sorted(user_ids)
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start:start + _CHUNK]
                rows = await self._session.execute(
                    select(MEMBERS).where(in_community(MEMBERS, community), MEMBERS.c.user_id.in_(chunk))
                )
                read = {row.user_id: member_from_row(row, community) for row in rows}
                for user_id in chunk:
                    identity.members.learn(community, user_id, read.get(user_id))


class FlushingSession:
    """The unit of work's session as every other repository sees it: flushes before each statement."""

    def __init__(self, session: AsyncSession, pending: Pending) -> None:
        self._session = session
        self._pending = pending

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        await self._pending.flush()
        return await self._session.execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        await self._pending.flush()
        return await self._session.scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        await self._pending.flush()
        return await self._session.scalars(*args, **kwargs)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        await self._pending.flush()
        return await self._session.stream(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def as_session(self) -> AsyncSession:
        return cast(AsyncSession, self)


class _WritesBehind:
    """A repository whose statements run through the flushing session, beside the pending writes."""

    def __init__(self, session: FlushingSession, pending: Pending, *, dialect: str) -> None:
        super().__init__(session.as_session(), dialect=dialect)  # type: ignore[call-arg]
        self._pending = pending


class BufferedActivityRepository(_WritesBehind, SqlActivityRepository):
    """Activity records join the batch's pending writes; every query flushes them first."""


    async def add(self, record: ActivityRecord) -> None:
        if self._pending.active:
            self._pending.activity.append(activity_values(record))
        else:
            await super().add(record)


class BufferedInboxRepository(_WritesBehind, SqlInboxRepository):
    """In a batch, an event id is checked against the ids read for the batch and inserted at flush."""


    async def record(self, event_id: str, *, now: datetime) -> bool:
        pending = self._pending
        if not pending.active:
            return await super().record(event_id, now=now)
        if event_id in pending.recorded or event_id in pending.inbox:
            return False
        pending.inbox[event_id] = now
        return True


class BufferedTimerRepository(_WritesBehind, SqlTimerRepository):
    """In a batch, arming and cancelling a timer wait for the flush; reading one flushes first."""


    async def set(self, timer: Timer) -> None:
        if self._pending.active:
            self._pending.timers[timer.key] = timer_values(timer)
        else:
            await super().set(timer)

    async def cancel(self, key: str) -> None:
        if self._pending.active:
            self._pending.timers[key] = _DELETE
        else:
            await super().cancel(key)
