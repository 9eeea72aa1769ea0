"""The cohorts step: the course calendar (weeks, themes, assignments) and cohort membership;
other steps read it through api.py."""

from __future__ import annotations

from cohortbot.playbook.steps.cohorts.config import CohortsConfig
from cohortbot.playbook.steps.cohorts.handlers import STEP

__all__ = ["STEP", "CohortsConfig"]
