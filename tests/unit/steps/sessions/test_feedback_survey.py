"""After a session, the attendees get a survey of the surveys step (a SurveyRequested message)."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.actions import SendDirectMessage
from tests.harness import Harness
from tests.unit.steps.sessions.test_sessions import PEOPLE, SESSION_STEPS

SURVEYED = """
name: Test cohort
default: true
timezone: Europe/Berlin
channels: {announcements: announcements, general: general}
moderators: {users: [mod], platform_admins: false}
steps:
  sessions:
    feedback: {survey: session-feedback}
  surveys:
    surveys:
      - name: session-feedback
        title: Live session feedback
        remind: false
        questions:
          - {id: rating, type: scale, text: "How useful was today's session?"}
"""


def survey_invites(bot: Harness, name: str) -> list[SendDirectMessage]:
    return [dm for dm in bot.dms_to(name) if dm.message.title == "Live session feedback"]


async def session_with_rsvps(tmp_path: Path, playbook: str) -> Harness:
    bot = await Harness.start(tmp_path, playbook, steps=SESSION_STEPS)
    for name in PEOPLE:
        await bot.join(name)
    await bot.command("mod", 'session create "Q&A with Ada" 2026-03-04 18:00 1h')
    [card] = [p for p in bot.posts_in("announcements") if p.message.title == "Q&A with Ada"]
    yes, no = card.message.buttons[:2]
    for name in ("alice", "bob"):
        await bot.click(name, yes)
    await bot.click("carol", no)
    await bot.leave("bob")  # attendees are the members who said yes and are still here
    return bot


async def test_the_attendees_are_invited_to_the_sessions_survey_round(tmp_path: Path) -> None:
    bot = await session_with_rsvps(tmp_path, SURVEYED)
    try:
        await bot.advance("2d12h")  # Wednesday 18:00 + 1h + 15 min, and more
        [invite] = survey_invites(bot, "alice")
        assert invite.message.buttons[0].value == "session-feedback|session-q-a-wit-ae5d97a7"
        assert survey_invites(bot, "bob") == survey_invites(bot, "carol") == survey_invites(bot, "dave") == []
        listing = await bot.command("mod", "survey list")
        assert listing is not None and "1 round(s), 0/1 answered" in listing.message.text
        await bot.advance("1d")
        assert len(survey_invites(bot, "alice")) == 1
    finally:
        await bot.close()


async def test_with_the_surveys_step_disabled_the_request_goes_nowhere_and_nothing_fails(
    tmp_path: Path,
) -> None:
    disabled = SURVEYED.replace("  surveys:\n", "  surveys:\n    enabled: false\n", 1)
    bot = await session_with_rsvps(tmp_path, disabled)
    try:
        await bot.advance("2d12h")
        assert survey_invites(bot, "alice") == []
        assert any(p.message.text.startswith("Thanks to everyone") for p in bot.posts_in("announcements"))
    finally:
        await bot.close()
