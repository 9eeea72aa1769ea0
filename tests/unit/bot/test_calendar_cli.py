"""`cohortbot calendar export|url` in-process (typer's runner): what each wrong input is told,
with exit code 2, and the playbook's calendar for a community the database does not know.
The full run after a console session is tests/e2e/test_calendar_cli.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from cohortbot.bot.cli import app
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.storage.database import Database

SECRET = "unit-calendar-secret-0123456789"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)   # no .env of the developer's; the default database would be here
    monkeypatch.setenv("COHORTBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def test_export_without_a_community_in_the_database_says_to_name_one(here: Path) -> None:
    result = run("calendar", "export")
    assert result.exit_code == 2
    assert "the database has no community yet" in result.stderr and "--community platform:id" in result.stderr
    assert not (here / "bot.db").exists()   # looking created no database


def test_a_community_the_database_does_not_know_gets_the_playbooks_calendar(here: Path) -> None:
    result = run("calendar", "export", "--community", "discord:1234")
    assert result.exit_code == 0, result.stderr
    assert "the database has nothing of discord:1234 yet" in result.stderr
    calendar = Calendar.from_ical(result.stdout_bytes)
    summaries = {str(e["SUMMARY"]) for e in calendar.events}
    assert "Week 3: Regression" in summaries and "Due: Regression exercise" in summaries   # the example's


def test_with_several_communities_it_asks_which(here: Path) -> None:
    async def two() -> None:
        database = Database(f"sqlite+aiosqlite:///{here / 'bot.db'}")
        await database.upgrade()
        async with database.unit_of_work() as uow:
            for ident in ("111", "222"):
                ref = CommunityRef(Platform.DISCORD, ident)
                await uow.communities.seen(ref, playbook="Learning cohort", now=datetime.now(UTC))
            await uow.commit()
        await database.dispose()

    asyncio.run(two())
    result = run("calendar", "export")
    assert result.exit_code == 2
    asked = "the database has 2 communities: name one with --community (discord:111, discord:222)"
    assert asked in result.stderr
    chosen = run("calendar", "export", "--community", "discord:222", "-o", "spring.ics")
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.startswith("spring.ics: ") and "of discord:222" in chosen.stdout
    assert Calendar.from_ical((here / "spring.ics").read_bytes()).events


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--community", "nonsense"), "--community 'nonsense': use platform:id, e.g. discord:1234"),
        (("--community", "irc:1"), "use platform:id"),
        (("--community", "discord:1", "-o", "."), "is a folder; name the file to write"),
        (("--community", "discord:1", "--playbook", "missing.yaml"), "missing.yaml"),
    ],
)
def test_export_refuses_bad_input_with_what_is_expected(
    here: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run("calendar", "export", *args)
    assert result.exit_code == 2
    assert expected in result.stderr


def test_url_prints_the_address_or_says_the_feed_is_off(here: Path) -> None:
    off = run("calendar", "url", "--community", "discord:1")
    assert off.exit_code == 2 and "the calendar feed is off: set COHORTBOT_CALENDAR_SECRET" in off.stderr

    secret = {"COHORTBOT_CALENDAR_SECRET": SECRET}
    bare = run("calendar", "url", "--community", "discord:1", env=secret)
    assert bare.exit_code == 0
    assert bare.stdout.startswith("/calendar/") and "COHORTBOT_PUBLIC_URL is not set" in bare.stderr

    full = run("calendar", "url", "--community", "discord:1", env={**secret, "COHORTBOT_PUBLIC_URL": "https://x.org/"})
    assert full.exit_code == 0
    assert full.stdout.strip() == "https://x.org" + bare.stdout.strip()
    assert SECRET not in full.stdout + full.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"COHORTBOT_CALENDAR_SECRET": "tooshort"}, "16 characters at least"),
        ({"COHORTBOT_CALENDAR_SECRET": SECRET, "COHORTBOT_PUBLIC_URL": "cal.example.org"}, "e.g. https://"),
        ({"COHORTBOT_CALENDAR_SECRET": SECRET, "COHORTBOT_PUBLIC_URL": "https://x.org/`a`"}, "e.g. https://"),
    ],
)
def test_bad_settings_are_refused_without_echoing_the_secret(
    here: Path, env: dict[str, str], expected: str
) -> None:
    result = run("calendar", "url", "--community", "discord:1", env=env)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "tooshort" not in result.stderr
