"""The calendar feed served by the bot (GET /calendar/<key>.ics on the metrics server) and
/cohort calendar telling members its URL. The key is an HMAC-SHA256 of the community's id with
the secret (spelled out here with hmac, not the bot's code); any other key is a 404, and
without a secret there is no feed at all."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar
from pydantic import SecretStr

from cohortbot.bot.calendar_links import CalendarLinks
from cohortbot.bot.http import CalendarFeeds, Endpoint
from tests.harness import Harness

SECRET = "correct-horse-battery-staple-42"
PUBLIC = "https://cohort.example.org"

PLAYBOOK = """
name: Calendar endpoint test
default: true
timezone: Europe/Berlin
channels: {announcements: announcements}
moderators: {users: [mod]}
steps:
  sessions:
    deadlines:
      - {title: Final project proposal, due: "2026-03-12 23:59"}
  cohorts:
    cohorts:
      - name: spring
        start: 2026-03-02
        weeks: 2
        week:
          1: {theme: Notebooks}
"""


def expected_key(community: str) -> str:
    return hmac.new(SECRET.encode(), f"calendar:{community}".encode(), hashlib.sha256).hexdigest()[:32]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    await harness.join("alice")   # the bot has seen the community
    yield harness
    await harness.close()


async def serve(bot: Harness, *, secret: bool = True) -> Endpoint:
    links = CalendarLinks(SecretStr(SECRET), PUBLIC)
    feeds = CalendarFeeds(bot.runtime, links, bot.database.read_unit_of_work) if secret else None
    endpoint = Endpoint(bot.runtime, bot.database.unit_of_work, host="127.0.0.1", port=0, calendar=feeds)
    await endpoint.start()
    return endpoint


async def get(endpoint: Endpoint, path: str) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{endpoint.port}{path}") as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.read()


async def test_the_right_key_gets_the_calendar_and_any_other_a_404(bot: Harness) -> None:
    endpoint = await serve(bot)
    try:
        key = expected_key("memory:c1")
        status, content_type, body = await get(endpoint, f"/calendar/{key}.ics")
        assert status == 200
        assert content_type.startswith("text/calendar")
        calendar = Calendar.from_ical(body)
        summaries = sorted(str(e["SUMMARY"]) for e in calendar.events)
        assert summaries == ["Due: Final project proposal", "Week 1: Notebooks", "Week 2"]
        (due,) = [e for e in calendar.events if str(e["SUMMARY"]).startswith("Due")]
        assert due.start == datetime(2026, 3, 12, 23, 59, tzinfo=ZoneInfo("Europe/Berlin"))

        wrong = [
            f"/calendar/{expected_key('memory:c2')}.ics",   # another community's (not served here)
            f"/calendar/{key[:-1]}0.ics" if key[-1] != "0" else f"/calendar/{key[:-1]}1.ics",
            f"/calendar/{key}",   # no .ics
            f"/calendar/{key}{key}.ics",
            "/calendar/.ics",
        ]
        for path in wrong:
            status, _, body = await get(endpoint, path)
            assert status == 404, path
            assert b"BEGIN:VCALENDAR" not in body
        # Upper-case hex is the same key.
        assert (await get(endpoint, f"/calendar/{key.upper()}.ics"))[0] == 200
    finally:
        await endpoint.stop()


async def test_a_community_first_seen_after_the_server_started_is_served(bot: Harness) -> None:
    endpoint = await serve(bot)
    try:
        # A key asked for before the community exists: 404 ...
        other = bot.community.__class__(bot.community.platform, "c9", "Later")
        key = expected_key("memory:c9")
        assert (await get(endpoint, f"/calendar/{key}.ics"))[0] == 404
        async with bot.database.unit_of_work() as uow:
            await uow.communities.seen(other, playbook="Calendar endpoint test", now=bot.clock.now())
            await uow.commit()
        assert endpoint.calendar is not None
        endpoint.calendar.keep = 0   # the list of communities is read again at once
        assert (await get(endpoint, f"/calendar/{key}.ics"))[0] == 200
    finally:
        await endpoint.stop()


async def test_without_the_secret_there_is_no_feed(bot: Harness) -> None:
    endpoint = await serve(bot, secret=False)
    try:
        status, _, _ = await get(endpoint, f"/calendar/{expected_key('memory:c1')}.ics")
        assert status == 404
        assert (await get(endpoint, "/healthz"))[0] in (200, 503)   # the rest of the server still answers
    finally:
        await endpoint.stop()


async def test_cohort_calendar_tells_the_url_that_serves_the_feed(bot: Harness) -> None:
    bot.runtime.engine.links = CalendarLinks(SecretStr(SECRET), PUBLIC)
    answer = await bot.command("alice", "calendar")
    assert answer is not None
    url = f"{PUBLIC}/calendar/{expected_key('memory:c1')}.ics"
    assert f"`{url}`" in answer.message.text
    assert "Google Calendar" in answer.message.text and "your own time zone" in answer.message.text
    assert answer.ephemeral and answer.private   # the outbox forgets it once delivered
    assert SECRET not in answer.message.text

    endpoint = await serve(bot)
    try:
        path = re.sub(r"^https://[^/]+", "", url)
        status, _, body = await get(endpoint, path)
        assert status == 200 and b"BEGIN:VCALENDAR" in body
    finally:
        await endpoint.stop()


async def test_cohort_calendar_says_when_there_is_no_feed(bot: Harness) -> None:
    member = await bot.command("alice", "calendar")
    assert member is not None
    assert member.message.text.startswith("There is no calendar feed for this community yet.")
    assert "COHORTBOT_CALENDAR_SECRET" not in member.message.text   # that is for moderators
    moderator = await bot.command("mod", "calendar")
    assert moderator is not None and "COHORTBOT_CALENDAR_SECRET" in moderator.message.text


def test_without_a_public_url_there_is_no_url_to_tell() -> None:
    from cohortbot.playbook.refs import CommunityRef, Platform

    links = CalendarLinks(SecretStr(SECRET))
    assert links.calendar_url(CommunityRef(Platform.DISCORD, "1234")) is None
    path = links.path(CommunityRef(Platform.DISCORD, "1234"))
    assert path == f"/calendar/{expected_key('discord:1234')}.ics"
    assert SECRET not in repr(links)


async def test_the_composition_root_wires_the_feed_from_the_settings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import io

    from cohortbot.bot.bootstrap import build_app, endpoint_for
    from cohortbot.config.settings import Settings
    from cohortbot.playbook.refs import CommunityRef, Platform

    def app_for(**env: object):
        database = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
        settings = Settings(_env_file=None, COHORTBOT_DATABASE_URL=database, **env)
        return settings, build_app(settings, stdin=io.StringIO(""), stdout=io.StringIO())

    console = CommunityRef(Platform.CONSOLE, "local")
    settings, app = app_for(
        COHORTBOT_CALENDAR_SECRET=SECRET, COHORTBOT_PUBLIC_URL=PUBLIC + "/", COHORTBOT_METRICS_PORT=0
    )
    links = app.runtime.engine.links
    assert links is not None
    assert links.calendar_url(console) == f"{PUBLIC}/calendar/{expected_key('console:local')}.ics"
    endpoint = endpoint_for(app, settings)
    assert endpoint is not None and endpoint.calendar is not None
    await app.database.dispose()

    settings, app = app_for(COHORTBOT_CALENDAR_SECRET=SECRET)   # no metrics server to serve it
    with caplog.at_level("WARNING", logger="cohortbot"):
        assert endpoint_for(app, settings) is None
    assert "the calendar feed is not served" in caplog.text
    await app.database.dispose()

    settings, app = app_for(COHORTBOT_METRICS_PORT=0)   # no secret: no feed, no URL
    endpoint = endpoint_for(app, settings)
    assert app.runtime.engine.links is None and endpoint is not None and endpoint.calendar is None
    await app.database.dispose()
