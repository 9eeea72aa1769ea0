"""Timers fire once; schedule occurrences are claimed once; the inbox drops duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cohortbot.playbook.ports import Timer
from tests.harness import Harness
from tests.storage.conftest import ADA, COMMUNITY, OTHER_COMMUNITY, T0, Store
from tests.unit.bot.test_scheduler import STEPS_WITH_TICK, playbook


def timer(key: str, due_in: timedelta, **data: object) -> Timer:
    return Timer(
        key=key,
        community=COMMUNITY,
        due_at=T0 + due_in,
        kind="welcome.follow_up",
        subject=ADA,
        data=dict(data),
    )


# -------------------------------------------------------------------------------- timers


async def test_a_timer_round_trips(store: Store) -> None:
    t = timer("welcome:guild-1:ada:day-3", timedelta(days=3), step=2)
    async with store.unit_of_work() as uow:
        await uow.timers.set(t)
        await uow.commit()
    async with store.unit_of_work() as uow:
        got = await uow.timers.get(t.key)
        assert await uow.timers.get("nope") is None
    assert got == t and got.subject is not None and got.subject.name == "ada"


async def test_due_lists_unfired_timers_due_by_now_in_due_order(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for key, minutes in [("c", 3), ("a", 1), ("future", 60), ("b", 2)]:
            await uow.timers.set(timer(key, timedelta(minutes=minutes)))
        await uow.commit()
    now = T0 + timedelta(minutes=3)
    async with store.unit_of_work() as uow:
        assert [t.key for t in await uow.timers.due(now)] == ["a", "b", "c"]
        assert [t.key for t in await uow.timers.due(now, limit=2)] == ["a", "b"]
        assert await uow.timers.claim("a", now=now)
        assert [t.key for t in await uow.timers.due(now)] == ["b", "c"]
        assert await uow.timers.next_due() == T0 + timedelta(minutes=2)


async def test_a_timer_is_claimed_exactly_once(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.timers.set(timer("k", timedelta(0)))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.timers.claim("k", now=T0)
        assert not await uow.timers.claim("k", now=T0)          # a replay in the same transaction
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert not await uow.timers.claim("k", now=T0)          # another process, later
        assert not await uow.timers.claim("missing", now=T0)
        assert await uow.timers.due(T0 + timedelta(days=1)) == []
        assert await uow.timers.next_due() is None


async def test_setting_a_timer_again_replaces_it_and_rearms_it(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.timers.set(timer("k", timedelta(0), v=1))
        assert await uow.timers.claim("k", now=T0)
        await uow.timers.set(timer("k", timedelta(hours=1), v=2))
        await uow.commit()
    async with store.unit_of_work() as uow:
        [due] = await uow.timers.due(T0 + timedelta(hours=1))
        assert (due.due_at, due.data) == (T0 + timedelta(hours=1), {"v": 2})
        assert await uow.timers.claim("k", now=T0)


async def test_a_cancelled_timer_never_fires(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.timers.set(timer("k", timedelta(0)))
        await uow.timers.cancel("k")
        await uow.timers.cancel("never-existed")
        assert await uow.timers.due(T0) == []
        assert not await uow.timers.claim("k", now=T0)


# ---------------------------------------------------------------------- schedule claims


async def test_an_occurrence_is_claimed_once_and_the_loser_carries_on(store: Store) -> None:
    occurrence = T0.replace(hour=9, minute=0)
    async with store.unit_of_work() as uow:
        assert await uow.claims.claim(COMMUNITY, "weekly-prompt", occurrence, status="posted", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert not await uow.claims.claim(COMMUNITY, "weekly-prompt", occurrence, status="missed", now=T0)
        await uow.state.put(COMMUNITY, "loser-transaction", "still usable")
        # The same occurrence is independent per schedule and per community.
        assert await uow.claims.claim(COMMUNITY, "daily-standup", occurrence, status="posted", now=T0)
        assert await uow.claims.claim(OTHER_COMMUNITY, "weekly-prompt", occurrence, status="posted", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "loser-transaction") == "still usable"
        assert await uow.claims.list(COMMUNITY) == [      # ties: the later claim first
            ("daily-standup", occurrence, "posted"),
            ("weekly-prompt", occurrence, "posted"),
        ]


async def test_last_is_the_newest_occurrence_of_a_schedule(store: Store) -> None:
    week = timedelta(days=7)
    async with store.unit_of_work() as uow:
        assert await uow.claims.last(COMMUNITY, "weekly") is None
        await uow.claims.claim(COMMUNITY, "weekly", T0 + week, status="posted", now=T0)
        await uow.claims.claim(COMMUNITY, "weekly", T0, status="missed", now=T0)
        await uow.claims.claim(COMMUNITY, "other", T0 + 3 * week, status="posted", now=T0)
        assert await uow.claims.last(COMMUNITY, "weekly") == T0 + week
        assert await uow.claims.last(OTHER_COMMUNITY, "weekly") is None


async def test_last_all_is_last_of_every_schedule_in_one_answer(store: Store) -> None:
    week = timedelta(days=7)
    async with store.unit_of_work() as uow:
        assert await uow.claims.last_all() == {}
        await uow.claims.claim(COMMUNITY, "weekly", T0 + week, status="posted", now=T0)
        await uow.claims.claim(COMMUNITY, "weekly", T0, status="missed", now=T0)
        await uow.claims.claim(COMMUNITY, "other", T0 + 3 * week, status="late", now=T0)
        await uow.claims.claim(OTHER_COMMUNITY, "weekly", T0 + 2 * week, status="posted", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.claims.last_all() == {
            (COMMUNITY, "weekly"): T0 + week,
            (COMMUNITY, "other"): T0 + 3 * week,
            (OTHER_COMMUNITY, "weekly"): T0 + 2 * week,
        }


async def test_claims_list_newest_first_filtered_by_status_and_since(store: Store) -> None:
    day = timedelta(days=1)
    async with store.unit_of_work() as uow:
        for n, status in enumerate(["posted", "missed", "posted", "posted"]):
            await uow.claims.claim(COMMUNITY, "daily", T0 + n * day, status=status, now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert [o for _, o, _ in await uow.claims.list(COMMUNITY)] == [T0 + n * day for n in (3, 2, 1, 0)]
        assert await uow.claims.list(COMMUNITY, status="missed") == [("daily", T0 + day, "missed")]
        assert [o for _, o, _ in await uow.claims.list(COMMUNITY, status="posted", since=T0 + 2 * day)] == [
            T0 + 3 * day,
            T0 + 2 * day,
        ]


async def test_a_community_keeps_the_time_it_was_first_seen(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.communities.first_seen(COMMUNITY) is None
        await uow.communities.seen(COMMUNITY, playbook="p", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:  # seen again later (a restart, another process)
        await uow.communities.seen(COMMUNITY, playbook="p2", now=T0 + timedelta(days=2))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.communities.first_seen(COMMUNITY) == T0
        assert await uow.communities.first_seen(OTHER_COMMUNITY) is None


async def test_a_fresh_database_fires_and_misses_nothing_from_before_the_community_was_seen(
    store: Store, tmp_path: Path
) -> None:
    start = datetime(2026, 5, 4, 12, 20, tzinfo=UTC)
    bot = await Harness.start(
        tmp_path, playbook(cron="0 * * * *", grace="12h"), steps=STEPS_WITH_TICK, start=start, database=store
    )
    try:
        await bot.join("alice")  # first sight at 12:20; 00:20-12:00 lie inside the grace
        await bot.runtime.scheduler.run_due()
        await bot.advance("50m")
        bot.clock.set(datetime(2026, 5, 4, 16, 10, tzinfo=UTC))  # down 13:10-16:10
        await bot.runtime.scheduler.run_due()
        await bot.runtime.settle()
        async with store.unit_of_work() as uow:
            claims = await uow.claims.list(bot.community)
        assert sorted((when.hour, status) for _, when, status in claims) == [
            (13, "fired"),
            (14, "missed"),
            (15, "missed"),
            (16, "late"),  # the latest, inside its grace: posted 10 minutes late, once
        ]
    finally:
        await bot.close()


# --------------------------------------------------------------------------------- inbox


async def test_the_inbox_recognises_an_event_it_has_processed(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.inbox.record("discord:msg:1", now=T0)
        assert not await uow.inbox.record("discord:msg:1", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert not await uow.inbox.record("discord:msg:1", now=T0 + timedelta(hours=1))
        assert await uow.inbox.record("discord:msg:2", now=T0)


async def test_an_event_from_a_rolled_back_transaction_is_not_remembered(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.inbox.record("evt", now=T0)
    async with store.unit_of_work() as uow:    # the handling failed: a redelivery gets processed
        assert await uow.inbox.record("evt", now=T0)


async def test_pruning_the_inbox_forgets_only_old_event_ids(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.inbox.record("old", now=T0 - timedelta(days=8))
        await uow.inbox.record("recent", now=T0)
        await uow.commit()
    assert await store.prune_inbox(before=T0 - timedelta(days=7)) == 1
    async with store.unit_of_work() as uow:
        assert await uow.inbox.record("old", now=T0)
        assert not await uow.inbox.record("recent", now=T0)


async def test_first_seen_all_is_first_seen_of_every_community_in_one_answer(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.communities.first_seen_all() == {}
        await uow.communities.seen(COMMUNITY, playbook="p", now=T0)
        await uow.communities.seen(OTHER_COMMUNITY, playbook="p", now=T0 + timedelta(hours=1))
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.communities.seen(COMMUNITY, playbook="p", now=T0 + timedelta(days=2))
        assert await uow.communities.first_seen_all() == {
            COMMUNITY: T0,
            OTHER_COMMUNITY: T0 + timedelta(hours=1),
        }
