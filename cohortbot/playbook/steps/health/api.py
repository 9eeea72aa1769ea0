"""What the rest of cohortbot may use of the health step: the report for ``cohortbot report``."""

from __future__ import annotations

from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.data import load_report
from cohortbot.playbook.steps.health.model import STEP_NAME
from cohortbot.playbook.steps.health.report import HealthReport

__all__ = ["STEP_NAME", "HealthConfig", "HealthReport", "load_report"]
