"""Sessions and deadlines moderators add by command, the session list, and playbook checks."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbooks
from cohortbot.playbook.actions import PostMessage, RespondToInteraction
from cohortbot.playbook.messages import timestamp
from tests.harness import Harness
from tests.unit.steps.sessions.test_sessions import FIRST, FIRST_ID, PEOPLE, SESSION_STEPS

PLAYBOOK = """
name: Test cohort
default: true
timezone: Europe/Berlin
channels: {announcements: announcements, general: general}
moderators: {users: [mod], platform_admins: false}
steps:
  sessions:
    location: https://meet.example.org/cohort
    feedback: {link: "https://forms.example.org/sessions", message: "How was {title}, {member}? {link}"}
    sessions:
      - name: office-hours
        title: Office hours
        cron: "0 17 * * tue"
        announce_before: 2d
        deadline: {title: Submit this week's exercise, after: 2d, remind_before: [1h]}
    deadlines:
      - {title: Project proposal, due: "2026-03-06 23:59", channel: general, remind_before: [1d, 1h]}
"""

QA_START = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # Wednesday 18:00 in Berlin
QA_ID = "q-a-with-ada-20260304-1800"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK, steps=SESSION_STEPS)
    for name in PEOPLE:
        await harness.join(name)
    await harness.advance("1m")
    yield harness
    await harness.close()


def said(answer: RespondToInteraction | None) -> str:
    assert answer is not None and answer.ephemeral
    return answer.message.text


def cards(bot: Harness) -> list[PostMessage]:
    return [p for p in bot.posts_in("announcements") if p.message.buttons and p.message.title]


# ---------------------------------------------------------------------------- creating


async def test_a_moderator_creates_a_session_and_it_is_announced_at_once(bot: Harness) -> None:
    answer = await bot.command("mod", 'session create "Q&A with Ada" 2026-03-04 18:00 1h')
    assert said(answer) == (
        f"Created **Q&A with Ada** on {timestamp(QA_START)} and announced in <#announcements>. "
        f"Its id: `{QA_ID}`."
    )
    card = cards(bot)[-1]
    assert card.message.title == "Q&A with Ada"
    assert card.message.buttons[0].value == QA_ID
    assert card.message.fields[1].value == "https://meet.example.org/cohort"  # the step's location
    await bot.click("alice", card.message.buttons[0])
    await bot.advance("3d")
    reminders = [dm.message.text for dm in bot.dms_to("alice") if dm.message.text.startswith("Reminder")]
    assert (
        reminders
        == [f"Reminder: **Q&A with Ada** starts {timestamp(QA_START)}. https://meet.example.org/cohort"] * 2
    )
    feedback = [dm.message.text for dm in bot.dms_to("alice") if dm.message.text.startswith("How was")]
    assert feedback == [
        "How was Q&A with Ada, alice? https://forms.example.org/sessions"
    ]  # the step's feedback


async def test_titles_need_no_quotes_and_short_notice_skips_the_early_reminder(bot: Harness) -> None:
    answer = await bot.command("mod", "session create Study group 2026-03-02 20:30 90m")
    assert "Created **Study group**" in said(answer) and "`study-group-20260302-2030`" in said(answer)
    card = cards(bot)[-1]
    assert card.message.fields[0].value.endswith("(1h30m)")
    click = await bot.click("bob", card.message.buttons[0])
    assert said(click).endswith("I'll remind you 15m before.")
    await bot.advance("1d")
    reminders = [dm for dm in bot.dms_to("bob") if ":reminder:" in dm.key]
    assert [dm.key.split(":")[-2] for dm in reminders] == ["900"]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (
            "session create Demo 2026-13-01 18:00 1h",
            "WHEN must look like 2026-03-05 18:00 (YYYY-MM-DD HH:MM, Europe/Berlin time), "
            "not '2026-13-01 18:00'",
        ),
        ("session create Demo tomorrow 18:00 1h", "WHEN must look like"),
        (
            "session create Demo 2026-03-01 10:00 1h",
            "2026-03-01 10:00 is in the past (it is 2026-03-02 09:01 Europe/Berlin now); pick a future time.",
        ),
        ("session create Demo 2026-03-29 02:30 1h", "2026-03-29 02:30 does not exist in Europe/Berlin"),
        ("session create Demo 2026-03-05 18:00 1x", "DURATION must look like 45m, 1h or 1h30m, not '1x'."),
        ("session create Demo 2026-03-05 18:00 0m", "DURATION must be longer than 0 and at most 1d."),
        ("session create Demo 2026-03-05 18:00", "DURATION is missing."),
        ("session create Demo 18:00 1h", "I need a title, a date and time, and a duration."),
        ("deadline add Essay 2026-03-01 10:00", "is in the past"),
        ("session create Demo 9999-12-31 23:59 1h", "WHEN must be a date between 2000 and 2100"),
        ("session create Demo 0001-01-01 10:00 1h", "WHEN must be a date between 2000 and 2100"),
        ("deadline add Essay 9999-12-31 23:59", "WHEN must be a date between 2000 and 2100"),
        ("deadline add Essay 2026-03-10", "I need a title and a date and time."),
        ("session notes nope https://notes.example.org/1", "No session with id `nope`."),
        (f"session notes {FIRST_ID} notes.example.org", "LINK must start with https://"),
    ],
)
async def test_bad_input_gets_a_clear_error_and_changes_nothing(
    bot: Harness, command: str, error: str
) -> None:
    before = len(bot.performed)
    text = said(await bot.command("mod", command))
    assert error in text
    assert bot.performed[before:] == [bot.performed[-1]]  # only the answer


async def test_the_same_session_twice_is_refused(bot: Harness) -> None:
    await bot.command("mod", 'session create "Q&A with Ada" 2026-03-04 18:00 1h')
    again = said(await bot.command("mod", 'session create "Q&A with Ada" 2026-03-04 18:00 1h'))
    assert again == f"**Q&A with Ada** at that time already exists (id `{QA_ID}`)."
    assert len(cards(bot)) == 2  # office hours and one Q&A


@pytest.mark.parametrize(
    "command",
    [
        'session create "Q&A with Ada" 2026-03-04 18:00 1h',
        f"session notes {FIRST_ID} https://notes.example.org/1",
        'deadline add "Exercise 2" 2026-03-04 12:00',
    ],
)
async def test_members_cannot_use_moderator_commands(bot: Harness, command: str) -> None:
    before = len(bot.performed)
    text = said(await bot.command("alice", command))
    assert text.startswith("Sorry, only moderators can use `/cohort ")
    assert len(bot.performed) == before + 1


# ---------------------------------------------------------------------------- listing


async def test_the_list_shows_upcoming_sessions_with_rsvp_counts_in_local_time_tokens(bot: Harness) -> None:
    await bot.command("mod", 'session create "Q&A with Ada" 2026-03-04 18:00 1h')
    office = cards(bot)[0]
    await bot.click("alice", office.message.buttons[0])
    await bot.click("bob", office.message.buttons[0])
    await bot.click("carol", office.message.buttons[1])
    answer = await bot.command("alice", "session list")
    assert answer is not None and answer.ephemeral and answer.message.title == "Upcoming sessions"
    next_week = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert answer.message.text.splitlines() == [
        f"- **Office hours** — {timestamp(FIRST)} · 2 going · you're going · id `{FIRST_ID}`",
        f"- **Q&A with Ada** — {timestamp(QA_START)} · 0 going · id `{QA_ID}`",
        f"- **Office hours** — {timestamp(next_week)} · RSVP from {timestamp(next_week.replace(day=8))}",
        "",
        "**Deadlines**",
        f"- **Submit this week's exercise** — closes {timestamp(datetime(2026, 3, 5, 17, 0, tzinfo=UTC))}",
        f"- **Project proposal** — closes {timestamp(datetime(2026, 3, 6, 22, 59, tzinfo=UTC))}",
    ]


# ---------------------------------------------------------------------------- deadlines


def deadline_posts(bot: Harness, channel: str) -> list[str]:
    return [p.message.text for p in bot.posts_in(channel) if p.message.text.startswith("⏰")]


async def test_deadlines_get_a_reminder_before_they_close_each_once(bot: Harness) -> None:
    answer = await bot.command("mod", "deadline add Exercise 2 2026-03-04 12:00")
    due = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    assert said(answer) == f"Added **Exercise 2**, closing {timestamp(due)}. Reminders 1d and 1h before."
    await bot.advance("2d2h")  # Wednesday 11:01 in Berlin, 1 min after the 1h reminder
    assert deadline_posts(bot, "announcements") == [f"⏰ **Exercise 2** closes {timestamp(due)}."] * 2
    await bot.advance("7d")
    proposal = timestamp(datetime(2026, 3, 6, 22, 59, tzinfo=UTC))
    assert deadline_posts(bot, "general") == [f"⏰ **Project proposal** closes {proposal}."] * 2
    exercise = timestamp(datetime(2026, 3, 5, 17, 0, tzinfo=UTC))  # two days after office hours ended
    assert (
        deadline_posts(bot, "announcements").count(f"⏰ **Submit this week's exercise** closes {exercise}.")
        == 1
    )
    keys = [p.key for p in bot.performed if isinstance(p, PostMessage) and p.message.text.startswith("⏰")]
    assert len(keys) == len(set(keys)) == 2 + 2 + 1  # next week's exercise is due on Thursday 12th


# ---------------------------------------------------------------------------- playbook checks


def check(tmp_path: Path, section: str) -> list[str]:
    file = tmp_path / "bad.yaml"
    file.write_text(
        "name: Bad\ndefault: true\ntimezone: Europe/Berlin\nsteps:\n  sessions:\n"
        + textwrap.indent(textwrap.dedent(section), "    ")
    )
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([file], SESSION_STEPS)
    return [f"{i.line}:{i.field}: {i.message}" for i in caught.value.issues]


def test_a_bad_session_cron_is_reported_with_its_line_and_field(tmp_path: Path) -> None:
    [issue] = check(tmp_path, 'sessions:\n  - {name: oh, title: Office hours, cron: "0 17 * * tuesdays"}\n')
    assert issue.startswith("7:steps.sessions.sessions[0].cron: bad cron expression '0 17 * * tuesdays'")


def test_bad_deadlines_and_duplicate_session_names_are_reported(tmp_path: Path) -> None:
    issues = check(
        tmp_path,
        """\
        sessions:
          - {name: oh, title: A, cron: "0 17 * * tue"}
          - {name: oh, title: B, cron: "0 17 * * thu"}
        deadlines:
          - {title: Essay, due: "next friday"}
        reminders: [0m]
        """,
    )
    assert issues == [
        "6:steps.sessions.sessions: session names must be unique; given twice: oh",
        "10:steps.sessions.deadlines[0].due: expected a local date and time like 2026-03-10 23:59, "
        "not 'next friday'",
        "11:steps.sessions.reminders: each offset must be longer than 0, e.g. 24h or 15m",
    ]
