"""``/cohort prompt ...`` for moderators, and the playbook errors of a prompts section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbook
from tests.unit.steps.prompts.support import ALL_STEPS, DAILY, playbook, prompts_in, started

# ---------------------------------------------------------------------------- moderator commands


async def test_moderators_add_list_skip_and_post_questions(tmp_path: Path) -> None:
    bot = await started(tmp_path, DAILY, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1h")  # "What did you learn today?" posted
        added = await bot.command("mod", 'prompt add daily "What surprised you this week?"')
        assert added is not None and "4 questions" in added.message.text
        skipped = await bot.command("mod", "prompt skip daily")
        assert skipped is not None and skipped.message.text.startswith("Skipped: What are you stuck on?")
        listing = await bot.command("mod", "prompt list daily")
        assert listing is not None
        text = listing.message.text
        assert "1. What will you try next?\n2. What surprised you this week?" in text
        assert "Skipped this round: What are you stuck on?" in text
        assert "What did you learn today? — 0 replies from 0 members" in text
        assert "Then: a reshuffled new round." in text
        now = await bot.command("mod", "prompt post daily")
        assert now is not None and now.message.text == "Posted in <#general>: What will you try next?"
        await bot.advance("1d")
        assert prompts_in(bot) == [
            "What did you learn today?",
            "What will you try next?",
            "What surprised you this week?",
        ]
        unknown = await bot.command("mod", "prompt list weekly")
        assert (
            unknown is not None
            and "no prompt schedule named `weekly`. Schedules: daily." in unknown.message.text
        )
    finally:
        await bot.close()


@pytest.mark.parametrize(
    "command",
    [
        'prompt add daily "Sneaky?"',
        "prompt list daily",
        "prompt skip daily",
        "prompt post daily",
        "prompt stats",
    ],
)
async def test_members_cannot_manage_prompts(tmp_path: Path, command: str) -> None:
    bot = await started(tmp_path, DAILY, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        answer = await bot.command("alice", command)
        assert answer is not None and answer.message.text.startswith("Sorry, only moderators can use")
        assert prompts_in(bot) == []
        await bot.advance("1h")
        assert prompts_in(bot) == ["What did you learn today?"]  # the bank is untouched
    finally:
        await bot.close()


# ---------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("prompts", "field", "message"),
    [
        (
            'schedules: [{name: w, cron: "0 9 * * mon", kind: announcement}]',
            "steps.prompts.schedules[0]",
            "needs its text",
        ),
        (
            'schedules: [{name: w, cron: "0 25 * * mon", bank: ["Hi?"]}]',
            "steps.prompts.schedules[0].cron",
            "bad cron",
        ),
        (
            'schedules: [{name: w, cron: "0 9 * * *", message: "{nickname}"}]',
            "steps.prompts.schedules[0].message",
            "{nickname}",
        ),
        ('quiet_hours: "late"', "steps.prompts.quiet_hours", "like 22:00-08:00"),
    ],
)
def test_playbook_errors_name_the_field(tmp_path: Path, prompts: str, field: str, message: str) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(playbook(prompts))
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file, ALL_STEPS)
    [issue] = caught.value.issues
    assert issue.field == field and message in issue.message and issue.line is not None
