"""Surveys: named feedback surveys in DMs, on a schedule, after live sessions, or on demand.

Sending: a survey's ``schedule`` cron fires ``ScheduleFired("surveys.send-NAME")`` (claimed
once by the scheduler) and invites every present non-bot member; ``/cohort survey send NAME``
does the same on demand; and another step publishes :class:`~.api.SurveyRequested` to invite
exactly some members (the sessions step does, for a session's attendees). Each sending is a
*round*; a member is invited once per round (deterministic keys). Invitations are DMs; a
member who doesn't accept DMs gets theirs in the fallback channel, and each delivery is
counted (``Round.reached``), so moderators are told whom a round really reached.

Answering (``answering.py``): forms where the platform has modals, one question per message
with buttons where not. Anonymous answers are stored with no member id and no time, and
their unfinished drafts under a random token only the conversation knows; a separate
per-round list of who answered drives the single reminder to non-responders. Results and the
CSV export are for moderators; an anonymous round's answers show only from
``min_respondents`` responses (``summary.py``).
"""

from __future__ import annotations

from cohortbot.playbook.events import (
    ActionDelivered,
    ButtonPressed,
    FormSubmitted,
    MessagePosted,
    ScheduleFired,
)
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.surveys import privacy
from cohortbot.playbook.steps.surveys.answering import drop_draft, on_button, on_direct_message, on_form
from cohortbot.playbook.steps.surveys.api import SurveyRequested
from cohortbot.playbook.steps.surveys.commands import COMMANDS
from cohortbot.playbook.steps.surveys.config import SurveysConfig
from cohortbot.playbook.steps.surveys.model import (
    STEP_NAME,
    Answers,
    Draft,
    DropDraft,
    RemindRound,
    Round,
    SurveysMember,
)
from cohortbot.playbook.steps.surveys.sending import (
    audience,
    on_delivered,
    on_requested,
    remind,
    send_round,
)

__all__ = ["STEP"]

Ctx = StepContext[SurveysConfig]
SCHEDULE_PREFIX = "send-"


def schedules(cfg: SurveysConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name=f"{SCHEDULE_PREFIX}{s.name}",
            cron=s.schedule,
            grace=s.grace,
            where=("surveys", i, "schedule"),
        )
        for i, s in enumerate(cfg.surveys)
        if s.schedule
    ]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    survey = ctx.config.survey(event.schedule.removeprefix(f"{STEP_NAME}.{SCHEDULE_PREFIX}"))
    if survey is None:
        return
    round_id = event.occurrence.astimezone(ctx.playbook.zone).date().isoformat()
    await send_round(ctx, survey, round_id, await audience(ctx), reason="schedule")


STEP = Step(
    name=STEP_NAME,
    config=SurveysConfig,
    handlers={
        ScheduleFired: on_schedule,
        SurveyRequested: on_requested,
        ButtonPressed: on_button,
        FormSubmitted: on_form,
        MessagePosted: on_direct_message,
        ActionDelivered: on_delivered,
    },
    timers={RemindRound: remind, DropDraft: drop_draft},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Round, Answers, Draft),
    section=SurveysMember,
    export=privacy.export,
    forget=privacy.forget,
)
