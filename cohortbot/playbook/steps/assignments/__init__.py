"""The assignments step: submissions for the cohorts' assignments; see handlers.py."""

from __future__ import annotations

from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.handlers import STEP

__all__ = ["STEP", "AssignmentsConfig"]
