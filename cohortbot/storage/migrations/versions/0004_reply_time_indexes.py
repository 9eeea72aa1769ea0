"""Reply indexes ordered by time: a question's first reply is one index seek.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09

The report asks, for each question, the first reply after it in its thread (``thread_id``) or
to the asker (``reply_to_user_id``). With 0003's indexes the database reads every reply to an
asker (all their questions' replies, over the whole history) and then filters by time; with
``at`` as the last column the first reply after the question is the next entry of the index.
``(platform, community_id, thread_id)`` becomes ``(platform, community_id, thread_id, at)`` and
``(platform, community_id, reply_to_user_id)`` becomes ``(…, reply_to_user_id, at)``: each
still serves every look-up the old one did (a prefix).

Schema only, no data changes; the same on SQLite and PostgreSQL. Downgrade restores 0003's
indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

__all__ = ["branch_labels", "depends_on", "down_revision", "downgrade", "revision", "upgrade"]

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = ["platform", "community_id"]


def upgrade() -> None:
    op.drop_index("ix_activity_platform_community_id_thread_id", table_name="activity")
    op.drop_index("ix_activity_platform_community_id_reply_to_user_id", table_name="activity")
    op.create_index("ix_activity_platform_community_id_thread_id_at", "activity", [*SCOPE, "thread_id", "at"])
    op.create_index(
        "ix_activity_platform_community_id_reply_to_user_id_at",
        "activity",
        [*SCOPE, "reply_to_user_id", "at"],
    )


def downgrade() -> None:
    op.drop_index("ix_activity_platform_community_id_reply_to_user_id_at", table_name="activity")
    op.drop_index("ix_activity_platform_community_id_thread_id_at", table_name="activity")
    op.create_index("ix_activity_platform_community_id_thread_id", "activity", [*SCOPE, "thread_id"])
    op.create_index(
        "ix_activity_platform_community_id_reply_to_user_id", "activity", [*SCOPE, "reply_to_user_id"]
    )
