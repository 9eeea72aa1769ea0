"""Alembic environment for cohortbot (async engines, SQLite and PostgreSQL).

Two ways in:

- ``Database.upgrade()`` passes an open connection in ``config.attributes["connection"]``;
  the migrations run on it, inside the caller's transaction.
- The ``alembic`` command line (for writing new revisions):
  ``alembic -c storage/alembic.ini -x url=sqlite+aiosqlite:///dev.db revision --autogenerate -m ...``
  (the URL may also come from ``COHORTBOT_DATABASE_URL``). The engine is built by
  ``storage.database.Database`` so SQLite gets the same connection set-up as the bot.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection

from cohortbot.storage.tables import metadata

config = context.config


def _url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("COHORTBOT_DATABASE_URL")
    )
    if not url:
        raise SystemExit("no database URL: pass -x url=... or set COHORTBOT_DATABASE_URL")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: future revisions rebuild tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: str) -> None:
    from cohortbot.storage.database import Database  # imported late: env.py is also loaded by Database

    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await database.dispose()


def _run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    asyncio.run(_run_with_url(_url()))
