"""Delivery outcomes: those waiting together are written in one transaction, a failing one alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import pytest

from cohortbot.bot.outcomes import OutcomeWriter


class Ledger:
    """A unit of work that keeps what each committed transaction wrote."""

    def __init__(self) -> None:
        self.committed: list[list[str]] = []

    def unit_of_work(self) -> Transaction:
        return Transaction(self)


class Transaction:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.writes: list[str] = []

    async def __aenter__(self) -> Transaction:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        await asyncio.sleep(0)  # a commit takes a while: outcomes keep arriving meanwhile
        self.ledger.committed.append(self.writes)


def _outcome(name: str) -> Callable[[Any], Awaitable[None]]:
    async def write(uow: Transaction) -> None:
        if name.startswith("bad"):
            raise ValueError(f"{name} cannot be written")
        uow.writes.append(name)

    return write


async def test_outcomes_waiting_together_share_one_transaction() -> None:
    ledger = Ledger()
    writer = OutcomeWriter(ledger.unit_of_work)
    await asyncio.gather(*(writer.write(_outcome(f"row{n}")) for n in range(30)))
    assert ledger.committed == [[f"row{n}" for n in range(30)]]
    # Those arriving while it commits go in the next transaction, not one each.
    first = asyncio.gather(*(writer.write(_outcome(f"a{n}")) for n in range(5)))
    await asyncio.sleep(0)
    await asyncio.gather(first, *(writer.write(_outcome(f"b{n}")) for n in range(5)))
    assert ledger.committed[1:] == [[f"a{n}" for n in range(5)], [f"b{n}" for n in range(5)]]


async def test_a_write_that_fails_fails_only_its_own_caller() -> None:
    ledger = Ledger()
    writer = OutcomeWriter(ledger.unit_of_work)
    results = await asyncio.gather(
        writer.write(_outcome("row1")), writer.write(_outcome("bad")), writer.write(_outcome("row2")),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert sorted(name for names in ledger.committed for name in names) == ["row1", "row2"]
    with pytest.raises(ValueError):
        await writer.write(_outcome("bad again"))
