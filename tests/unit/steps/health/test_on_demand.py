"""``/cohort health``: the same report privately for a moderator, the last seven days
including today; survey headlines come from the surveys step."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps.health.weeks import DASH as N
from tests.harness import Harness
from tests.unit.steps.health.support import HEALTH_STEPS, WATCH, watched, with_synthetic_community

# ---------------------------------------------------------------------------- on demand


async def test_moderators_get_the_same_report_privately_on_demand(tmp_path: Path) -> None:
    bot = await with_synthetic_community(tmp_path)
    answer = await bot.command("mod", "health 3")
    assert answer is not None and answer.ephemeral
    # Sunday Apr 05, 23:00: the last seven days, today included
    assert answer.message.title == f"Community health: Test Community, 30 Mar{N}5 Apr 2026"
    text = answer.message.text.splitlines()
    weeks = text[text.index("**Volume and sentiment by week (weeks from Monday)**") + 1 :][:3]
    assert [w.split(":")[0] for w in weeks] == [f"- 16{N}22 Mar", f"- 23{N}29 Mar", f"- 30 Mar{N}5 Apr"]
    assert [a.filename for a in answer.message.attachments] == [
        "participation.png",
        "channels.png",
        "sentiment.png",
    ]
    refused = await bot.command("alice", "health")
    assert refused is not None and "only moderators" in refused.message.text
    wrong = await bot.command("mod", "health 99")
    assert wrong is not None and wrong.message.text == "weeks must be between 1 and 52."
    assert bot.posts_in("mod-team") == []
    await bot.close()


async def test_on_demand_the_report_includes_today_and_goals_wait_for_the_cohort_start(
    tmp_path: Path,
) -> None:
    goals = "    goals: [{name: Joined, metric: members_joined, target: 5, by_week: 2}]\n"
    yaml = WATCH + "    start: 2026-03-09\n" + goals
    bot = await watched(tmp_path, yaml)  # Monday Mar 02: alice and bob join
    await bot.post("alice", "general", "Hello everyone")
    answer = await bot.command("mod", "health")
    assert answer is not None
    assert answer.message.title == f"Community health: Test Community, 24 Feb{N}2 Mar 2026"
    text = answer.message.text.splitlines()
    # no change against the week before: all of it is before the cohort (nothing to compare with)
    assert f"**Messages and replies (24 Feb{N}2 Mar)**: 1" in text
    assert f"**New members (24 Feb{N}2 Mar)**: 2" in text
    assert "The cohort starts 9 Mar; goals are tracked from then." in text
    await bot.close()


# ---------------------------------------------------------------------------- surveys

SURVEYED = """
name: Surveyed cohort
default: true
timezone: UTC
channels: {moderators: mod-team}
moderators: {users: [mod], platform_admins: false}
steps:
  health: {digest: null}
  surveys:
    surveys:
      - name: pulse
        title: Weekly pulse
        remind: false
        min_respondents: 2  # anonymous scores show from two answers per round
        questions:
          - {id: pace, type: scale, text: "How is the pace?"}
          - {id: nps, type: nps}
"""


async def answer_survey(bot: Harness, name: str, *labels: str) -> None:
    """Answer the pulse survey the way a member does where there are no forms: with buttons."""
    [invite] = [dm for dm in bot.dms_to(name) if dm.message.title == "Weekly pulse"]
    message = invite.message
    for label in ("Start", *labels):
        button = next(b for b in message.buttons if b.label == label)
        reply = await bot.click(name, button)
        message = (
            reply.message if reply is not None and reply.message.buttons else bot.dms_to(name)[-1].message
        )


async def test_survey_scores_come_from_the_surveys_step(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, SURVEYED, steps=HEALTH_STEPS, capabilities=Capabilities(modals=False))
    try:
        for name in ("alice", "bob", "carol"):
            await bot.join(name)
        empty = await bot.command("mod", "health")
        assert empty is not None and "No survey answers yet." in empty.message.text
        await bot.command("mod", "survey send pulse")
        await answer_survey(bot, "alice", "4", "9")
        await answer_survey(bot, "bob", "5", "6")
        answer = await bot.command("mod", "health")
        assert answer is not None
        # 2 of 3 invited; pace (4 + 5) / 2; NPS: one promoter (9), one detractor (6) of two -> 0
        assert (
            "- Weekly pulse: 2 response(s) of 3 (67%); How is the pace? 4.5/5; NPS +0"
            in answer.message.text.splitlines()
        )
    finally:
        await bot.close()
