"""The console community across runs, on SQLite and PostgreSQL: where a second run resumes,
and what ``--fresh`` deletes (the console's rows only)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select

from cohortbot.bot.console_state import CLOCK_KEY, database_name, forget, resume_point
from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import Member, Timer
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from cohortbot.storage.database import Database
from cohortbot.storage.tables import metadata
from tests.storage.conftest import T0

CONSOLE = CommunityRef(Platform.CONSOLE, "local", "Data Science Cohort")
GUILD = CommunityRef(Platform.DISCORD, "1234", "A real server")


def user(community: CommunityRef, name: str) -> UserRef:
    return UserRef(community.platform, name, name)


async def populate(db: Database, community: CommunityRef, *, names: list[str], left: list[str]) -> None:
    """A community as a run leaves it: members (some left), a timer, an action, an event id."""
    async with db.unit_of_work() as uow:
        await uow.communities.seen(community, playbook="p", now=T0)
        for name in names:
            await uow.members.save(Member(
                community=community, user=user(community, name), display_name=name, joined_at=T0,
                left_at=T0 + timedelta(hours=1) if name in left else None,
            ))
        await uow.timers.set(Timer(key=f"{community}:t", community=community, due_at=T0 + timedelta(days=9),
                                        kind="welcome.follow_up", subject=None, data={}))
        dm = SendDirectMessage(key=f"{community}:dm", community=community, to=user(community, names[0]),
                               message=RichMessage(text="Welcome!"))
        await uow.outbox.add(dm, now=T0 + timedelta(days=2))
        await uow.inbox.record(f"{community.platform.value}:event-1", now=T0)
        # The runtime's own events about the community: a schedule's occurrence, a timer.
        await uow.inbox.record(f"schedule:{community}:prompts.weekly:2026-03-06T12:00:00+00:00", now=T0)
        await uow.inbox.record(f"timer:welcome.FollowUpDue:followup0:{community}:x:2026-03-03", now=T0)
        await uow.commit()


async def rows(db: Database, platform: Platform) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if "platform" in table.c:
                query = select(func.count()).select_from(table).where(table.c.platform == platform.value)
                counts[table.name] = await connection.scalar(query) or 0
        inbox = metadata.tables["inbox"]
        ids = inbox.c.event_id
        about = or_(ids.startswith(f"{platform.value}:"), ids.contains(f":{platform.value}:"))
        counts["inbox"] = await connection.scalar(select(func.count()).select_from(inbox).where(about)) or 0
    return counts


async def test_an_empty_database_has_no_console_community_to_resume(db: Database) -> None:
    await populate(db, GUILD, names=["ada"], left=[])
    assert await resume_point(db, CONSOLE) is None


async def test_a_stored_console_community_resumes_with_its_present_members_at_its_latest_moment(
    db: Database,
) -> None:
    await populate(db, CONSOLE, names=["carol", "alice", "bob"], left=["bob"])
    # Nothing stored the clock (a killed run): the latest moment recorded, the action decided on day 2.
    assert await resume_point(db, CONSOLE) == (["alice", "carol"], T0 + timedelta(days=2))
    async with db.unit_of_work() as uow:   # a run that stopped normally stored where it was
        await uow.state.put(CONSOLE, CLOCK_KEY, (T0 + timedelta(days=5)).isoformat())
        await uow.commit()
    assert await resume_point(db, CONSOLE) == (["alice", "carol"], T0 + timedelta(days=5))


async def test_fresh_deletes_every_console_row_and_keeps_another_platforms(db: Database) -> None:
    await populate(db, CONSOLE, names=["alice"], left=[])
    await populate(db, GUILD, names=["ada"], left=[])
    guild_before = await rows(db, Platform.DISCORD)
    console_before = await rows(db, Platform.CONSOLE)
    assert all(console_before[t] for t in ("communities", "members", "timers", "outbox"))
    assert console_before["inbox"] == 3     # its event, a schedule's occurrence, a timer: a replay
    # of the same simulated days after --fresh must not find them "already decided"

    removed = await forget(db)

    assert removed == sum(console_before.values())
    assert set((await rows(db, Platform.CONSOLE)).values()) == {0}
    assert await rows(db, Platform.DISCORD) == guild_before
    assert await resume_point(db, CONSOLE) is None


def test_the_console_names_a_sqlite_database_by_its_file_and_hides_a_password() -> None:
    assert database_name("sqlite+aiosqlite:///cohortbot.db") == "cohortbot.db"
    assert database_name("sqlite+aiosqlite:////srv/bot/cohortbot.db") == "/srv/bot/cohortbot.db"
    shown = database_name("postgresql+asyncpg://bot:s3cret@db.example.org/cohort")
    assert shown == "postgresql+asyncpg://bot:***@db.example.org/cohort" and "s3cret" not in shown
