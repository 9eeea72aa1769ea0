"""The transactional outbox: de-duplication, leases, retries, parking, stats, requeue."""

from __future__ import annotations

from datetime import datetime, timedelta

from cohortbot.playbook.actions import GrantRole, PostMessage
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import OutboxItem
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform
from tests.storage.conftest import ADA, COMMUNITY, OTHER_COMMUNITY, T0, Store, set_outbox_kind

LEASE = 60.0


def grant(key: str, community: CommunityRef = COMMUNITY) -> GrantRole:
    return GrantRole(key=key, community=community, member=ADA, role="cohort-2026")


async def add(store: Store, *actions: GrantRole, now: datetime = T0) -> list[bool]:
    async with store.unit_of_work() as uow:
        added = [await uow.outbox.add(action, now=now) for action in actions]
        await uow.commit()
    return added


async def claim(store: Store, now: datetime = T0, limit: int = 10) -> list[int]:
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(now, limit=limit, lease_seconds=LEASE)
        await uow.commit()
    return [item.id for item in items]


async def test_an_action_round_trips_through_the_outbox(store: Store) -> None:
    post = PostMessage(
        key="prompt:guild-1:weekly:2026-03-02",
        community=COMMUNITY,
        channel=ChannelRef(Platform.DISCORD, name="general"),
        message=RichMessage(text="What did you build this week?"),
        notify=True,
    )
    async with store.unit_of_work() as uow:
        assert await uow.outbox.add(post, now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        [item] = await uow.outbox.claim_due(T0, limit=10, lease_seconds=LEASE)
    assert item.action == post and item.attempts == 0


async def test_a_duplicate_key_is_not_added_and_does_not_break_the_transaction(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.outbox.add(grant("welcome:guild-1:ada"), now=T0)
        assert not await uow.outbox.add(grant("welcome:guild-1:ada"), now=T0)
        await uow.state.put(COMMUNITY, "after-the-duplicate", True)   # the transaction lives on
        await uow.commit()
    assert await add(store, grant("welcome:guild-1:ada")) == [False]      # also across transactions
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "after-the-duplicate") is True
        assert (await uow.outbox.stats(COMMUNITY)).pending == 1


async def test_a_delivered_key_still_collapses_a_late_duplicate(store: Store) -> None:
    await add(store, grant("k"))
    [item_id] = await claim(store)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_delivered(item_id, now=T0, result={"ok": True})
        await uow.commit()
    assert await add(store, grant("k")) == [False]


async def test_claim_due_hands_out_due_rows_oldest_first_up_to_the_limit(store: Store) -> None:
    await add(store, grant("later"), now=T0 + timedelta(minutes=5))
    await add(store, grant("a"), grant("b"), grant("c"))
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(T0, limit=2, lease_seconds=LEASE)
        await uow.commit()
    assert [i.action.key for i in items] == ["a", "b"]
    assert [i.action.key for i in await _claim_items(store, T0)] == ["c"]   # "later" is not due yet


async def _claim_items(store: Store, now: datetime) -> list[OutboxItem]:
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(now, limit=10, lease_seconds=LEASE)
        await uow.commit()
    return items


async def test_a_claimed_row_is_not_handed_out_again_until_its_lease_expires(store: Store) -> None:
    await add(store, grant("k"))
    [item_id] = await claim(store, T0)
    assert await claim(store, T0) == []
    assert await claim(store, T0 + timedelta(seconds=LEASE - 1)) == []
    # The deliverer crashed without marking it: the row comes back once the lease is over.
    assert await claim(store, T0 + timedelta(seconds=LEASE)) == [item_id]


async def test_claim_due_with_a_zero_limit_claims_nothing(store: Store) -> None:
    await add(store, grant("k"))
    assert await claim(store, limit=0) == []
    assert await claim(store) != []


async def test_a_delivered_row_is_never_handed_out_again(store: Store) -> None:
    await add(store, grant("k"))
    [item_id] = await claim(store)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_delivered(item_id, now=T0, result={"message_id": "m-1"})
        await uow.commit()
    assert await claim(store, T0 + timedelta(days=1)) == []
    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(COMMUNITY)
        assert await uow.outbox.next_due() is None
    assert (stats.pending, stats.delivered, stats.parked) == (0, 1, 0)


async def test_a_failed_attempt_is_retried_at_retry_at_and_counted(store: Store) -> None:
    await add(store, grant("k"))
    [item_id] = await claim(store)
    retry_at = T0 + timedelta(seconds=30)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_failed(item_id, now=T0, error="HTTP 503", retry_at=retry_at)
        await uow.commit()
    assert await claim(store, retry_at - timedelta(seconds=1)) == []
    async with store.unit_of_work() as uow:
        assert await uow.outbox.next_due() == retry_at
        [item] = await uow.outbox.claim_due(retry_at, limit=10, lease_seconds=LEASE)
        stats = await uow.outbox.stats(COMMUNITY)
    assert item.attempts == 1
    assert stats.last_errors == (("k", "HTTP 503", T0),)   # failing rows show their last error


async def test_next_due_accounts_for_a_running_lease(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.outbox.next_due() is None
    await add(store, grant("k"))
    async with store.unit_of_work() as uow:
        assert await uow.outbox.next_due() == T0
    await claim(store, T0)
    async with store.unit_of_work() as uow:
        assert await uow.outbox.next_due() == T0 + timedelta(seconds=LEASE)


async def test_a_parked_row_stays_visible_in_stats_and_is_not_retried(store: Store) -> None:
    await add(store, grant("a"), grant("b"), grant("c"))
    await add(store, grant("elsewhere", OTHER_COMMUNITY))
    a, b, c = await claim(store, limit=3)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_failed(a, now=T0, error="403 Missing Permissions", retry_at=None)
        await uow.outbox.mark_failed(b, now=T0 + timedelta(seconds=1), error="timeout", retry_at=T0)
        await uow.outbox.mark_delivered(c, now=T0, result={})
        await uow.commit()
    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(COMMUNITY)
        items = await uow.outbox.claim_due(T0 + timedelta(days=30), limit=10, lease_seconds=LEASE)
    assert (stats.pending, stats.parked, stats.delivered) == (1, 1, 1)
    assert stats.last_errors == (
        ("b", "timeout", T0 + timedelta(seconds=1)),
        ("a", "403 Missing Permissions", T0),
    )
    assert [i.action.key for i in items] == ["b", "elsewhere"]   # never the parked one


async def test_stats_keep_only_the_last_five_errors(store: Store) -> None:
    keys = [f"k{n}" for n in range(7)]
    await add(store, *(grant(k) for k in keys))
    ids = await claim(store)
    async with store.unit_of_work() as uow:
        for n, item_id in enumerate(ids):
            await uow.outbox.mark_failed(item_id, now=T0 + timedelta(seconds=n), error=f"e{n}", retry_at=None)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(COMMUNITY)
    assert stats.parked == 7
    assert [error for _, error, _ in stats.last_errors] == ["e6", "e5", "e4", "e3", "e2"]


async def test_requeue_puts_a_communitys_parked_rows_back_with_attempts_reset(store: Store) -> None:
    await add(store, grant("mine"), grant("theirs", OTHER_COMMUNITY))
    ids = await claim(store)
    async with store.unit_of_work() as uow:
        for item_id in ids:
            await uow.outbox.mark_failed(item_id, now=T0, error="boom", retry_at=None)
        await uow.commit()
    later = T0 + timedelta(hours=1)
    async with store.unit_of_work() as uow:
        assert await uow.outbox.requeue_parked(COMMUNITY, now=later) == 1
        assert await uow.outbox.requeue_parked(COMMUNITY, now=later) == 0
        await uow.commit()
    async with store.unit_of_work() as uow:
        [item] = await uow.outbox.claim_due(later, limit=10, lease_seconds=LEASE)
        mine, theirs = await uow.outbox.stats(COMMUNITY), await uow.outbox.stats(OTHER_COMMUNITY)
    assert (item.action.key, item.attempts) == ("mine", 0)
    assert (mine.pending, mine.parked, mine.last_errors) == (1, 0, ())
    assert theirs.parked == 1


async def test_a_row_this_version_cannot_decode_is_parked_not_retried_forever(store: Store) -> None:
    await add(store, grant("broken"), grant("fine"))
    await set_outbox_kind(store, "broken", "Teleport")
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(T0, limit=10, lease_seconds=LEASE)
        await uow.commit()
    assert [i.action.key for i in items] == ["fine"]
    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(COMMUNITY)
    assert stats.parked == 1 and "Teleport" in stats.last_errors[0][1]


async def _claim_in(store: Store, scope: dict[str, frozenset[str] | None]) -> list[str]:
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(T0, limit=10, lease_seconds=LEASE, scope=scope)
        await uow.commit()
    return [item.action.key for item in items]


async def test_a_deliverer_claims_only_the_communities_it_serves(store: Store) -> None:
    # Discord shards: a process holds only some servers; the rows of the others wait for theirs.
    other_shard = CommunityRef(Platform.DISCORD, "guild-2")
    await add(store, grant("ours"), grant("theirs", other_shard), grant("slack", OTHER_COMMUNITY))
    platform = COMMUNITY.platform.value
    assert await _claim_in(store, {platform: frozenset()}) == []
    assert await _claim_in(store, {platform: frozenset({COMMUNITY.id})}) == ["ours"]
    assert await _claim_in(store, {"slack": None}) == ["slack"]
    assert await _claim_in(store, {platform: None}) == ["theirs"]


async def test_a_row_whose_lease_ran_out_comes_back_marked_resumed(store: Store) -> None:
    # The deliverer that claimed it died before recording an outcome: it may have been sent.
    await add(store, grant("k"), grant("fresh"))
    async with store.unit_of_work() as uow:
        first = await uow.outbox.claim_due(T0, limit=1, lease_seconds=LEASE)
        await uow.commit()
    later = T0 + timedelta(seconds=LEASE)
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(later, limit=10, lease_seconds=LEASE)
        await uow.commit()
    assert [(i.action.key, i.resumed) for i in items] == [("k", True), ("fresh", False)]
    assert [i.action.key for i in first] == ["k"]
