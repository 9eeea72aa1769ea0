"""Expert Q&A ("ask the expert", or an AMA over days).

- A moderator opens a Q&A (``/cohort qa open TITLE [@expert] [until WHEN]``), or the playbook
  opens one on a date (``planned``: an hourly planner); one Q&A is open at a time in a
  community. Its announcement card goes to the step's channel.
- Members ask (``/cohort qa ask``, bounded, shown as typed): each question becomes a card with
  an **Upvote** button there. One vote per member per question, never on one's own; pressing
  again takes the vote back.
- ``/cohort qa list`` ranks the open questions by votes (ties: the oldest first), for the
  expert at a live session. ``/cohort qa answer Q3 TEXT`` (the expert, moderators) posts the
  answer in the channel and sends it to the asker by DM.
- Closing (``/cohort qa close``, or its ``until``) posts the unanswered questions, ranked, and
  DMs the moderators the summary. A closed Q&A is deleted ``keep_closed_for`` later.
"""

from __future__ import annotations

from cohortbot.playbook.events import ButtonPressed, ScheduleFired
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.qa import privacy
from cohortbot.playbook.steps.qa.commands import COMMANDS
from cohortbot.playbook.steps.qa.config import QaConfig
from cohortbot.playbook.steps.qa.lifecycle import forget_old, on_close_timer, plan
from cohortbot.playbook.steps.qa.model import CloseQa, Current, Qa
from cohortbot.playbook.steps.qa.ui import VOTE

__all__ = ["STEP"]

Ctx = StepContext[QaConfig]


def schedules(cfg: QaConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [ScheduleSpec(name="plan", cron="0 * * * *")]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    if event.schedule != "qa.plan":
        return
    await plan(ctx)
    await forget_old(ctx)


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id != VOTE:
        return
    qid, _, number = event.value.rpartition(":")
    qa = await ctx.find(Qa, qid) if qid else None
    question = qa.question(int(number)) if qa is not None and number.isdigit() else None
    if qa is None or question is None:
        ctx.respond(event.interaction, "This question is no longer there.")
        return
    if not qa.is_open:
        ctx.respond(event.interaction, "This Q&A is closed: votes are no longer counted.")
        return
    user = event.actor.user
    if question.asker == user.id:
        ctx.respond(event.interaction, "That's your own question: upvote the others' you'd like answered.")
        return
    if question.answered_at is not None:
        ctx.respond(event.interaction, f"Q{question.number} has been answered already.")
        return
    counted = question.toggle(user.id)
    await ctx.store(qa, qa.id)
    votes = f"{question.score} vote{'' if question.score == 1 else 's'}"
    if counted:
        text = f"Upvoted Q{question.number} (now {votes}). Press again to take your vote back."
    else:
        text = f"Your vote on Q{question.number} is taken back (now {votes})."
    ctx.respond(event.interaction, text)


STEP = Step(
    name="qa",
    config=QaConfig,
    handlers={ScheduleFired: on_schedule, ButtonPressed: on_button},
    timers={CloseQa: on_close_timer},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Qa, Current),
    export=privacy.export,
    forget=privacy.forget,
)
