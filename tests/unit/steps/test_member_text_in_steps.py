"""Member text that steps write into messages themselves (not through a template) is shown as
typed on every platform: session titles, descriptions and places, champion nominations,
free-form interests, added prompt questions, survey answers.

Each scenario drives the real engine (the test harness) with hostile text in one field, then
every message the bot produced goes through the Slack, Discord and console renderers: no
special or foreign mention, no link of theirs, only the bot's own mentions notify.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cohortbot.adapters.console import render as console
from cohortbot.adapters.discord.render import render_message as render_discord
from cohortbot.adapters.slack.render import render_message as render_slack
from cohortbot.playbook.actions import PostMessage, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness
from tests.unit.adapters.test_member_text_escaping import mrkdwn_in

SPAM_ID = "1100000000000000099"
DISCORD_NO_MODALS = Capabilities(roles=True, modals=False, max_message_length=2000)
HOSTILE = f"[hi](!here) <@U0SPAM> <@{SPAM_ID}> @everyone <!channel> [x](https://evil.example)"
SHORT = "[hi](!here) <@U0SPAM> @everyone <!channel>"  # where the playbook allows 80 characters

PLAYBOOK = f"""
name: Hostile cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {{announcements: announcements, general: general, moderators: mods, intros: introductions}}
moderators: {{users: [mod], platform_admins: false}}
steps:
  sessions:
    location: "{HOSTILE}"
    sessions:
      - name: office-hours
        title: "{HOSTILE}"
        description: "{HOSTILE}"
        location: "Room {HOSTILE}"
        cron: "0 17 * * tue"
        announce_before: 2d
  champions: {{role: Champion, min_score: 8}}
  intros:
    acknowledge: {{alert_moderators: true}}
  prompts:
    schedules:
      - name: daily
        cron: "0 9 * * *"
        bank: ["What did you learn today?"]
  surveys:
    surveys:
      - name: pulse
        title: "{SHORT}"
        anonymous: false
        questions:
          - {{id: word, type: text, text: "{HOSTILE}"}}
          - {{id: pick, type: choice, text: "Pick", options: ["{SHORT}", "b"]}}
"""


async def session_card_and_commands(bot: Harness) -> None:
    await bot.advance("2d")  # the recurring session is announced
    await bot.command("mod", f"session create {HOSTILE} 2026-03-20 18:00 1h")
    await bot.command("alice", "session list")


async def champion_nomination(bot: Harness) -> None:
    await bot.join("spam", display_name=HOSTILE)
    await bot.command("mod", "champions nominate spam")
    await bot.command("mod", "champions nominate [hi](!here)<@U0SPAM>@everyone")


async def free_form_interests(bot: Harness) -> None:
    await bot.command("alice", f"interests add {HOSTILE}")
    await bot.command("alice", "interests list")
    await bot.post("alice", "introductions", "Hi all, I'm Alice and I like data and teaching a lot.")


async def added_prompt_question(bot: Harness) -> None:
    await bot.command("mod", f"prompt add daily {HOSTILE}")
    await bot.command("mod", "prompt list daily")
    await bot.command("mod", "prompt skip daily")


async def survey_answers_and_results(bot: Harness) -> None:
    await bot.command("mod", "survey send pulse")
    invite = next(dm for dm in bot.dms_to("alice") if dm.message.buttons)
    await bot.click("alice", invite.message.buttons[0])  # no modals: questions come as DMs
    await bot.post("alice", "dm-alice", HOSTILE, is_direct=True)
    await bot.click("alice", next(b for m in produced(bot) for b in m.buttons if b.label == "b"))
    await bot.command("mod", "survey results pulse")
    await bot.command("mod", "survey results [hi](!here)<@U0SPAM>")
    await bot.command("mod", "survey results pulse [hi](!here)<@U0SPAM>@everyone")


SCENARIOS: dict[str, Callable[[Harness], Awaitable[None]]] = {
    "session card and commands": session_card_and_commands,
    "champion nomination": champion_nomination,
    "free-form interests": free_form_interests,
    "added prompt question": added_prompt_question,
    "survey answers and results": survey_answers_and_results,
}


def produced(bot: Harness) -> list[RichMessage]:
    return [
        a.message
        for a in bot.performed
        if isinstance(a, PostMessage | SendDirectMessage | RespondToInteraction)
    ]


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_member_text_a_step_writes_itself_is_shown_as_typed(tmp_path: Path, scenario: str) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, steps=list(STEPS), capabilities=DISCORD_NO_MODALS)
    try:
        await bot.join("alice")
        await SCENARIOS[scenario](bot)
        messages = [m for m in produced(bot) if "[hi]" in m.plain_text() or "hi\\]" in m.plain_text()]
        assert messages, "the hostile text reached no message: the scenario tests nothing"
        for message in messages:
            assert_inert_on_slack(message)
            assert_inert_on_discord(message)
            assert_inert_on_console(message)
    finally:
        await bot.close()


def assert_inert_on_slack(message: RichMessage) -> None:
    payload = render_slack(message, {"general": "C0GENERAL"})
    wire = "\n".join([payload["text"], *mrkdwn_in(payload["blocks"])])
    assert not re.search(r"<!(?!date\^)", wire), wire  # no <!here>, <!channel>, <!everyone>
    assert "<@U0SPAM" not in wire and f"<@{SPAM_ID}" not in wire, wire
    assert "<http" not in wire, wire  # no link of theirs
    assert not re.search(r"(?<!\w)@(here|channel|everyone)", wire), wire


def assert_inert_on_discord(message: RichMessage) -> None:
    rendered = render_discord(message, channels={"general": "1"})
    assert int(SPAM_ID) not in [u["id"] if isinstance(u, dict) else u for u in allowed_users(rendered)]
    embed = rendered.embed.to_dict() if rendered.embed else {}
    parts = [rendered.content or "", embed.get("title", ""), embed.get("description", "")]
    parts += [t for f in embed.get("fields", []) for t in (f["name"], f["value"])]
    wire = "\n".join(parts)
    assert not re.search(rf"(?<!\\)<@!?{SPAM_ID}>", wire), wire
    assert not re.search(r"@(everyone|here)", wire), wire
    assert not re.search(r"(?<!\\)\[[^\]]*\]\(", wire), wire  # no masked link


def allowed_users(rendered: object) -> list[int]:
    allowed = rendered.allowed_mentions.to_dict()  # type: ignore[attr-defined]
    assert allowed["parse"] == []
    return [int(u) for u in allowed.get("users", [])]


def assert_inert_on_console(message: RichMessage) -> None:
    block = console.message("#general", message, ZoneInfo("UTC"))
    printed = "\n".join([block.head, *block.body])
    assert "[hi](!here)" in printed  # shown as typed
    assert not re.search(r"(?<!<)@U0SPAM", printed), printed  # never written out as a mention
