"""Delivery outcomes written together: one transaction for every outcome waiting to be written.

The deliverer keeps up to a hundred rows in flight, and each ends with a write (delivered,
to be retried, parked). One transaction each would put as many writers on the database at
once, and on SQLite, whose single write lock goes to whoever asks when it frees, not first
come first served, some wait past the busy timeout. Here a writer takes every outcome waiting
at that moment into one transaction; the outcomes that arrive while it commits go in the
next one. A failed transaction is retried one outcome at a time, so a write that cannot
succeed fails only its own caller (who retries it, ``Deliverer._record``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["OutcomeWriter"]

Write = Callable[[Any], Awaitable[object]]


class OutcomeWriter:
    def __init__(self, unit_of_work: Callable[[], Any]) -> None:
        self._uow = unit_of_work
        self._waiting: list[tuple[Write, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # committed or attempted (for benchmarks)

    async def write(self, write: Write) -> None:
        """Run ``write(uow)`` in a transaction shared with the other outcomes waiting now."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="delivery outcomes")
        await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._commit([write for write, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][1], exc)
                    continue
                for write, done in batch:  # find the one that fails; the others succeed
                    try:
                        await self._commit([write])
                    except Exception as alone:
                        _settle(done, alone)
                    else:
                        _settle(done, None)
            else:
                for _, done in batch:
                    _settle(done, None)

    async def _commit(self, writes: list[Write]) -> None:
        self.transactions += 1
        async with self._uow() as uow:
            for write in writes:
                await write(uow)
            await uow.commit()


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():  # its caller was cancelled
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
