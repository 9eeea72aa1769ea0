"""The activity aggregates reports read: the stores agree with ``analytics.records``.

``analytics.records`` computes each aggregate over the records in Python (the reference: the
metrics' hand-worked tests in ``tests/unit/analytics`` run on it). Here a generated community
(bots, opted-out members, newcomers, threads, replies to askers, channels known by name only,
by id only or not at all, times on day boundaries and a DST change) is stored, and every
store (memory, SQLite, PostgreSQL) must give the same answers.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cohortbot.playbook.analytics import records as reference
from cohortbot.playbook.analytics.metrics import day_starts
from cohortbot.playbook.ports import ActivityRecord, DayActivity, Member
from cohortbot.playbook.refs import ChannelRef, Platform, UserRef
from cohortbot.storage import Database
from cohortbot.storage.aggregates import CHUNK, each_row
from tests.storage.conftest import COMMUNITY, OTHER_COMMUNITY, Store

BERLIN = ZoneInfo("Europe/Berlin")  # summer time starts on 29 March 2026: a 23-hour day
FIRST = date(2026, 3, 10)
LAST = date(2026, 4, 18)
START = datetime.combine(FIRST, datetime.min.time(), tzinfo=BERLIN).astimezone(UTC)
WEEK = timedelta(days=7)
CHANNELS = (
    ChannelRef(Platform.DISCORD, "c-general", "general"),
    ChannelRef(Platform.DISCORD, "c-help", "help"),
    ChannelRef(Platform.DISCORD, "", "named-only"),
    ChannelRef(Platform.DISCORD, "c-id-only", ""),
    None,
)


def user(i: int) -> UserRef:
    return UserRef(Platform.DISCORD, f"u{i:03d}")


def generate(seed: int = 11) -> tuple[list[Member], list[ActivityRecord]]:
    rng = random.Random(seed)
    members = []
    for i in range(40):
        joined = (
            None if i % 9 == 0 else START + timedelta(days=rng.randrange(-10, 30), microseconds=123_456 * i)
        )
        if i in (10, 12):  # the newcomers whose second week starts on a record
            joined = START + timedelta(days=i / 3, microseconds=123_456 * i)
        members.append(
            Member(
                community=COMMUNITY,
                user=user(i),
                display_name=f"member {i}",
                is_bot=i in (1, 2),
                analytics_opt_out=i in (3, 4),
                joined_at=joined,
                left_at=START + timedelta(days=20) if i == 5 else None,
            )
        )
    records: list[ActivityRecord] = []
    span = (LAST - FIRST).days * 86_400

    def add(who: int, at: datetime, kind: str, **more: object) -> ActivityRecord:
        channel = more.pop("channel", rng.choice(CHANNELS))
        record = ActivityRecord(
            community=COMMUNITY,
            user=user(who),
            channel=channel,  # type: ignore[arg-type]
            at=at,
            kind=kind,
            message_id=f"m{len(records)}",
            sentiment=rng.choice([None, round(rng.uniform(-1, 1), 3)]),
            **more,  # type: ignore[arg-type]
        )
        records.append(record)
        return record

    for _ in range(1_400):
        at = START + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(1_000_000))
        who = rng.randrange(44)  # u040..u043 have no member row: they count
        roll = rng.random()
        if roll < 0.15:  # a question, answered (or not) in its thread or to the asker
            question = add(who, at, "message", is_question=True)
            for _ in range(rng.randrange(4)):
                later = at + timedelta(minutes=rng.randrange(-30, 600))
                replier = rng.choice([who, rng.randrange(44), 1, 3])  # self, anyone, a bot, opted out
                if rng.random() < 0.5:
                    add(replier, later, "reply", thread_id=question.message_id, channel=question.channel)
                else:
                    where = question.channel if rng.random() < 0.8 else rng.choice(CHANNELS)
                    add(replier, later, "reply", reply_to=question.user, channel=where)
        elif roll < 0.5:
            add(who, at, "message")
        elif roll < 0.6:
            add(who, at, "reply", reply_to=user(rng.randrange(44)))
        elif roll < 0.97:
            add(who, at, "reaction")
        else:
            add(who, at, "joined-voice")  # a kind the reports do not name still counts as activity
    # Boundaries: local midnights (one on the DST day), a newcomer's first and second week.
    for d in (FIRST, date(2026, 3, 29), date(2026, 3, 30), LAST):
        midnight = datetime.combine(d, datetime.min.time(), tzinfo=BERLIN).astimezone(UTC)
        add(7, midnight, "message")
        add(8, midnight - timedelta(microseconds=1), "reaction")
    edge = members[10]
    assert edge.joined_at is not None
    add(10, edge.joined_at + WEEK - timedelta(microseconds=1), "reaction")
    add(11, edge.joined_at, "message")  # not them: the newcomer's firsts are theirs only
    add(12, members[12].joined_at + WEEK, "reaction")  # type: ignore[operator]
    return members, sorted(records, key=lambda r: r.at)


def rounded(days: list[DayActivity]) -> list[DayActivity]:
    """Sums of scores may differ in the last bits (another order of addition)."""
    return [replace(d, sentiment_sum=round(d.sentiment_sum, 9)) for d in days]


@pytest.fixture
async def community(store: Store) -> tuple[list[Member], list[ActivityRecord]]:
    members, records = generate()
    async with store.unit_of_work() as uow:
        for member in members:
            await uow.members.save(member)
        for record in records:
            await uow.activity.add(record)
        await uow.activity.add(replace(records[0], community=OTHER_COMMUNITY))  # never counted here
        await uow.commit()
    return members, reference.counted(records, members)


async def test_days_count_local_days_and_rolling_windows_like_the_records_do(
    store: Store, community: tuple[list[Member], list[ActivityRecord]]
) -> None:
    _, counted = community
    starts = day_starts(FIRST, LAST, BERLIN)
    until = starts[-3] + timedelta(hours=13)  # records stop in the middle of a day
    async with store.unit_of_work() as uow:
        found = await uow.activity.days(COMMUNITY, starts, until=until, windows=(7, 28))
        whole = await uow.activity.days(COMMUNITY, starts, windows=(1,))
    expected = reference.days(counted, starts, until=until, windows=(7, 28))
    assert rounded(list(found)) == rounded(expected)
    assert len(found) == (LAST - FIRST).days + 1 and sum(d.active for d in found) > 500
    assert [d.within for d in whole] == [(d.active,) for d in whole]
    assert rounded(list(whole)) == rounded(reference.days(counted, starts, windows=(1,)))


async def test_members_activity_per_period_agrees(
    store: Store, community: tuple[list[Member], list[ActivityRecord]]
) -> None:
    _, counted = community
    since, until = START + timedelta(days=3, hours=5), START + timedelta(days=33)
    periods = [(since, since + WEEK), (until - WEEK, until), (since + timedelta(days=10), until)]
    async with store.unit_of_work() as uow:
        found = await uow.activity.users(COMMUNITY, since=since, until=until, periods=periods)
    expected = reference.users(counted, since=since, until=until, periods=periods)
    assert list(found) == expected
    assert {"u001", "u003"}.isdisjoint(u.user for u in found)  # a bot, an opted-out member
    assert "u041" in {u.user for u in found}  # no member row: counted


async def test_days_and_members_read_together_agree_with_each_read_alone(
    store: Store, community: tuple[list[Member], list[ActivityRecord]]
) -> None:
    _, counted = community
    starts = day_starts(FIRST, LAST, BERLIN)
    until = starts[-3] + timedelta(hours=13)  # records stop in the middle of a day
    since = starts[4] + timedelta(hours=5)  # members from the middle of a day
    periods = [
        (since, since + WEEK),  # cut in the middle of days
        (starts[10], starts[17]),  # whole local days
        (until - WEEK, until),
        (starts[30], until),
    ]
    async with store.unit_of_work() as uow:
        found = await uow.activity.summary(
            COMMUNITY, starts, until=until, windows=(7, 28), users_since=since, periods=periods
        )
    assert rounded(found.days) == rounded(reference.days(counted, starts, until=until, windows=(7, 28)))
    assert found.users == reference.users(counted, since=since, until=until, periods=periods)
    assert sum(d.active for d in found.days) > 500 and len(found.users) > 20
    assert len({(u.posted, u.reacted) for u in found.users}) > 5  # the periods tell members apart


async def test_channels_agree(store: Store, community: tuple[list[Member], list[ActivityRecord]]) -> None:
    _, counted = community
    since, until = START + timedelta(days=5), START + timedelta(days=19)
    async with store.unit_of_work() as uow:
        found = await uow.activity.channels(COMMUNITY, since=since, until=until)
    assert list(found) == reference.channels(counted, since=since, until=until)
    assert {c.channel for c in found} == {"general", "help", "named-only", "c-id-only", "(unknown)"}


async def test_questions_and_their_first_replies_agree(
    store: Store, community: tuple[list[Member], list[ActivityRecord]]
) -> None:
    _, counted = community
    since, until = START + timedelta(days=2), START + timedelta(days=30)
    asked_since, asked_until = START + timedelta(days=6), START + timedelta(days=34)
    async with store.unit_of_work() as uow:
        found = await uow.activity.questions(
            COMMUNITY, since=since, until=until, asked_since=asked_since, asked_until=asked_until
        )
    loaded = [r for r in counted if since <= r.at < until]
    expected = reference.question_outcomes(loaded, asked_since, asked_until)
    assert list(found) == expected
    answered = [o for o in found if o.first_reply_at is not None]
    assert 20 < len(answered) < len(found)


async def test_a_reply_at_the_questions_instant_answers_it_in_its_thread_only(store: Store) -> None:
    """The console's clock stands still between lines (and platforms stamp to the millisecond):
    a reply in the question's thread at its very instant answers it; a reply to the asker at
    that instant may answer something earlier, so it does not."""
    help_ = CHANNELS[1]
    at = START + timedelta(days=3)

    def record(who: int, kind: str, message_id: str, **more: object) -> ActivityRecord:
        return ActivityRecord(
            community=COMMUNITY,
            user=user(who),
            channel=help_,
            at=at,
            kind=kind,
            message_id=message_id,
            **more,
        )  # type: ignore[arg-type]

    records = [
        record(20, "message", "q1", is_question=True),
        record(21, "reply", "r1", thread_id="q1"),
        record(22, "message", "q2", is_question=True),
        record(23, "reply", "r2", reply_to=user(22)),
    ]
    async with store.unit_of_work() as uow:
        for r in records:
            await uow.activity.add(r)
        await uow.commit()
    since, until = at - WEEK, at + WEEK
    async with store.unit_of_work() as uow:
        found = await uow.activity.questions(
            COMMUNITY, since=since, until=until, asked_since=since, asked_until=until
        )
        counted = await uow.activity.question_counts(
            COMMUNITY, since=since, until=until, asked_since=since, asked_until=until
        )
    assert [(o.question.message_id, o.first_reply_at) for o in found] == [("q1", at), ("q2", None)]
    assert list(found) == reference.question_outcomes(records, since, until)
    assert (counted.asked, counted.answered) == (2, 1)


async def test_questions_counted_agree_with_the_questions_read(
    store: Store, community: tuple[list[Member], list[ActivityRecord]]
) -> None:
    _, counted = community
    since, until = START + timedelta(days=2), START + timedelta(days=30)
    asked_since, asked_until = START + timedelta(days=6), START + timedelta(days=34)
    ranges = {"since": since, "until": until, "asked_since": asked_since, "asked_until": asked_until}
    async with store.unit_of_work() as uow:
        found = await uow.activity.question_counts(COMMUNITY, **ranges)
        outcomes = await uow.activity.questions(COMMUNITY, **ranges)
    loaded = [r for r in counted if since <= r.at < until]
    assert found == reference.question_counts(loaded, asked_since, asked_until)
    assert found.asked == len(outcomes) and 20 < found.answered < found.asked
    assert found.answered == sum(1 for o in outcomes if o.first_reply_at is not None)


async def test_newcomers_first_activity_agrees(
    store: Store, community: tuple[list[Member], list[ActivityRecord]]
) -> None:
    members, counted = community
    since, until = START - timedelta(days=2), START + timedelta(days=38)
    joined_since, joined_until = START - timedelta(days=5), START + timedelta(days=25)
    async with store.unit_of_work() as uow:
        found = await uow.activity.newcomers(
            COMMUNITY,
            since=since,
            until=until,
            joined_since=joined_since,
            joined_until=joined_until,
            later=WEEK,
        )
    joined = sorted(
        (m.user.id, m.joined_at)
        for m in members
        if m.joined_at is not None and joined_since <= m.joined_at < joined_until
    )
    loaded = [r for r in counted if since <= r.at < until]
    assert list(found) == reference.newcomers(loaded, joined, later=WEEK)
    by_user = {n.user: n for n in found}
    edge, other = by_user["u010"], by_user["u012"]
    assert edge.first_active is not None and edge.first_active_later != edge.first_active
    assert other.first_active_later == other.joined_at + WEEK  # exactly a week later: the second week


async def test_rows_are_read_in_chunks_with_other_tasks_running_between_them(db: Database) -> None:
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    last = 2 * CHUNK + 1
    numbers = text(
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) SELECT i FROM n"
    )
    seen: list[int] = []
    running = asyncio.create_task(other_task())
    try:
        async with AsyncSession(db.engine) as session:
            async for row in each_row(session, numbers):
                seen.append(turns)
                assert row[0] == len(seen)  # every row, in order
    finally:
        running.cancel()
    assert len(seen) == last
    assert seen[0] == seen[CHUNK - 1] < seen[CHUNK] == seen[2 * CHUNK - 1] < seen[2 * CHUNK]
