"""The identity map of a unit of work: a member row or a step document is read once per
transaction, reads see the transaction's own writes, and it never outlives what the database
holds (savepoints, rollbacks, the privacy repository's own writes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from cohortbot.playbook.ports import Erasure, Member
from cohortbot.storage import Database
from tests.storage.conftest import ADA, BOB, COMMUNITY, T0, Store

ADA_MEMBER = Member(community=COMMUNITY, user=ADA, display_name="Ada", joined_at=T0, data={"core": {"n": 1}})


class Failed(Exception):
    pass


def selects(db: Database) -> Counter[str]:
    """SELECTs the database runs, by table."""
    seen: Counter[str] = Counter()

    def count(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        words = statement.split()
        if words[0].upper() == "SELECT":
            seen[words[words.index("FROM") + 1]] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def test_a_member_and_a_document_are_read_once_per_transaction(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.members.save(ADA_MEMBER)
        await uow.state.put(COMMUNITY, "champions.post.m1", {"a": "ada"})
        await uow.commit()
    seen = selects(db)
    async with db.unit_of_work() as uow:
        for _ in range(3):
            assert await uow.members.get(COMMUNITY, ADA) == ADA_MEMBER
            assert await uow.members.get(COMMUNITY, BOB) is None
            assert await uow.state.get(COMMUNITY, "champions.post.m1") == {"a": "ada"}
            assert await uow.state.get(COMMUNITY, "champions.post.m2") is None
    assert seen == {"members": 2, "state": 2}
    async with db.unit_of_work() as uow:  # a new transaction reads afresh
        await uow.members.get(COMMUNITY, ADA)
    assert seen["members"] == 3


async def test_a_write_of_what_is_stored_is_skipped(db: Database) -> None:
    writes: list[str] = []
    event.listen(
        db.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_r: writes.append(statement) if statement.startswith("INSERT") else None,
    )
    async with db.unit_of_work() as uow:
        await uow.members.save(ADA_MEMBER)
        await uow.members.save(replace(ADA_MEMBER, data={"core": {"n": 1}}))  # equal: no statement
        await uow.state.put(COMMUNITY, "k", {"n": 1})
        await uow.state.put(COMMUNITY, "k", {"n": 1})
        await uow.commit()
    assert len(writes) == 2


async def test_reads_see_the_transactions_own_writes_and_hand_out_copies(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.members.get(COMMUNITY, ADA) is None
        await uow.members.save(ADA_MEMBER)
        got = await uow.members.get(COMMUNITY, ADA)
        assert got == ADA_MEMBER
        got.data["core"]["n"] = 99  # changed but not saved: the store doesn't see it
        got.display_name = "Someone else"
        assert await uow.members.get(COMMUNITY, ADA) == ADA_MEMBER
        saved = replace(ADA_MEMBER, last_active_at=T0 + timedelta(hours=1), data={"core": {"n": 2}})
        await uow.members.save(saved)
        saved.data["core"]["n"] = 3  # changing what was saved changes nothing stored either
        again = await uow.members.get(COMMUNITY, ADA)
        assert again is not None and again.data == {"core": {"n": 2}}
        await uow.state.put(COMMUNITY, "doc", {"posts": ("m1",)})
        assert await uow.state.get(COMMUNITY, "doc") == {"posts": ["m1"]}  # as a database gives it back
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.members.get(COMMUNITY, ADA)
    assert stored is not None and stored.data == {"core": {"n": 2}}
    assert stored.last_active_at == T0 + timedelta(hours=1)


async def test_a_failed_savepoint_takes_its_writes_out_of_the_map_too(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.save(ADA_MEMBER)
        await uow.state.put(COMMUNITY, "doc", {"n": 1})
        with pytest.raises(Failed):
            async with uow.savepoint():
                await uow.members.save(replace(ADA_MEMBER, display_name="Changed"))
                await uow.members.save(replace(ADA_MEMBER, user=BOB))
                await uow.state.put(COMMUNITY, "doc", {"n": 2})
                await uow.state.delete(COMMUNITY, "other")
                raise Failed
        assert await uow.members.get(COMMUNITY, ADA) == ADA_MEMBER
        assert await uow.members.get(COMMUNITY, BOB) is None
        assert await uow.state.get(COMMUNITY, "doc") == {"n": 1}
        async with uow.savepoint():  # a savepoint that succeeds keeps what it wrote
            await uow.state.put(COMMUNITY, "doc", {"n": 3})
        assert await uow.state.get(COMMUNITY, "doc") == {"n": 3}
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "doc") == {"n": 3}
        assert await uow.members.get(COMMUNITY, BOB) is None


async def test_deleted_and_forgotten_members_are_not_served_from_the_map(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.save(ADA_MEMBER)
        await uow.members.save(replace(ADA_MEMBER, user=BOB))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.members.get(COMMUNITY, ADA) is not None
        assert await uow.members.get(COMMUNITY, BOB) is not None
        await uow.privacy.forget(Erasure(community=COMMUNITY, user=ADA, names=("Ada",), pseudonym="ps-ada"))
        assert await uow.members.get(COMMUNITY, ADA) is None
        assert await uow.members.delete(COMMUNITY, BOB)
        assert await uow.members.get(COMMUNITY, BOB) is None
        await uow.members.save(replace(ADA_MEMBER, user=BOB))  # back: a write after a delete is written
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.members.get(COMMUNITY, BOB) is not None


async def test_a_rolled_back_transaction_leaves_nothing_in_the_map(store: Store) -> None:
    uow = store.unit_of_work()
    async with uow:
        await uow.members.save(ADA_MEMBER)
        await uow.rollback()
        assert await uow.members.get(COMMUNITY, ADA) is None
