"""The playbook steps, in the order they see each event (core bookkeeping first)."""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.step import Step
from cohortbot.playbook.steps import (
    activity,
    assignments,
    champions,
    cohorts,
    core,
    health,
    intros,
    privacy,
    profiles,
    prompts,
    qa,
    resources,
    roster,
    sessions,
    surveys,
    welcome,
)

__all__ = ["STEPS"]

STEPS: tuple[Step[Any], ...] = (
    core.STEP,
    activity.STEP,
    privacy.STEP,
    welcome.STEP,
    cohorts.STEP,
    roster.STEP,
    intros.STEP,
    profiles.STEP,
    resources.STEP,
    qa.STEP,
    prompts.STEP,
    sessions.STEP,
    assignments.STEP,
    surveys.STEP,
    champions.STEP,
    health.STEP,
)
