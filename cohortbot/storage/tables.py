"""The database schema, as SQLAlchemy 2 declarative tables.

These classes describe the schema (and feed Alembic's schema comparison); the repositories
query them with Core statements over ``Model.__table__`` so no ORM object, identity map or
lazy load ever leaves storage. Every timestamp is a :class:`~storage.types.UTCDateTime`.

No foreign keys between tables on purpose: events arrive in any order (a member can be seen
before their community is), and deleting a member's data must not cascade into the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cohortbot.storage.types import JSONType, UTCDateTime, id_type

__all__ = [
    "ActivityRow",
    "Base",
    "ClaimRow",
    "CommunityRow",
    "InboxRow",
    "MemberRow",
    "OutboxRow",
    "StateRow",
    "TimerRow",
    "metadata",
]

# Deterministic constraint names, so migrations can refer to (and later drop) them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


metadata = Base.metadata


class CommunityRow(Base):
    __tablename__ = "communities"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, default="")
    playbook: Mapped[str] = mapped_column(String, default="")
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "community_id", "user_id"),)

    id: Mapped[int] = mapped_column(id_type(), primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str] = mapped_column(String)
    user_id: Mapped[str] = mapped_column(String)
    user_name: Mapped[str] = mapped_column(String, default="")
    display_name: Mapped[str] = mapped_column(String, default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    join_count: Mapped[int] = mapped_column(Integer, default=0)
    welcomed_at: Mapped[datetime | None]
    onboarded_at: Mapped[datetime | None]
    introduced_at: Mapped[datetime | None]
    first_post_at: Mapped[datetime | None]
    last_active_at: Mapped[datetime | None]
    analytics_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]]


class ActivityRow(Base):
    """One message, reply or reaction: who, where, when, never what (no message text)."""

    __tablename__ = "activity"
    __table_args__ = (
        Index(None, "platform", "community_id", "at"),
        # Erasing one member's data ("/cohort privacy delete") must not scan the table, and a
        # report finds a newcomer's first records from their join on (user, then time).
        Index(None, "platform", "community_id", "user_id", "at"),
        # A report finds each question's first reply after it: in its thread, or to the asker
        # (by time, so the first reply after the question is the next index entry).
        Index(None, "platform", "community_id", "thread_id", "at"),
        Index(None, "platform", "community_id", "reply_to_user_id", "at"),
        # The questions alone (a few percent of the records), for the report (migration 0005).
        Index(
            "ix_activity_questions",
            "platform",
            "community_id",
            "at",
            sqlite_where=text("is_question = 1"),  # as SQLAlchemy writes the test on SQLite
            postgresql_where=text("is_question"),
        ),
    )

    id: Mapped[int] = mapped_column(id_type(), primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str] = mapped_column(String)
    user_id: Mapped[str] = mapped_column(String)
    channel_id: Mapped[str | None] = mapped_column(String)
    channel_name: Mapped[str | None] = mapped_column(String)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String, default="")
    thread_id: Mapped[str] = mapped_column(String, default="")
    reply_to_user_id: Mapped[str | None] = mapped_column(String)
    length: Mapped[int] = mapped_column(Integer, default=0)
    is_question: Mapped[bool] = mapped_column(Boolean, default=False)
    sentiment: Mapped[float | None] = mapped_column(Float)


class StateRow(Base):
    __tablename__ = "state"
    __table_args__ = (UniqueConstraint("platform", "community_id", "key"),)

    id: Mapped[int] = mapped_column(id_type(), primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str] = mapped_column(String)
    key: Mapped[str] = mapped_column(String)
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)


class TimerRow(Base):
    __tablename__ = "timers"
    # Serves both due() (fired_at IS NULL AND due_at <= now ORDER BY due_at) and next_due().
    __table_args__ = (Index(None, "fired_at", "due_at"),)

    id: Mapped[int] = mapped_column(id_type(), primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str] = mapped_column(String)
    due_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    subject_user_id: Mapped[str | None] = mapped_column(String)
    subject_user_name: Mapped[str | None] = mapped_column(String)
    data: Mapped[dict[str, Any]]
    fired_at: Mapped[datetime | None]


class InboxRow(Base):
    """Platform event ids already processed: a replayed or retried event is dropped."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)   # indexed for pruning


class OutboxRow(Base):
    """A decided action waiting for (or done with) delivery. ``key`` is its idempotency key."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(id_type(), primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))       # pending | delivered | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failed_at: Mapped[datetime | None]                # the "when" of OutboxStats.last_errors
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class ClaimRow(Base):
    """One schedule occurrence, claimed once across all processes by the unique constraint."""

    __tablename__ = "schedule_claims"
    __table_args__ = (UniqueConstraint("platform", "community_id", "schedule", "occurrence"),)

    id: Mapped[int] = mapped_column(id_type(), primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str] = mapped_column(String)
    schedule: Mapped[str] = mapped_column(String)
    occurrence: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime]
