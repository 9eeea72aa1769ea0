"""The cohorts step: the course calendar and who is in each cohort.

Membership comes from the :class:`~cohortbot.playbook.steps.cohorts.api.Enrol` and
``Unenrol`` messages other steps publish (the roster step, when a roster row's member joins).
"""

from __future__ import annotations

from cohortbot.playbook.step import Step
from cohortbot.playbook.steps.cohorts import privacy
from cohortbot.playbook.steps.cohorts.api import Enrol, Unenrol
from cohortbot.playbook.steps.cohorts.config import CohortsConfig
from cohortbot.playbook.steps.cohorts.membership import on_enrol, on_unenrol
from cohortbot.playbook.steps.cohorts.model import STEP_NAME, CohortsMember, Roll

__all__ = ["STEP"]

STEP = Step(
    name=STEP_NAME,
    config=CohortsConfig,
    handlers={Enrol: on_enrol, Unenrol: on_unenrol},
    documents=(Roll,),
    section=CohortsMember,
    export=privacy.export,
    forget=privacy.forget,
)
