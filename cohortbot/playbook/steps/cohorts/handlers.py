"""The cohorts step: the course calendar and who is in each cohort.

Membership comes from the :class:`~cohortbot.playbook.steps.cohorts.api.Enrol` and
``Unenrol`` messages other steps publish (the roster step, when a roster row's member joins),
from roles (``MemberUpdated``; membership.py), and from ``/cohort course enrol`` (commands.py). Each
week opens with a post and may send a survey to the cohort's members (weekly.py).
"""

from __future__ import annotations

from cohortbot.playbook.events import ActionDelivered, MemberUpdated, ScheduleFired
from cohortbot.playbook.step import Step
from cohortbot.playbook.steps.cohorts import privacy
from cohortbot.playbook.steps.cohorts.api import Enrol, Unenrol
from cohortbot.playbook.steps.cohorts.commands import COMMANDS
from cohortbot.playbook.steps.cohorts.config import CohortsConfig
from cohortbot.playbook.steps.cohorts.membership import on_enrol, on_member_updated, on_unenrol
from cohortbot.playbook.steps.cohorts.model import STEP_NAME, CohortsMember, Roll
from cohortbot.playbook.steps.cohorts.weekly import on_delivered, on_schedule, schedules

__all__ = ["STEP"]

STEP = Step(
    name=STEP_NAME,
    config=CohortsConfig,
    handlers={
        Enrol: on_enrol,
        Unenrol: on_unenrol,
        MemberUpdated: on_member_updated,
        ScheduleFired: on_schedule,
        ActionDelivered: on_delivered,
    },
    commands=COMMANDS,
    schedules=schedules,
    documents=(Roll,),
    section=CohortsMember,
    export=privacy.export,
    forget=privacy.forget,
)
