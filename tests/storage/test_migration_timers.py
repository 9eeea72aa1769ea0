"""Migration 0002: the timers a 0.1 database has pending survive the upgrade, and fire.

The rows are written as 0.1 wrote them (kinds, keys and data read from 0.1's steps); the
proof is today's engine routing them after the upgrade: the nudge, follow-up, reminder and
prompt each go out when the clock passes their due time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import insert, select

from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.ports import Member, Timer
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef
from cohortbot.playbook.state import DocumentStore
from cohortbot.playbook.step import StepContext, TimerPayload
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.intros.model import MatchRecord, RoundRecord, Rounds
from cohortbot.playbook.steps.sessions.model import Deadline, Session
from cohortbot.playbook.steps.surveys.model import Round
from cohortbot.playbook.steps.welcome.model import BurstQueue
from cohortbot.storage import Database
from cohortbot.storage._sql import TIMERS
from tests.harness import START, Harness
from tests.storage.conftest import Backend

COMMUNITY = CommunityRef(Platform.MEMORY, "c1", "Test Community")   # the harness's community
C = str(COMMUNITY)
T0 = START

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels:
  {welcome: welcome, intros: introductions, moderators: mods, announcements: announcements, general: general}
moderators: {users: [mod], platform_admins: false}
guidelines: {link: "https://example.org/rules"}
steps:
  welcome:
    guidelines: {required: true}
    follow_ups:
      - {after: 1d, unless: onboarded, message: "Please accept the guidelines, {member}."}
    report_unonboarded_after: 7d
    burst: {max_joins: 3, window: 10m, message: "Welcome all of you: {members}!"}
  intros:
    nudges: {after: 6d, every: 7d, max: 1, message: "Introduce yourself, {member}!"}
    matching: {cron: "0 10 1 1 *", follow_up_after: 5d, ask: "Did you meet {members}, {member}?"}
  prompts:
    schedules:
      - name: weekly
        cron: "0 9 1 1 *"
        channel: general
        title: "Question of the week"
        bank: ["What did you learn this week?"]
  sessions:
    reminders: [24h]
    follow_up_after: 15m
    feedback: {survey: session-feedback}
  surveys:
    remind_after: 2d
    surveys:
      - name: week3
        title: "Week 3 check-in"
        questions: [{id: pace, type: scale, text: "How is the pace?"}]
      - name: session-feedback
        title: "Live session feedback"
        remind: false
        questions: [{id: rating, type: scale, text: "How useful was it?"}]
  health: {}
"""

# ---------------------------------------------------------------------------- the 0.1 rows

SESSION = "office-hours-20260303-1700"      # starts tomorrow: its reminder is due in 8h
PAST = "office-hours-20260302-0800"         # ended 10 minutes ago: its follow-up is due
DEADLINE = "exercise-1-20260304-1800"
ROUND = "2026-02-23"
SURVEY_ROUND = "2026-03-01"
OCCURRENCE = T0 - timedelta(minutes=30)     # the prompt's nominal time, held back by quiet hours
ASKED = T0 - timedelta(hours=3)


@dataclass(frozen=True)
class Case:
    """One 0.1 timer and what it must become."""

    old_kind: str
    data: dict[str, Any]
    due: timedelta
    new_kind: str
    name: str                # the ``name`` today's code passes to set_timer
    new_data: dict[str, Any]
    subject: str | None = None
    old_key: str | None = None   # 0.1 set two timers by hand with their own keys

    @property
    def key(self) -> str:
        who = f":{Platform.MEMORY}:{self.subject}" if self.subject else ""
        return self.old_key or f"{self.old_kind}:{C}{who}"


CASES = [
    Case("welcome.followup0", {"join": 1}, timedelta(hours=1), "welcome.FollowUpDue", "followup0",
         {"member": "alice", "index": 0, "join": 1}, subject="alice"),
    Case("welcome.report-2026-03-02", {}, timedelta(hours=1), "welcome.ReportDue", "report-2026-03-02", {}),
    Case("welcome.burst", {}, timedelta(minutes=5), "welcome.BurstEnds", "burst", {}),
    Case("intros.nudge0", {"join": 1}, timedelta(hours=1), "intros.Nudge", "nudge0",
         {"member": "bob", "join": 1}, subject="bob"),
    Case(f"intros.followup-{ROUND}", {"round": ROUND}, timedelta(hours=1), "intros.AskIfMet", ROUND,
         {"round": ROUND}),
    Case(f"prompts.post:weekly:{OCCURRENCE.isoformat()}",
         {"schedule": "weekly", "occurrence": OCCURRENCE.isoformat(), "late": False},
         timedelta(hours=1), "prompts.PostPrompt", f"weekly:{OCCURRENCE.isoformat()}",
         {"schedule": "weekly", "occurrence": "2026-03-02T07:30:00Z", "late": False}),
    Case(f"sessions.r:{SESSION}:86400", {"what": "remind", "session": SESSION, "offset": 86400},
         timedelta(hours=8), "sessions.Remind", f"{SESSION}:86400", {"session": SESSION, "offset": 86400}),
    Case(f"sessions.f:{PAST}", {"what": "follow_up", "session": PAST}, timedelta(minutes=5),
         "sessions.FollowUp", PAST, {"session": PAST}),
    Case(f"sessions.d:{DEADLINE}:86400", {"what": "deadline", "deadline": DEADLINE, "offset": 86400},
         timedelta(hours=9), "sessions.RemindDeadline", f"{DEADLINE}:86400",
         {"deadline": DEADLINE, "offset": 86400}),
    Case("surveys.remind", {"survey": "week3", "round": SURVEY_ROUND}, timedelta(hours=1),
         "surveys.RemindRound", f"week3:{SURVEY_ROUND}", {"survey": "week3", "round": SURVEY_ROUND},
         old_key=f"surveys.remind:{C}:week3:{SURVEY_ROUND}"),
    Case("health.unanswered:m-42", {"message": "m-42", "asked": ASKED.isoformat()}, timedelta(hours=1),
         "health.UnansweredQuestion", "m-42",
         {"message": "m-42", "asked": "2026-03-02T05:00:00Z", "asker": "bob"}, subject="bob"),
]

SEAM_KEY = f"surveys.send:{C}:session:{PAST}"   # 0.1's sessions->surveys seam: not convertible
BROKEN_KEY = f"sessions.r:{SESSION}:900:{C}"     # data 0.1's own handler could not have used
FIRED_KEY = f"welcome.followup1:{C}:{Platform.MEMORY}:alice"
TYPED_KEY = f"surveys.DropDraft:d-1:{C}"


def _row(key: str, kind: str, due: datetime, data: dict[str, Any], subject: str | None = None,
         fired_at: datetime | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "platform": str(Platform.MEMORY),
        "community_id": COMMUNITY.id,
        "due_at": due,
        "kind": kind,
        "subject_user_id": subject,
        "subject_user_name": subject,
        "data": data,
        "fired_at": fired_at,
    }


def _old_rows() -> list[dict[str, Any]]:
    rows = [_row(c.key, c.old_kind, T0 + c.due, c.data, c.subject) for c in CASES]
    seam = {"survey": "session-feedback", "members": ["carol"], "reason": "after Office hours"}
    rows.append(_row(SEAM_KEY, "surveys.send", T0 - timedelta(minutes=1), seam))
    rows.append(_row(BROKEN_KEY, f"sessions.r:{SESSION}:900", T0 + timedelta(hours=2), {"session": SESSION}))
    rows.append(_row(FIRED_KEY, "welcome.followup1", T0 - timedelta(hours=1), {"join": 1}, "alice",
                     fired_at=T0 - timedelta(hours=1)))
    rows.append(_row(TYPED_KEY, "surveys.DropDraft", T0 + timedelta(days=1), {"draft": "d-1"}))
    return rows


# ---------------------------------------------------------------------------- helpers


def _member(name: str, **kw: Any) -> Member:
    values: dict[str, Any] = {"joined_at": T0 - timedelta(hours=1), "join_count": 1} | kw
    return Member(community=COMMUNITY, user=UserRef(Platform.MEMORY, name, name), display_name=name, **values)


async def _seed_world(db: Database) -> None:
    """The members and documents the timers are about, stored as today's code stores them."""
    async with db.unit_of_work() as uow:
        for member in (
            _member("alice", welcomed_at=T0 - timedelta(hours=1)),   # not onboarded: the follow-up
            _member("bob", joined_at=T0 - timedelta(days=6), welcomed_at=T0 - timedelta(days=6),
                    onboarded_at=T0 - timedelta(days=6)),             # not introduced: the nudge
            _member("carol", onboarded_at=T0),
            _member("dave", onboarded_at=T0),
            _member("erin"),                                          # waits for the grouped welcome
            _member("frank", joined_at=T0 - timedelta(days=8), welcomed_at=T0 - timedelta(days=8)),
        ):
            await uow.members.save(member)

        def docs(step: str) -> DocumentStore:
            return DocumentStore(uow.state, COMMUNITY, step)

        await docs("welcome").store(BurstQueue(pending=["erin"]))
        match = MatchRecord(members=["carol", "dave"])
        record = RoundRecord(id=ROUND, at=T0 - timedelta(days=5), matches=[match])
        await docs("intros").store(Rounds(rounds=[record]))
        sessions = docs("sessions")
        tomorrow = T0 + timedelta(days=1, hours=8)
        await sessions.store(
            Session(id=SESSION, name="office-hours", title="Office hours", starts_at=tomorrow,
                    ends_at=tomorrow + timedelta(hours=1), going=["alice"], recurring=True),
            SESSION,
        )
        await sessions.store(
            Session(id=PAST, name="office-hours", title="Office hours",
                    starts_at=T0 - timedelta(hours=1, minutes=10), ends_at=T0 - timedelta(minutes=10),
                    going=["carol"], recurring=True),
            PAST,
        )
        await sessions.store(
            Deadline(id=DEADLINE, title="Exercise 1", due=T0 + timedelta(days=1, hours=9),
                     remind_before=[86400]),
            DEADLINE,
        )
        rnd = Round(survey="week3", round=SURVEY_ROUND, sent_on=SURVEY_ROUND, invited=["dave"])
        await DocumentStore(uow.state, COMMUNITY, "surveys").store(rnd, rnd.id)
        await uow.commit()


async def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(insert(TIMERS), rows)


async def _timers(db: Database) -> dict[str, dict[str, Any]]:
    async with db.engine.connect() as connection:
        rows = (await connection.execute(select(TIMERS).order_by(TIMERS.c.id))).mappings().all()
    return {row["key"]: dict(row) for row in rows}


async def _migrated_0_1(backend: Backend) -> Database:
    db = backend.database()
    await db.upgrade("0001")
    await _seed_world(db)
    await _insert(db, _old_rows())
    return db


def _payload_type(kind: str) -> type[TimerPayload]:
    step = next(s for s in STEPS if s.name == kind.split(".", 1)[0])
    found = step.timer_type(kind)
    assert found is not None, kind
    return found


async def _key_set_timer_builds(case: Case, payload: TimerPayload) -> str:
    """The key today's ``StepContext.set_timer`` gives this timer (its real code, a stub store)."""
    stored: list[Timer] = []

    async def keep(timer: Timer) -> None:
        stored.append(timer)

    stub = SimpleNamespace(step=case.new_kind.split(".", 1)[0], community=COMMUNITY,
                           uow=SimpleNamespace(timers=SimpleNamespace(set=keep)))
    subject = UserRef(Platform.MEMORY, case.subject) if case.subject else None
    await StepContext.set_timer(stub, payload, T0, name=case.name, subject=subject)  # type: ignore[arg-type]
    [timer] = stored
    assert timer.kind == case.new_kind
    return timer.key


# ---------------------------------------------------------------------------- tests


async def test_pending_0_1_timers_are_rewritten_as_set_timer_writes_them_now(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    db = await _migrated_0_1(backend)
    try:
        with caplog.at_level(logging.WARNING, logger="cohortbot.migrations"):
            await db.upgrade()
        assert await db.current_revision() == "0005"
        timers = await _timers(db)
        for case in CASES:
            payload = _payload_type(case.new_kind).model_validate(case.new_data)
            key = await _key_set_timer_builds(case, payload)
            assert case.key not in timers, case.old_kind
            row = timers[key]
            assert (row["kind"], row["data"]) == (case.new_kind, case.new_data), case.old_kind
            assert row["data"] == payload.model_dump(mode="json")
            assert row["due_at"] == T0 + case.due and row["fired_at"] is None
            assert row["subject_user_id"] == case.subject

        # Left in place, and said so, one line each.
        seam, broken = timers[SEAM_KEY], timers[BROKEN_KEY]
        assert (seam["kind"], seam["fired_at"]) == ("surveys.send", None)
        assert broken["data"] == {"session": SESSION}
        lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(lines) == 2
        assert SEAM_KEY in lines[0] and "session-feedback" in lines[0] and "NOT converted" in lines[0]
        assert BROKEN_KEY in lines[1] and "NOT converted" in lines[1]
        # Fired timers are history; a timer already typed is not touched.
        assert timers[FIRED_KEY]["kind"] == "welcome.followup1"
        assert timers[FIRED_KEY]["data"] == {"join": 1}
        assert timers[TYPED_KEY]["data"] == {"draft": "d-1"}
        assert len(timers) == len(CASES) + 4

        before = timers
        await db.upgrade()   # already at head: nothing changes
        assert await _timers(db) == before
    finally:
        await db.dispose()


async def test_todays_engine_fires_the_migrated_timers(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cohortbot")
    db = await _migrated_0_1(backend)
    bot = await Harness.start(tmp_path, PLAYBOOK, database=db)   # upgrades to head first
    try:
        await bot.advance("10m")
        # welcome.burst: the queued member is welcomed in one post
        assert any("Welcome all of you" in p.message.text and "erin" in p.message.text
                   for p in bot.posts_in("welcome"))
        # sessions.f: the follow-up post, and the feedback survey to the attendee
        assert any(p.key.endswith(f"follow-up:{PAST}") for p in bot.posts_in("announcements"))
        assert [dm.message.title for dm in bot.dms_to("carol")] == ["Live session feedback"]

        await bot.advance("1h")
        # welcome.followup0: the follow-up DM
        assert [dm.message.text for dm in bot.dms_to("alice")] == ["Please accept the guidelines, alice."]
        # welcome.report-...: frank is listed to the moderators
        assert any("frank" in p.message.text for p in bot.posts_in("mods"))
        # intros.nudge0: the nudge
        assert [dm.message.text for dm in bot.dms_to("bob")] == ["Introduce yourself, bob!"]
        # intros.followup-<round>: "did you meet?" to both members of the match
        for name, other in (("carol", "dave"), ("dave", "carol")):
            asks = [dm.message.text for dm in bot.dms_to(name)]
            assert any("Did you meet" in text and other in text for text in asks)
        # prompts.post:...: the held-back prompt is posted
        [prompt] = [p for p in bot.posts_in("general") if p.message.title == "Question of the week"]
        assert "What did you learn this week?" in prompt.message.text
        # surveys.remind: the round's reminder to the member who has not answered
        assert any(dm.key.startswith(f"surveys:{C}:") and "remind" in dm.key for dm in bot.dms_to("dave"))

        await bot.advance("8h")
        # sessions.r: the reminder DM to the attendee; sessions.d: the deadline reminder post
        assert any(dm.key.endswith(f"reminder:{SESSION}:86400:alice") for dm in bot.dms_to("alice"))
        assert any(isinstance(a, PostMessage) and DEADLINE in a.key for a in bot.performed)

        # Every migrated timer was claimed and routed to its handler (health's finds no record
        # of the question, so it stays quiet); only the two left unconverted were skipped.
        timers = await _timers(db)
        for case in CASES:
            payload = _payload_type(case.new_kind).model_validate(case.new_data)
            assert timers[await _key_set_timer_builds(case, payload)]["fired_at"] is not None
        skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
        assert len(skipped) == 2
        assert SEAM_KEY in skipped[0] and "unknown kind 'surveys.send'" in skipped[0]
        assert BROKEN_KEY in skipped[1]
    finally:
        await bot.close()
        await db.dispose()


async def test_downgrade_gives_0_1_its_timers_back(backend: Backend) -> None:
    db = await _migrated_0_1(backend)
    try:
        original = await _timers(db)
        await db.upgrade()
        async with db.engine.begin() as connection:
            await connection.run_sync(_downgrade_to_0001)
        assert await db.current_revision() == "0001"
        after = await _timers(db)
        assert {k: (r["kind"], r["data"], r["due_at"]) for k, r in after.items()} == {
            k: (r["kind"], r["data"], r["due_at"]) for k, r in original.items()
        }
    finally:
        await db.dispose()


def _downgrade_to_0001(connection: Any) -> None:
    from alembic import command

    from cohortbot.storage.database import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0001")
