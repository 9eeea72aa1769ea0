"""A private action (one member's personal data, e.g. their data export) leaves no trace once sent."""

from __future__ import annotations

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.messages import Attachment, RichMessage
from tests.dump import table_rows
from tests.storage.conftest import ADA, COMMUNITY, T0, Store


def export_dm(key: str, *, private: bool) -> SendDirectMessage:
    return SendDirectMessage(
        key=key,
        community=COMMUNITY,
        to=ADA,
        message=RichMessage(
            text="your data",
            attachments=(Attachment(filename="mine.json", content_type="application/json", data=b"{}"),),
        ),
        private=private,
    )


async def deliver(store: Store, action: SendDirectMessage) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.outbox.add(action, now=T0)
        [item] = await uow.outbox.claim_due(T0, limit=10, lease_seconds=60)
        assert item.action == action  # pending, it is whole: it must still be sent
        await uow.outbox.mark_delivered(item.id, now=T0, result={"channel": "dm-1"}, erase=action.private)
        await uow.commit()


async def test_a_delivered_private_action_keeps_neither_payload_nor_plain_key(store: Store) -> None:
    await deliver(store, export_dm(f"privacy:export:{ADA.id}", private=True))
    rows = await table_rows(store, "outbox")  # the in-memory store adds its key index
    [row] = [r for r in rows if "status" in r]
    assert ADA.id not in str(rows) and "mine.json" not in str(rows)
    assert row["status"] == "delivered"
    async with store.unit_of_work() as uow:
        assert (await uow.outbox.stats(COMMUNITY)).delivered == 1


async def test_an_ordinary_action_is_kept_whole_after_delivery(store: Store) -> None:
    await deliver(store, export_dm(f"privacy:export:{ADA.id}", private=False))
    [row] = [r for r in await table_rows(store, "outbox") if "status" in r]
    assert ADA.id in str(row) and "mine.json" in str(row)
