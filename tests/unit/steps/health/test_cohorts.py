"""The health report per cohort: two cohorts with different starts and a member in both, each
with its section in the digest (week, members, who posted, assignments due, roster) and its
goals counted from its own start over its own members only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps.health.weeks import DASH as N
from tests.harness import Harness, sqlite_url
from tests.unit.steps.health.support import HEALTH_STEPS
from tests.unit.steps.roster.support import import_rows, join, members_of

# spring starts Monday 2 March, summer a week later; autumn (with a goal) in September.
# carol enrols in both; eve is in none. UTC, so every day starts at midnight UTC.
PLAYBOOK = """
name: Course
default: true
timezone: UTC
channels: {announcements: news, general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  cohorts:
    cohorts:
      - name: spring
        title: Spring <2026>
        start: 2026-03-02
        weeks: 4
        members: {roster: true, enrol: true}
        week:
          1:
            assignments:
              - {name: essay, title: Essay, due: "fri 23:59"}
          2:
            assignments:
              - {name: project, title: "Spring *project*", due: "wed 18:00"}
      - name: summer
        title: Summer 2026
        start: 2026-03-09
        weeks: 3
        members: {roster: true, enrol: true}
        week:
          1:
            assignments:
              - {name: intro, title: Summer intro, due: "thu 12:00"}
      - name: autumn
        start: 2026-09-07
        weeks: 4
  roster: {}
  assignments: {}
  health:
    charts: false
    goals:
      - {name: Spring on the roll, metric: members_joined, target: 4, by_week: 2, cohort: spring}
      - {name: Spring posters, metric: posters, target: 3, by_week: 4, cohort: spring}
      - {name: Spring roster, metric: roster_joined, target: 4, by_week: 4, cohort: spring}
      - {name: Spring submissions, metric: submissions_rate, target: 80, by_week: 2, cohort: spring}
      - {name: Summer posters, metric: posters, target: 6, by_week: 3, cohort: summer}
      - {name: Summer on the roll, metric: members_joined, target: 2, by_week: 3, cohort: summer}
      - {name: Autumn on the roll, metric: members_joined, target: 10, by_week: 2, cohort: autumn}
      - {name: Newcomers, metric: members_joined, target: 10, by_week: 4}
"""

ROSTER = (
    "name,email,handle,cohort\n"
    "Alice,alice@example.org,,spring\n"
    "Bob,bob@example.org,,spring\n"
    "Zed,zed@example.org,,spring\n"
    "Dave,dave@example.org,,summer\n"
)
SUNDAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the day before spring starts
PROJECT_DUE = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)
INTRO_DUE = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


async def until(bot: Harness, when: datetime) -> None:
    await bot.advance(f"{int((when - bot.clock.now()).total_seconds())}s")


async def a_course(
    tmp_path: Path, *, to: datetime = MONDAY, playbook: str = PLAYBOOK, **kw: object
) -> Harness:
    """Two weeks of spring, one of summer: the clock on Monday 16 March, 08:00 (or ``to``, after
    Tuesday 10 March)."""
    bot = await Harness.start(tmp_path, playbook, steps=HEALTH_STEPS, start=SUNDAY, **kw)  # type: ignore[arg-type]
    await import_rows(bot, ROSTER)
    for name in ("alice", "bob", "dave"):  # matched by email: the roster enrols them
        await join(bot, name, email=f"{name}@example.org")
    await join(bot, "carol")
    await bot.command("carol", "course enrol spring")
    await bot.command("carol", "course enrol summer")
    assert await members_of(bot, "spring") == ["alice", "bob", "carol"]
    assert await members_of(bot, "summer") == ["carol", "dave"]
    await until(bot, datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    await join(bot, "eve")  # joins after spring's start; in no cohort
    await until(bot, datetime(2026, 3, 4, 10, 0, tzinfo=UTC))
    await bot.post("carol", "general", "Hello spring!")  # spring's week 1: before summer began
    await until(bot, datetime(2026, 3, 5, 10, 0, tzinfo=UTC))
    await bot.command("alice", "submit essay https://example.org/alice-essay")
    await until(bot, datetime(2026, 3, 7, 10, 0, tzinfo=UTC))
    await bot.command("bob", "submit essay https://example.org/bob-essay")  # a day late
    await until(bot, datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    for name in ("alice", "dave", "eve"):
        await bot.post(name, "general", f"{name} here")
    await bot.command("alice", "submit project https://example.org/alice-project")
    await bot.command("dave", "submit intro https://example.org/dave-intro")
    await until(bot, to)
    return bot


def digests(bot: Harness) -> list[PostMessage]:
    return [p for p in bot.posts_in("mod-team") if (p.message.title or "").startswith("Community health")]


def section(text: list[str], heading: str) -> list[str]:
    """The lines of the section ``heading`` (bold), up to the next blank line."""
    body = text[text.index(f"**{heading}**") + 1 :]
    return body[: body.index("")] if "" in body else body


async def test_the_digest_has_a_section_per_running_cohort_with_its_goals(tmp_path: Path) -> None:
    bot = await a_course(tmp_path, capabilities=Capabilities(max_message_length=8000))
    try:
        await bot.advance("1h")  # Monday 16 March, 09:00: the digest about 9-15 March
        *_, digest = digests(bot)
        assert digest.message.title == f"Community health: Test Community, 9{N}15 Mar 2026"
        text = digest.message.text.splitlines()
        # spring: alice, bob, carol; in the 7 days only alice posted (carol posted in week 1).
        # essay was due the week before; the project on 11 March: alice only.
        # 3 of 6 submissions due so far (essay: alice on time, bob late; project: alice).
        assert section(text, "Cohort Spring \\<2026\\>: week 2 of 4") == [
            "3 member(s); 1 posted in the 7 days to 15 Mar.",
            "Roster: 2 of 3 joined.",
            f"- due {timestamp(PROJECT_DUE)}: **Spring \\*project\\***: 1 on time, 0 late, 2 missing",
            "- Spring on the roll: 3 of 4 by week 2: **behind**",
            "- Spring posters: 2 of 3 by week 4: **on track**",  # alice and carol since 2 March
            "- Spring roster: 2 of 4 by week 4: **on track**",
            "- Spring submissions: 50% of 80% by week 2: **below target**",
        ]
        # summer: carol and dave; carol's post was before summer started, eve is in no cohort.
        assert section(text, "Cohort Summer 2026: week 1 of 3") == [
            "2 member(s); 1 posted in the 7 days to 15 Mar.",
            "Roster: 1 of 1 joined.",
            f"- due {timestamp(INTRO_DUE)}: **Summer intro**: 1 on time, 0 late, 1 missing",
            "- Summer posters: 1 of 6 by week 3: **behind**",  # 1 < 6 * 1/3
            "- Summer on the roll: 2 of 2 by week 3: **met**",
        ]
        # Without cohort: weeks from the first cohort's start; autumn has not begun.
        assert section(text, "Goals") == [
            "Cohort week 2 (started 2 Mar), as of 15 Mar:",
            "- Newcomers: 1 of 10 by week 4: **behind**",  # eve, since 2 March; 1 < 10 * 2/4
            "autumn starts 7 Sep; its goals are tracked from then.",
        ]
        assert "Autumn on the roll" not in digest.message.text
        assert text.index("**Cohort Spring \\<2026\\>: week 2 of 4**") < text.index("**Participation**")
    finally:
        await bot.close()


async def test_on_demand_an_assignment_due_later_today_is_not_missing_yet(tmp_path: Path) -> None:
    bot = await a_course(
        tmp_path,
        to=datetime(2026, 3, 11, 12, 0, tzinfo=UTC),  # Wednesday: the project is due at 18:00
        capabilities=Capabilities(max_message_length=8000),
    )
    try:
        answer = await bot.command("mod", "health")
        assert answer is not None and answer.ephemeral
        text = answer.message.text.splitlines()
        essay_due = datetime(2026, 3, 6, 23, 59, tzinfo=UTC)
        assert section(text, "Cohort Spring \\<2026\\>: week 2 of 4") == [
            "3 member(s); 1 posted in the 7 days to 11 Mar.",
            "Roster: 2 of 3 joined.",
            f"- due {timestamp(essay_due)}: **Essay**: 1 on time, 1 late, 1 missing",
            f"- due {timestamp(PROJECT_DUE)}: **Spring \\*project\\***: 1 submitted so far",
            "- Spring on the roll: 3 of 4 by week 2: **behind**",
            "- Spring posters: 2 of 3 by week 4: **on track**",
            "- Spring roster: 2 of 4 by week 4: **on track**",
            "- Spring submissions: 67% of 80% by week 2: **below target**",  # the essay only: 2 of 3
        ]
        assert section(text, "Cohort Summer 2026: week 1 of 3")[2] == f"Nothing due 5{N}11 Mar."
    finally:
        await bot.close()


async def test_on_discord_s_length_the_cohorts_come_first_and_the_rest_is_cut(tmp_path: Path) -> None:
    bot = await a_course(tmp_path, capabilities=Capabilities(max_message_length=2000))
    try:
        await bot.advance("1h")
        *_, digest = digests(bot)
        assert len(digest.message.text) <= 2000
        text = digest.message.text.splitlines()
        assert len(section(text, "Cohort Spring \\<2026\\>: week 2 of 4")) == 7
        assert len(section(text, "Cohort Summer 2026: week 1 of 3")) == 5
        assert text[-1].startswith("… and ") and text[-1].endswith(" more lines")
        assert "**Goals**" not in text  # the end of the report: cut first
    finally:
        await bot.close()


async def test_after_the_cohorts_ended_their_goals_are_in_the_goals_section(tmp_path: Path) -> None:
    bot = await a_course(tmp_path, capabilities=Capabilities(max_message_length=8000))
    try:
        await until(bot, datetime(2026, 4, 6, 9, 0, tzinfo=UTC))  # about 30 March-5 April
        *_, digest = digests(bot)
        assert digest.message.title == f"Community health: Test Community, 30 Mar{N}5 Apr 2026"
        text = digest.message.text.splitlines()
        assert not [line for line in text if line.startswith("**Cohort ")]
        goals = section(text, "Goals")
        assert goals[goals.index("Spring \\<2026\\> (started 2 Mar, ended 29 Mar):") + 1 :][:4] == [
            "- Spring on the roll: 3 of 4 by week 2: **missed**",
            "- Spring posters: 2 of 3 by week 4: **missed**",
            "- Spring roster: 2 of 4 by week 4: **missed**",
            "- Spring submissions: 50% of 80% by week 2: **missed**",
        ]
        assert goals[goals.index("Summer 2026 (started 9 Mar, ended 29 Mar):") + 1 :][:2] == [
            "- Summer posters: 1 of 6 by week 3: **missed**",
            "- Summer on the roll: 2 of 2 by week 3: **met**",
        ]
    finally:
        await bot.close()


async def test_health_start_sets_where_the_community_goals_count_from(tmp_path: Path) -> None:
    playbook = PLAYBOOK.replace("    charts: false\n", "    charts: false\n    start: 2026-03-09\n")
    bot = await a_course(tmp_path, playbook=playbook, capabilities=Capabilities(max_message_length=8000))
    try:
        await bot.advance("1h")
        *_, digest = digests(bot)
        goals = section(digest.message.text.splitlines(), "Goals")
        # eve joined on 3 March: before the start the playbook gives
        assert goals[:2] == [
            "Cohort week 1 (started 9 Mar), as of 15 Mar:",
            "- Newcomers: 0 of 10 by week 4: **behind**",
        ]
        # a cohort's goals still count from its own start
        assert "- Spring on the roll: 3 of 4 by week 2: **behind**" in digest.message.text
    finally:
        await bot.close()


async def test_without_cohorts_there_is_no_cohort_section(tmp_path: Path) -> None:
    yaml = """
name: Plain
default: true
timezone: UTC
channels: {general: general, moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health:
    charts: false
    goals: [{name: Joined, metric: members_joined, target: 5, by_week: 2}]
"""
    bot = await Harness.start(tmp_path, yaml, steps=HEALTH_STEPS, start=SUNDAY)
    try:
        await join(bot, "alice")
        await bot.advance("1d")
        await join(bot, "bob")
        answer = await bot.command("mod", "health")
        assert answer is not None
        text = answer.message.text.splitlines()
        assert not [line for line in text if line.startswith("**Cohort ")]
        # no health.start, no cohorts: weeks from the bot's first sight of the community (1 March)
        assert section(text, "Goals") == [
            "Cohort week 1 (started 1 Mar), as of 2 Mar:",
            "- Joined: 2 of 5 by week 2: **behind**",
        ]
    finally:
        await bot.close()


async def test_the_cohorts_periods_are_read_alike_from_sqlite(tmp_path: Path) -> None:
    """The posters since each cohort's start are periods the store adds up (SQL on a database)."""
    wide = Capabilities(max_message_length=8000)
    bot = await a_course(tmp_path, url=sqlite_url(tmp_path), capabilities=wide)
    try:
        await bot.advance("1h")
        *_, digest = digests(bot)
        text = digest.message.text
        assert "- Spring posters: 2 of 3 by week 4: **on track**" in text  # alice, carol since 2 March
        assert "- Summer posters: 1 of 6 by week 3: **behind**" in text  # dave since 9 March
    finally:
        await bot.close()
