"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time zone support: SQLAlchemy stores a DATETIME as text and drops ``tzinfo``.
The engine (and the design) insists that every stored time is timezone-aware UTC, so
:class:`UTCDateTime` normalises to UTC on the way in, stores naive UTC text on SQLite (the
fixed-width text sorts and compares correctly as a string), and re-attaches UTC on the way
out. PostgreSQL gets ``TIMESTAMP WITH TIME ZONE`` and values are converted to UTC as well,
so callers see the same thing on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["JSONType", "UTCDateTime", "id_type", "to_utc"]


def to_utc(value: datetime) -> datetime:
    """The aware UTC datetime storage keeps; naive datetimes are refused (they are bugs).

    Shared by the column type and the in-memory store, so both refuse the same values.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive value would silently be read back as UTC even if it meant local time.
        raise ValueError("naive datetime given to storage; pass a timezone-aware UTC datetime")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend; naive datetimes are refused (they are bugs)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = to_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json_type() -> TypeEngine[Any]:
    # JSONB on PostgreSQL: compact, comparable, indexable; plain JSON (text) elsewhere.
    return JSON().with_variant(JSONB(), "postgresql")


JSONType: TypeEngine[Any] = _json_type()


def id_type() -> TypeEngine[int]:
    """A 64-bit surrogate key that still autoincrements on SQLite.

    SQLite only autoincrements an ``INTEGER PRIMARY KEY`` (BIGINT would not become the rowid).
    """
    return BigInteger().with_variant(Integer(), "sqlite")
