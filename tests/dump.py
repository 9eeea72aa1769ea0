"""Read back everything a store holds, table by table: for tests that look for what must not be there."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from cohortbot.storage.database import Database
from cohortbot.storage.memory import MemoryStore
from cohortbot.storage.tables import metadata

__all__ = ["stored_text", "table_rows"]

# The in-memory store's tables by their SQL names (it keeps the outbox keys' index apart).
_MEMORY_NAMES = {"schedule_claims": ["claims"], "outbox": ["outbox", "outbox_keys"]}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


async def table_rows(store: Database | MemoryStore, table: str) -> list[dict[str, Any]]:
    """Every row of one table (by its SQL name), as plain dicts; the in-memory store's row keys too."""
    if isinstance(store, MemoryStore):
        rows: list[dict[str, Any]] = []
        for name in _MEMORY_NAMES.get(table, [table]):
            for key, row in store._tables[name].items():
                values = dict(row) if isinstance(row, dict) else {"value": row}
                rows.append(_plain({"_key": key, **values}))
        return rows
    async with store.engine.connect() as connection:
        result = await connection.execute(select(metadata.tables[table]))
        return [_plain(dict(row._mapping)) for row in result]


async def stored_text(store: Database | MemoryStore) -> str:
    """Every row of every table as JSON lines: one text to search for what must not be stored."""
    lines = []
    for table in metadata.sorted_tables:
        for row in await table_rows(store, table.name):
            lines.append(json.dumps({"table": table.name, **row}, default=str, ensure_ascii=False))
    return "\n".join(lines)
