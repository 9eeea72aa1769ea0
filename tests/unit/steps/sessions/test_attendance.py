"""Attendance: a Check in button online, a code read out in the room in person; who checked in
gets the feedback request, and moderators see RSVPs against check-ins."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cohortbot.playbook.actions import PostMessage, RespondToInteraction
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps.sessions.attendance import ALPHABET, WRONG_CODES
from tests.harness import Harness
from tests.unit.steps.sessions.test_sessions import PEOPLE, SESSION_STEPS

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mods}
moderators: {users: [mod], platform_admins: false}
steps:
  sessions:
    sessions:
      - name: office-hours
        title: Office hours
        cron: "0 17 * * tue"
        duration: 1h
        location: https://meet.example.org/office-hours
        announce_before: 2d
        attendance: {check_in: button}
      - name: workshop
        title: Workshop in room 4
        cron: "0 18 * * wed"
        duration: 2h
        location: Room 4, Main Street 1
        announce_before: 2d
        attendance: {check_in: code, opens_before: 15m, closes_after: 45m}
    feedback: {link: "https://forms.example.org/feedback"}
    reminders: [24h, 15m]
"""

# Berlin is UTC+1 in March: office hours Tuesday 17:00 (16:00 UTC), the workshop Wednesday 18:00.
OFFICE = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
OFFICE_ID = "office-hours-20260303-1700"
WORKSHOP = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
WORKSHOP_ID = "workshop-20260304-1800"
CODE = re.compile(r"\*\*([A-Z0-9]{3}-[A-Z0-9]{3})\*\*")


async def started(tmp_path: Path, yaml: str = PLAYBOOK, **kw: object) -> Harness:
    bot = await Harness.start(tmp_path, yaml, steps=SESSION_STEPS, **kw)  # type: ignore[arg-type]
    for name in PEOPLE:
        await bot.join(name)
    await bot.advance("1m")  # the hourly planner's first run
    return bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


async def until(bot: Harness, moment: datetime) -> None:
    seconds = int((moment - bot.clock.now()).total_seconds())
    assert seconds >= 0, "the test's clock went past the moment"
    if seconds:
        await bot.advance(f"{seconds}s")


def text(answer: RespondToInteraction | None) -> str:
    assert answer is not None and answer.ephemeral
    return answer.message.text


def check_in_cards(bot: Harness) -> list[PostMessage]:
    return [p for p in bot.posts_in("announcements") if any(b.label == "Check in" for b in p.message.buttons)]


async def rsvp(bot: Harness, name: str, title: str) -> None:
    [card] = [p for p in bot.posts_in("announcements") if p.message.title == title and p.message.fields]
    await bot.click(name, Harness.button([card], "I'll be there"))


def feedback_to(bot: Harness, name: str) -> list[str]:
    return [dm.message.text for dm in bot.dms_to(name) if "forms.example.org/feedback" in dm.message.text]


def code_posted(bot: Harness) -> str:
    [post] = [p for p in bot.posts_in("mods") if p.message.text.startswith("Check-in code")]
    found = CODE.search(post.message.text)
    assert found is not None, post.message.text
    return found.group(1)


# ---------------------------------------------------------------------------- online: the button


async def test_the_check_in_card_is_posted_when_check_in_opens_and_records_each_member_once(
    bot: Harness,
) -> None:
    await until(bot, OFFICE - timedelta(minutes=10, seconds=1))
    assert check_in_cards(bot) == []
    await bot.advance("1s")  # 10 minutes before the start (the default opens_before)
    [card] = check_in_cards(bot)
    assert card.message.title == "Office hours"
    assert card.message.text == f"**Office hours** starts {timestamp(OFFICE)}. Here? Press **Check in**."
    assert [b.label for b in card.message.buttons] == ["Check in", "Join link"]
    assert bot.posts_in("mods") == []  # no code for an online session

    button = Harness.button([card], "Check in")
    checked = "You're checked in to **Office hours**. Enjoy the session!"
    assert text(await bot.click("alice", button)) == checked
    assert text(await bot.click("alice", button)) == "You're already checked in to **Office hours**."
    await until(bot, OFFICE + timedelta(minutes=29))
    assert text(await bot.click("bob", button)).startswith("You're checked in")
    await bot.advance("1m")  # 30 minutes after the start (the default closes_after)
    assert text(await bot.click("carol", button)) == (
        f"Check-in for **Office hours** closed at {timestamp(OFFICE + timedelta(minutes=30))}."
    )
    await bot.advance("1d")
    assert len(check_in_cards(bot)) == 1


async def test_the_feedback_goes_to_who_checked_in_and_the_reminders_to_who_rsvped(bot: Harness) -> None:
    await rsvp(bot, "alice", "Office hours")
    await rsvp(bot, "bob", "Office hours")  # says yes, never shows up
    await until(bot, OFFICE)
    assert len([dm for dm in bot.dms_to("bob") if dm.message.text.startswith("Reminder:")]) == 2
    assert [dm for dm in bot.dms_to("carol") if dm.message.text.startswith("Reminder:")] == []
    button = Harness.button(check_in_cards(bot), "Check in")
    await bot.click("alice", button)
    await bot.click("carol", button)  # came without an RSVP
    await bot.advance("1h15m")  # the end plus follow_up_after
    assert feedback_to(bot, "alice") == [
        "Thanks for joining **Office hours**, alice! How was it? Two minutes of feedback help us "
        "make the next one better: https://forms.example.org/feedback"
    ]
    assert len(feedback_to(bot, "carol")) == 1
    assert feedback_to(bot, "bob") == feedback_to(bot, "dave") == []
    assert bot.posts_in("announcements")[-1].message.text == "Thanks to everyone who joined **Office hours**!"


async def test_with_rsvps_but_nobody_checked_in_nobody_is_thanked_or_asked(bot: Harness) -> None:
    await rsvp(bot, "alice", "Office hours")
    await until(bot, OFFICE)
    await bot.advance("2h")
    assert not [p for p in bot.posts_in("announcements") if p.message.text.startswith("Thanks")]
    assert feedback_to(bot, "alice") == []


async def test_on_discord_the_card_goes_beside_the_native_event(tmp_path: Path) -> None:
    bot = await started(tmp_path, capabilities=Capabilities(native_events=True))
    try:
        await until(bot, OFFICE - timedelta(minutes=10))
        [card] = check_in_cards(bot)
        native = [p for p in bot.posts_in("announcements") if "Mark yourself *Interested*" in p.message.text]
        assert native and bot.performed.index(native[0]) < bot.performed.index(card)
        answer = await bot.click("dave", Harness.button([card], "Check in"))
        assert text(answer).startswith("You're checked in")
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- in person: the code


async def test_the_code_goes_to_the_moderators_and_members_check_in_with_it(bot: Harness) -> None:
    await until(bot, WORKSHOP - timedelta(days=2))  # announced
    early = await bot.command("mod", f"session code {WORKSHOP_ID}")  # a moderator may look ahead
    await until(bot, WORKSHOP - timedelta(minutes=15, seconds=1))
    assert bot.posts_in("mods") == []
    await bot.advance("1s")  # opens_before: 15m
    code = code_posted(bot)
    assert all(c in ALPHABET for c in code.replace("-", "")) and not set("0O1IL5S8B") & set(code)
    assert f"**{code}**" in text(early)
    [post] = bot.posts_in("mods")
    assert post.message.text == (
        f"Check-in code for **Workshop in room 4** ({timestamp(WORKSHOP)}): **{code}**\n"
        f"Read it out in the room: members check in with `/cohort session checkin {code}` from "
        f"{timestamp(WORKSHOP - timedelta(minutes=15))} until {timestamp(WORKSHOP + timedelta(minutes=45))}."
    )
    assert [p for p in check_in_cards(bot) if p.message.title == "Workshop in room 4"] == []  # no button

    typed = code.lower().replace("-", " ")  # as heard: any case, a space or nothing for the dash
    assert text(await bot.command("alice", f"session checkin {typed}")) == (
        "You're checked in to **Workshop in room 4**. Enjoy the session!"
    )
    assert text(await bot.command("alice", f"session checkin {code}")) == (
        "You're already checked in to **Workshop in room 4**."
    )
    await until(bot, WORKSHOP + timedelta(minutes=45))
    assert text(await bot.command("bob", f"session checkin {code}")) == (
        f"Check-in for **Workshop in room 4** closed at {timestamp(WORKSHOP + timedelta(minutes=45))}."
    )
    listed = text(await bot.command("mod", f"session code {WORKSHOP_ID}"))
    assert f"**{code}**" in listed  # still shown to moderators (the session is not over)


async def test_wrong_codes_are_answered_and_bounded_per_member(bot: Harness) -> None:
    await until(bot, WORKSHOP)
    code = code_posted(bot)
    wrong = next(
        f"{a}{a}{a}-{a}{a}{a}" for a in ALPHABET if f"{a}{a}{a}-{a}{a}{a}" != code
    )  # a well-formed code that is not this one
    answers = [text(await bot.command("bob", f"session checkin {wrong}")) for _ in range(WRONG_CODES)]
    assert answers[0] == (
        f"**{wrong}** is no session's check-in code. Check it with the moderators (4 more tries this hour)."
    )
    assert answers[3].endswith("(1 more try this hour).")
    assert answers[-1].endswith("(no more tries for now).")
    refused = text(await bot.command("bob", f"session checkin {code}"))  # even the right one, for now
    assert refused == (
        f"That's {WRONG_CODES} wrong codes within an hour: you can try again "
        f"{timestamp(WORKSHOP + timedelta(hours=1))}. Ask a moderator to read the code out again."
    )
    # Another member is not held back by bob's guesses.
    assert text(await bot.command("carol", f"session checkin {code}")).startswith("You're checked in")
    # Something that cannot be a code says what one looks like, and does not count.
    for typed in ("hello", "HXR-47", "OOO-000", "x" * 500):
        assert text(await bot.command("dave", f"session checkin {typed}")) == (
            "A check-in code is 6 letters and digits, like HXR-47K: the moderators read it out in "
            "the room. Type `/cohort session checkin CODE`."
        )
    assert text(await bot.command("dave", f"session checkin {code}")).startswith("You're checked in")
    await bot.advance("1h")  # an hour after bob's first wrong code: the code is answered again
    assert text(await bot.command("bob", f"session checkin {code}")).startswith(
        "Check-in for **Workshop in room 4** closed at"
    )


async def test_each_occurrence_has_its_own_code(bot: Harness) -> None:
    await until(bot, WORKSHOP)
    first = code_posted(bot)
    await bot.command("alice", f"session checkin {first}")
    await until(bot, WORKSHOP + timedelta(days=7))
    posts = [p.message.text for p in bot.posts_in("mods") if p.message.text.startswith("Check-in")]
    codes = [CODE.search(p) for p in posts]
    second = [m.group(1) for m in codes if m][1]
    assert second != first
    assert text(await bot.command("alice", f"session checkin {first}")).startswith(
        "Check-in for **Workshop in room 4** closed at"
    )
    assert text(await bot.command("alice", f"session checkin {second}")).startswith("You're checked in")


async def test_session_code_for_moderators_only_and_about_sessions_that_take_one(bot: Harness) -> None:
    refused = await bot.command("alice", "session code")
    assert refused is not None and "only moderators" in refused.message.text
    assert text(await bot.command("mod", "session code")).startswith("No session coming up takes attendance")
    await until(bot, WORKSHOP - timedelta(days=2))  # announced
    nearest = text(await bot.command("mod", "session code"))
    assert nearest.startswith(f"Check-in code for **Workshop in room 4** ({timestamp(WORKSHOP)}): **")
    button_only = text(await bot.command("mod", f"session code {OFFICE_ID}"))
    assert button_only == "**Office hours** takes no check-in code (members check in with the button)."
    unknown = text(await bot.command("mod", "session code nope-<@everyone>"))
    assert unknown == "No session with id nope-\\<@everyone\\>. `/cohort session list` shows the ids."


async def test_a_check_in_opens_at_once_for_a_session_created_at_short_notice(tmp_path: Path) -> None:
    yaml = PLAYBOOK.replace(
        "    reminders: [24h, 15m]",
        "    reminders: [24h, 15m]\n    attendance: {check_in: both, closes_after: 1h}",
    )
    bot = await started(tmp_path, yaml)
    try:
        await bot.advance("4h55m")  # 13:56 Berlin
        answer = await bot.command("mod", 'session create "Pop-up session" 2026-03-02 14:00 30m')
        assert answer is not None and "Created **Pop-up session**" in answer.message.text
        [card] = [p for p in check_in_cards(bot) if p.message.title == "Pop-up session"]
        code = code_posted(bot)
        assert text(await bot.command("alice", f"session checkin {code}")).startswith("You're checked in")
        assert text(await bot.click("alice", Harness.button([card], "Check in"))) == (
            "You're already checked in to **Pop-up session**."
        )
        end = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 14:30 Berlin, before closes_after's 1h
        await until(bot, end - timedelta(seconds=1))
        late = await bot.click("bob", Harness.button([card], "Check in"))
        assert text(late).startswith("You're checked in")
        await until(bot, end)  # the session's end: check-in never stays open past it
        assert text(await bot.click("carol", Harness.button([card], "Check in"))) == (
            f"Check-in for **Pop-up session** closed at {timestamp(end)}."
        )
    finally:
        await bot.close()


async def test_a_recurring_session_can_turn_the_step_default_off(tmp_path: Path) -> None:
    own_off = PLAYBOOK.replace("        attendance: {check_in: button}\n", "        attendance: false\n")
    yaml = own_off.replace(
        "    reminders: [24h, 15m]", "    reminders: [24h, 15m]\n    attendance: {check_in: button}"
    )
    bot = await started(tmp_path, yaml)
    try:
        await rsvp(bot, "alice", "Office hours")
        await until(bot, OFFICE)
        assert [p for p in check_in_cards(bot) if p.message.title == "Office hours"] == []
        await bot.advance("2h")
        assert len(feedback_to(bot, "alice")) == 1  # the RSVPs, as without attendance
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- what moderators see


async def test_history_shows_rsvps_against_check_ins(bot: Harness) -> None:
    await rsvp(bot, "alice", "Office hours")
    await rsvp(bot, "bob", "Office hours")
    await until(bot, OFFICE)
    button = Harness.button(check_in_cards(bot), "Check in")
    for name in ("alice", "carol", "dave"):
        await bot.click(name, button)
    during = text(await bot.command("bob", "session list"))
    assert "**Office hours** — " + timestamp(OFFICE) + " · 2 going · you're going · 3 checked in" in during
    await bot.command("mod", 'session create "Guest talk" 2026-03-03 18:00 1h')  # no attendance
    await until(bot, WORKSHOP + timedelta(hours=3))
    history = await bot.command("mod", "session history")
    assert history is not None and history.message.title == "Past sessions: RSVPs and attendance"
    assert history.message.text.splitlines() == [
        f"- **Workshop in room 4** — {timestamp(WORKSHOP)} · 0 RSVPed yes · 0 checked in"
        f" · id `{WORKSHOP_ID}`",
        f"- **Guest talk** — {timestamp(OFFICE + timedelta(hours=1))} · 0 RSVPed yes · no attendance taken"
        " · id `guest-talk-20260303-1800`",
        f"- **Office hours** — {timestamp(OFFICE)} · 2 RSVPed yes · 3 checked in, 2 without an RSVP"
        f" · id `{OFFICE_ID}`",
    ]
    refused = await bot.command("alice", "session history")
    assert refused is not None and "only moderators" in refused.message.text
