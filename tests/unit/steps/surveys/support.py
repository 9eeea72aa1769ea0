"""What the surveys tests share: the playbook, a step that asks for surveys, answering helpers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cohortbot.playbook.actions import OpenForm, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.events import Event, FormSubmitted
from cohortbot.playbook.messages import Button
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import InteractionRef, Platform, UserRef
from cohortbot.playbook.step import Step, StepContext
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.surveys.api import SurveyRequested
from tests.harness import Harness

__all__ = [
    "DISCORD_LIKE",
    "NAMED",
    "NO_MODALS",
    "PLAYBOOK",
    "WEEK3",
    "AskForSurvey",
    "answer_with_forms",
    "ask",
    "documents",
    "invites",
    "last_form",
    "reminders",
    "start_button",
    "started",
    "state",
    "submit",
]

PLAYBOOK = """
name: Test cohort
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, moderators: mod-team, general: general}
moderators: {users: [mod], platform_admins: false}
steps:
  surveys:
    remind_after: 2d
    surveys:
      - name: week3
        title: Week 3 check-in
        anonymous: true
        schedule: "0 17 20 3 *"   # Friday of week 3, 17:00 Berlin
        questions:
          - {id: pace, type: scale, text: "How is the pace?", low: Too slow, high: Too fast}
          - {id: useful, type: scale, text: "How useful are the live sessions?"}
          - {id: nps, type: nps}
          - {id: best, type: choice, text: "What helped most?", options: [Live sessions, Prompts, Peers]}
          - {id: wish, type: text, text: "One thing we should change?", required: true}
          - {id: more, type: text, text: "Anything else?"}
      - name: session
        title: Session feedback
        anonymous: false
        remind: false
        questions:
          - {id: rating, type: scale, text: "How was today's session?"}
          - {id: comment, type: text, text: "What should we do differently?"}
"""
NAMED = PLAYBOOK.replace("anonymous: true", "anonymous: false")  # week3, with names

DISCORD_LIKE = Capabilities(roles=True, modals=True, max_form_inputs=5, threads=True)
NO_MODALS = Capabilities(roles=False, modals=False)
WEEK3 = {"pace": "4", "useful": "5", "nps": "9", "best": "Peers", "wish": "More examples", "more": ""}


@dataclass(frozen=True, kw_only=True, slots=True)
class AskForSurvey(Event):
    """For tests: makes the ``asker`` step publish a SurveyRequested, as the sessions step does."""

    survey: str
    members: tuple[str, ...]
    round: str
    reason: str = ""


async def _ask(event: AskForSurvey, ctx: StepContext[Any]) -> None:
    members = tuple(UserRef(ctx.community.platform, m) for m in event.members)
    ctx.publish(SurveyRequested(survey=event.survey, members=members, round=event.round, reason=event.reason))


ASKER = Step(name="asker", config=StepConfig, always_on=True, handlers={AskForSurvey: _ask})


async def started(
    tmp_path: Path,
    capabilities: Capabilities = DISCORD_LIKE,
    *,
    members: int = 3,
    playbook: str = PLAYBOOK,
) -> Harness:
    bot = await Harness.start(tmp_path, playbook, steps=[*STEPS, ASKER], capabilities=capabilities)
    for name in ["alice", "bob", "carol"][:members]:
        await bot.join(name)
    return bot


async def ask(bot: Harness, survey: str, *members: str, round: str, reason: str = "") -> None:
    await bot.send(AskForSurvey, survey=survey, members=members, round=round, reason=reason)


def invites(bot: Harness, name: str, title: str = "Week 3 check-in") -> list[SendDirectMessage]:
    return [dm for dm in bot.dms_to(name) if dm.message.title == title and ":invite:" in dm.key]


def reminders(bot: Harness, name: str) -> list[SendDirectMessage]:
    return [dm for dm in bot.dms_to(name) if ":remind:" in dm.key]


def start_button(dm: SendDirectMessage) -> Button:
    [button] = dm.message.buttons
    return button


def last_form(bot: Harness) -> OpenForm:
    form = bot.of(OpenForm)[-1]
    assert isinstance(form, OpenForm)
    return form


async def submit(bot: Harness, name: str, form: OpenForm, **values: str) -> RespondToInteraction:
    interaction = InteractionRef(Platform.MEMORY, f"form-{uuid.uuid4().hex[:8]}", token="tok")
    await bot.send(
        FormSubmitted,
        actor=bot.actor(name),
        interaction=interaction,
        form_id=form.form.form_id,
        values=values,
    )
    answer = bot.answer(interaction)
    assert answer is not None
    return answer


async def answer_with_forms(
    bot: Harness, name: str, invite: SendDirectMessage, answers: dict[str, str]
) -> str:
    """Start, fill each page, continue: the way a Discord member answers. Returns the last reply."""
    await bot.click(name, start_button(invite))
    while True:
        form = last_form(bot)
        reply = await submit(bot, name, form, **{i.input_id: answers[i.input_id] for i in form.form.inputs})
        if not reply.message.buttons:
            return reply.message.text
        await bot.click(name, reply.message.buttons[0])


async def state(bot: Harness, key: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        return await uow.state.get(bot.community, key)


async def documents(bot: Harness, prefix: str = "surveys.") -> dict[str, Any]:
    """Every stored document whose key starts with ``prefix``."""
    async with bot.database.unit_of_work() as uow:
        return {k: await uow.state.get(bot.community, k) for k in await uow.state.keys(bot.community, prefix)}


def dumped(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
