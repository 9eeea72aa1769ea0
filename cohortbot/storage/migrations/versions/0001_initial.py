"""Initial schema: communities, members, activity, state, timers, inbox, outbox, schedule claims.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Written out by hand (not generated at run time) so the schema a database gets never depends
on the code that happens to be installed. Column types are spelled with plain SQLAlchemy
types: ``storage.types.UTCDateTime`` is a Python-side conversion over
``DateTime(timezone=True)`` and needs nothing in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

__all__ = ["branch_labels", "depends_on", "down_revision", "downgrade", "revision", "upgrade"]

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.types.TypeEngine[int]:
    # BIGINT, except on SQLite where only INTEGER PRIMARY KEY autoincrements.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _platform() -> sa.Column[str]:
    return sa.Column("platform", sa.String(16), nullable=False)


def upgrade() -> None:
    op.create_table(
        "communities",
        _platform(),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("playbook", sa.String(), nullable=False),
        _at("first_seen_at"),
        _at("last_seen_at"),
        sa.PrimaryKeyConstraint("platform", "id", name="pk_communities"),
    )

    op.create_table(
        "members",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        _platform(),
        sa.Column("community_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("user_name", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        _at("joined_at", nullable=True),
        _at("left_at", nullable=True),
        sa.Column("join_count", sa.Integer(), nullable=False),
        _at("welcomed_at", nullable=True),
        _at("onboarded_at", nullable=True),
        _at("introduced_at", nullable=True),
        _at("first_post_at", nullable=True),
        _at("last_active_at", nullable=True),
        sa.Column("analytics_opt_out", sa.Boolean(), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint(
            "platform", "community_id", "user_id", name="uq_members_platform_community_id_user_id"
        ),
    )

    op.create_table(
        "activity",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        _platform(),
        sa.Column("community_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("channel_name", sa.String(), nullable=True),
        _at("at"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("thread_id", sa.String(), nullable=False),
        sa.Column("reply_to_user_id", sa.String(), nullable=True),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("is_question", sa.Boolean(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
    )
    op.create_index("ix_activity_platform_community_id_at", "activity", ["platform", "community_id", "at"])
    op.create_index(
        "ix_activity_platform_community_id_user_id", "activity", ["platform", "community_id", "user_id"]
    )

    op.create_table(
        "state",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        _platform(),
        sa.Column("community_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_state"),
        sa.UniqueConstraint("platform", "community_id", "key", name="uq_state_platform_community_id_key"),
    )

    op.create_table(
        "timers",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        _platform(),
        sa.Column("community_id", sa.String(), nullable=False),
        _at("due_at"),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_user_id", sa.String(), nullable=True),
        sa.Column("subject_user_name", sa.String(), nullable=True),
        sa.Column("data", _json(), nullable=False),
        _at("fired_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_timers"),
        sa.UniqueConstraint("key", name="uq_timers_key"),
    )
    op.create_index("ix_timers_fired_at_due_at", "timers", ["fired_at", "due_at"])

    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(), nullable=False),
        _at("received_at"),
        sa.PrimaryKeyConstraint("event_id", name="pk_inbox"),
    )
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"])

    op.create_table(
        "outbox",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        _platform(),
        sa.Column("community_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _at("claimed_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("last_failed_at", nullable=True),
        sa.Column("result", _json(), nullable=True),
        _at("created_at"),
        _at("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "schedule_claims",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        _platform(),
        sa.Column("community_id", sa.String(), nullable=False),
        sa.Column("schedule", sa.String(), nullable=False),
        _at("occurrence"),
        sa.Column("status", sa.String(32), nullable=False),
        _at("claimed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_schedule_claims"),
        sa.UniqueConstraint(
            "platform",
            "community_id",
            "schedule",
            "occurrence",
            name="uq_schedule_claims_platform_community_id_schedule_occurrence",
        ),
    )


def downgrade() -> None:
    tables = ("schedule_claims", "outbox", "inbox", "timers", "state", "activity", "members", "communities")
    for table in tables:
        op.drop_table(table)
