"""The outbox at a glance for /metrics: pending, parked and the oldest pending row's decision time,
over every community, the same on memory, SQLite and PostgreSQL; a claimed row knows when it was decided."""

from __future__ import annotations

from datetime import timedelta

from cohortbot.playbook.actions import GrantRole
from cohortbot.playbook.ports import OutboxBacklog
from cohortbot.playbook.refs import CommunityRef
from tests.storage.conftest import ADA, COMMUNITY, OTHER_COMMUNITY, T0, Store


def grant(key: str, community: CommunityRef = COMMUNITY) -> GrantRole:
    return GrantRole(key=key, community=community, member=ADA, role="cohort-2026")


async def test_the_backlog_counts_pending_and_parked_rows_of_every_community_and_the_oldest_pending(
    store: Store,
) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.outbox.backlog() == OutboxBacklog(pending=0, parked=0, oldest_pending=None)
        await uow.outbox.add(grant("a"), now=T0)
        await uow.outbox.add(grant("b", OTHER_COMMUNITY), now=T0 + timedelta(minutes=1))
        await uow.outbox.add(grant("c"), now=T0 + timedelta(minutes=2))
        await uow.outbox.add(grant("d"), now=T0 + timedelta(minutes=3))
        await uow.commit()
    later = T0 + timedelta(minutes=5)
    async with store.unit_of_work() as uow:
        claimed = await uow.outbox.claim_due(later, limit=10, lease_seconds=60)
        items = {item.action.key: item for item in claimed}
        assert items["b"].created_at == T0 + timedelta(minutes=1)
        await uow.outbox.mark_delivered(items["a"].id, now=later, result={})
        await uow.outbox.mark_failed(items["c"].id, now=later, error="403", retry_at=None)
        await uow.commit()
    async with store.unit_of_work() as uow:
        backlog = await uow.outbox.backlog()
    assert backlog == OutboxBacklog(pending=2, parked=1, oldest_pending=T0 + timedelta(minutes=1))
    assert backlog.oldest_pending is not None and backlog.oldest_pending.utcoffset() == timedelta(0)
