"""Live sessions, as a facilitator would describe them: announce, RSVP, remind, follow up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cohortbot.adapters.base import Delivered
from cohortbot.playbook.actions import Action, CreateLiveSession, PostMessage, RespondToInteraction
from cohortbot.playbook.events import RsvpChanged, ScheduleFired
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.step import Step
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.sessions import STEP
from tests.harness import Harness

SESSION_STEPS: list[Step[Any]] = [*(s for s in STEPS if s.name != "sessions"), STEP]

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
        description: Bring your questions about this week's exercises.
        location: https://meet.example.org/office-hours
        announce_before: 2d
        feedback: {link: "https://forms.example.org/office-hours"}
    reminders: [24h, 15m]
"""

# Tuesday 3 March 2026, 17:00 in Berlin (CET, UTC+1): the first office hours.
FIRST = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
FIRST_ID = "office-hours-20260303-1700"
PEOPLE = ("alice", "bob", "carol", "dave")


async def started(tmp_path: Path, yaml: str = PLAYBOOK, **kw: Any) -> Harness:
    bot = await Harness.start(tmp_path, yaml, steps=SESSION_STEPS, **kw)
    for name in PEOPLE:
        await bot.join(name)  # the community becomes known to the scheduler
    await bot.advance("1m")  # the hourly planner's first run (08:00 UTC)
    return bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await started(tmp_path)
    yield harness
    await harness.close()


def announcements(bot: Harness) -> list[PostMessage]:
    return bot.posts_in("announcements")


def texts(actions: list[Any]) -> list[str]:
    return [a.message.text for a in actions]


def card(bot: Harness, index: int = 0) -> PostMessage:
    return [p for p in announcements(bot) if p.message.buttons and p.message.title][index]


async def rsvp(bot: Harness, name: str, label: str) -> RespondToInteraction | None:
    [button] = [b for b in card(bot).message.buttons if b.label == label]
    return await bot.click(name, button)


async def until_start(bot: Harness) -> None:
    await bot.advance(f"{int((FIRST - bot.clock.now()).total_seconds())}s")


def reminders_to(bot: Harness, name: str) -> list[str]:
    return [t for t in texts(bot.dms_to(name)) if t.startswith("Reminder:")]


# ---------------------------------------------------------------------------- announcing


async def test_a_recurring_session_is_announced_ahead_with_an_rsvp_card(bot: Harness) -> None:
    [post] = announcements(bot)
    message = post.message
    assert message.title == "Office hours"
    assert message.text.startswith(f"Join us for **Office hours** on {timestamp(FIRST)}.")
    assert "Bring your questions" in message.text
    assert [(f.name, f.value) for f in message.fields] == [
        ("When", f"{timestamp(FIRST)} (1h)"),
        ("Where", "https://meet.example.org/office-hours"),
    ]
    yes, no, link = message.buttons
    assert (yes.label, yes.action_id, yes.value) == ("I'll be there", "sessions:yes", FIRST_ID)
    assert (no.label, no.action_id, no.value) == ("Can't make it", "sessions:no", FIRST_ID)
    assert link.url == "https://meet.example.org/office-hours"
    assert bot.of(CreateLiveSession) == []  # no native events on this platform


async def test_the_planner_running_again_sends_nothing_twice(bot: Harness) -> None:
    await bot.advance("5h")  # five more hourly planner runs
    again = ScheduleFired(
        community=bot.community,
        occurred_at=bot.clock.now(),
        event_id="replayed-plan",
        schedule="sessions.plan",
        occurrence=bot.clock.now(),
    )
    await bot.runtime.submit(again)  # a planner occurrence seen by a second process
    await bot.runtime.settle()
    assert len(announcements(bot)) == 1
    await bot.advance("7d")  # next week's occurrence is announced once, with its own key
    cards = [p for p in announcements(bot) if p.message.title == "Office hours"]
    assert [c.message.buttons[0].value for c in cards] == [FIRST_ID, "office-hours-20260310-1700"]


async def test_rsvp_buttons_answer_the_member_privately(bot: Harness) -> None:
    answer = await rsvp(bot, "alice", "I'll be there")
    assert answer is not None and answer.ephemeral
    assert answer.message.text == (
        f"Great, see you at **Office hours** on {timestamp(FIRST)}! I'll remind you 1d and 15m before."
    )
    again = await rsvp(bot, "alice", "I'll be there")
    assert again is not None and again.message.text.startswith("You're already on the list.")
    no = await rsvp(bot, "bob", "Can't make it")
    assert (
        no is not None and no.ephemeral and no.message.text == "Thanks for letting us know. Maybe next time!"
    )


# ---------------------------------------------------------------------------- reminders


async def test_reminders_go_to_members_who_said_yes_only(bot: Harness) -> None:
    await rsvp(bot, "alice", "I'll be there")
    await rsvp(bot, "bob", "Can't make it")
    await rsvp(bot, "dave", "I'll be there")
    answer = await bot.command("dave", "session reminders off")
    assert answer is not None and answer.ephemeral and "reminders are off" in answer.message.text
    # carol never answered
    await until_start(bot)
    assert (
        reminders_to(bot, "alice")
        == [f"Reminder: **Office hours** starts {timestamp(FIRST)}. https://meet.example.org/office-hours"]
        * 2
    )  # 24h and 15 min before, each once
    assert [dm.key.split(":")[-2] for dm in bot.dms_to("alice")] == ["86400", "900"]
    assert reminders_to(bot, "bob") == reminders_to(bot, "carol") == reminders_to(bot, "dave") == []
    await bot.advance("1d")
    assert len(reminders_to(bot, "alice")) == 2


async def test_a_member_can_turn_reminders_off_from_the_reminder_itself(bot: Harness) -> None:
    await rsvp(bot, "alice", "I'll be there")
    await bot.advance("1d")  # past the 24h reminder (Monday 17:00 Berlin)
    [first] = bot.dms_to("alice")
    off = next(b for b in first.message.buttons if b.label == "Turn off session reminders")
    answer = await bot.click("alice", off)
    assert answer is not None and answer.ephemeral and "reminders are off" in answer.message.text
    await until_start(bot)
    assert len(reminders_to(bot, "alice")) == 1
    on = await bot.command("alice", "session reminders on")
    assert on is not None and "reminders are on" in on.message.text


# ---------------------------------------------------------------------------- after the session


async def test_follow_up_post_and_feedback_to_attendees_only(bot: Harness) -> None:
    await rsvp(bot, "alice", "I'll be there")
    await rsvp(bot, "bob", "Can't make it")
    answer = await bot.command("mod", f"session notes {FIRST_ID} https://notes.example.org/oh-1")
    assert answer is not None and "follow-up" in answer.message.text
    await until_start(bot)
    await bot.advance("1h15m")  # the end of the session plus follow_up_after
    follow_up = announcements(bot)[-1]
    assert follow_up.message.text == (
        "Thanks to everyone who joined **Office hours**!\n"
        "Notes and recording for **Office hours**: https://notes.example.org/oh-1"
    )
    assert follow_up.message.buttons[0].url == "https://notes.example.org/oh-1"
    [feedback] = [dm for dm in bot.dms_to("alice") if "feedback" in dm.message.text]
    assert feedback.message.text == (
        "Thanks for joining **Office hours**, alice! How was it? Two minutes of feedback help us "
        "make the next one better: https://forms.example.org/office-hours"
    )
    assert feedback.message.buttons[0].url == "https://forms.example.org/office-hours"
    for name in ("bob", "carol", "dave"):
        assert bot.dms_to(name) == []
    await bot.advance("1d")
    assert len([p for p in announcements(bot) if p.message.text.startswith("Thanks")]) == 1
    assert len([dm for dm in bot.dms_to("alice") if "feedback" in dm.message.text]) == 1


async def test_nobody_is_thanked_for_joining_a_session_nobody_rsvped_to(bot: Harness) -> None:
    await rsvp(bot, "bob", "Can't make it")
    posted = len(announcements(bot))
    await until_start(bot)
    await bot.advance("2h")
    assert len(announcements(bot)) == posted  # no follow-up post at all
    assert not [t for t in texts(announcements(bot)) if t.startswith("Thanks")]
    assert bot.dms_to("bob") == []  # and no feedback request


async def test_with_nobody_rsvped_the_notes_alone_or_the_playbook_s_own_text_are_posted(
    tmp_path: Path,
) -> None:
    yaml = PLAYBOOK.replace(
        "    reminders: [24h, 15m]",
        "    reminders: [24h, 15m]\n    follow_up_nobody: \"**{title}** is over: catch up below.\"",
    )
    bot = await started(tmp_path, yaml)
    try:
        await bot.command("mod", f"session notes {FIRST_ID} https://notes.example.org/oh-1")
        await until_start(bot)
        await bot.advance("2h")
        assert announcements(bot)[-1].message.text == (
            "**Office hours** is over: catch up below.\n"
            "Notes and recording for **Office hours**: https://notes.example.org/oh-1"
        )
    finally:
        await bot.close()


async def test_notes_given_after_the_follow_up_are_posted_once(bot: Harness) -> None:
    await rsvp(bot, "alice", "I'll be there")
    await until_start(bot)
    await bot.advance("2h")
    assert announcements(bot)[-1].message.text == "Thanks to everyone who joined **Office hours**!"
    for _ in range(2):
        answer = await bot.command("mod", f"session notes {FIRST_ID} https://notes.example.org/oh-1")
        assert answer is not None and "posted" in answer.message.text
    notes = [p for p in announcements(bot) if p.message.text.startswith("Notes and recording")]
    assert texts(notes) == ["Notes and recording for **Office hours**: https://notes.example.org/oh-1"]


async def test_clicking_rsvp_on_a_past_session(bot: Harness) -> None:
    await until_start(bot)
    await bot.advance("2h")
    answer = await rsvp(bot, "alice", "I'll be there")
    assert answer is not None and answer.message.text == "**Office hours** has already taken place."


# ---------------------------------------------------------------------------- native scheduled events


@pytest.fixture
async def discord_like(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    harness = await Harness.start(
        tmp_path, PLAYBOOK, steps=SESSION_STEPS, capabilities=Capabilities(native_events=True)
    )
    perform = harness.adapter.perform

    async def assign_event_ids(action: Action, *, resumed: bool = False) -> Delivered:
        delivered = await perform(action, resumed=resumed)
        if isinstance(action, CreateLiveSession):  # like Discord: the event's id comes back
            return Delivered(platform_id=f"evt-{action.starts_at:%m%d}")
        return delivered

    monkeypatch.setattr(harness.adapter, "perform", assign_event_ids)
    for name in PEOPLE:
        await harness.join(name)
    await harness.advance("1m")
    yield harness
    await harness.close()


async def rsvp_native(bot: Harness, name: str, attending: bool, event_id: str = "evt-0303") -> None:
    await bot.send(RsvpChanged, user=bot.user(name), session_id=event_id, attending=attending)


async def test_a_native_event_is_created_and_announced_without_rsvp_buttons(discord_like: Harness) -> None:
    bot = discord_like
    [event] = bot.of(CreateLiveSession)
    assert isinstance(event, CreateLiveSession) and event.notify
    assert (event.title, event.starts_at, event.ends_at) == ("Office hours", FIRST, FIRST.replace(hour=17))
    assert event.location == "https://meet.example.org/office-hours"
    assert "Bring your questions" in event.description
    [post] = announcements(bot)
    assert post.message.text.startswith(
        f"**Office hours** is on {timestamp(FIRST)}. Mark yourself *Interested*"
    )
    assert [b.label for b in post.message.buttons] == ["Join link"]


async def test_native_rsvps_drive_reminders_and_feedback(discord_like: Harness) -> None:
    bot = discord_like
    await rsvp_native(bot, "alice", True)
    await rsvp_native(bot, "bob", True)
    await rsvp_native(bot, "bob", False)  # bob is no longer interested
    await rsvp_native(bot, "carol", True, event_id="evt-unknown")  # some other server event
    listed = await bot.command("carol", "session list")
    assert listed is not None and "1 going" in listed.message.text
    await until_start(bot)
    assert len(reminders_to(bot, "alice")) == 2
    assert bot.dms_to("bob") == bot.dms_to("carol") == []
    await bot.advance("2h")
    assert [dm for dm in bot.dms_to("alice") if "feedback" in dm.message.text]
    assert bot.dms_to("bob") == bot.dms_to("carol") == []
    await bot.advance("7d")  # next week's event is created once
    assert [a.starts_at.day for a in bot.of(CreateLiveSession)] == [3, 10]  # type: ignore[attr-defined]
