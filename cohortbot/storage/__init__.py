"""Storage: SQLAlchemy 2 (async) tables, repositories, the unit of work, Alembic migrations.

The composition root builds one :class:`Database` per process::

    db = Database(settings.database_url)
    await db.upgrade()                      # apply migrations (idempotent)
    async with db.unit_of_work() as uow:    # one transaction
        ...
        await uow.commit()
    await db.dispose()

For unit tests, :class:`MemoryStore` is the same port without a database:
``MemoryStore().unit_of_work`` stands in for ``db.unit_of_work``.
"""

from __future__ import annotations

from cohortbot.storage.database import Database
from cohortbot.storage.memory import MemoryStore, MemoryUnitOfWork
from cohortbot.storage.unit_of_work import SqlUnitOfWork

__all__ = ["Database", "MemoryStore", "MemoryUnitOfWork", "SqlUnitOfWork"]
