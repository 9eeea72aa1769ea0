"""Questions indexed on their own: the report counts them without reading every record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10

The report reads the questions asked since the previous period one by one, and counts those
asked since the cohort's start (the goals' answered rate). Found through the ``(…, at)`` index,
every record of the range was read to keep the few percent that are questions; a partial index
``(platform, community_id, at) WHERE is_question`` holds only the questions (small, and nothing
to maintain for the other records). SQLite and PostgreSQL both support partial indexes; SQLite
uses one only when the query's WHERE has the index's condition as written (``is_question = 1``,
which is how SQLAlchemy tests a boolean there).

Schema only, no data changes. Downgrade drops the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

__all__ = ["branch_labels", "depends_on", "down_revision", "downgrade", "revision", "upgrade"]

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_activity_questions"


def upgrade() -> None:
    # Each in the form the queries test it (SQLite matches a partial index's WHERE by its terms).
    op.create_index(
        NAME,
        "activity",
        ["platform", "community_id", "at"],
        sqlite_where=sa.text("is_question = 1"),
        postgresql_where=sa.text("is_question"),
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="activity")
