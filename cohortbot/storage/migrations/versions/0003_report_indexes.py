"""Report indexes: a question's replies (thread, reply-to) and a member's records by time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

The health report asks the database for aggregates (``storage/aggregates.py``) instead of
reading every activity row. Two of its questions need an index to stay fast over a million
rows: a question's first reply in its thread (``thread_id``) or to the asker
(``reply_to_user_id``), and a newcomer's first records from their join on, which the member
index answers once it also orders by time: ``(platform, community_id, user_id)`` becomes
``(platform, community_id, user_id, at)`` (it still serves erasing a member's data).

Schema only, no data changes; the same on SQLite and PostgreSQL. Downgrade restores 0002's
indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

__all__ = ["branch_labels", "depends_on", "down_revision", "downgrade", "revision", "upgrade"]

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = ["platform", "community_id"]


def upgrade() -> None:
    op.drop_index("ix_activity_platform_community_id_user_id", table_name="activity")
    op.create_index("ix_activity_platform_community_id_user_id_at", "activity", [*SCOPE, "user_id", "at"])
    op.create_index("ix_activity_platform_community_id_thread_id", "activity", [*SCOPE, "thread_id"])
    op.create_index(
        "ix_activity_platform_community_id_reply_to_user_id", "activity", [*SCOPE, "reply_to_user_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_activity_platform_community_id_reply_to_user_id", table_name="activity")
    op.drop_index("ix_activity_platform_community_id_thread_id", table_name="activity")
    op.drop_index("ix_activity_platform_community_id_user_id_at", table_name="activity")
    op.create_index("ix_activity_platform_community_id_user_id", "activity", [*SCOPE, "user_id"])
