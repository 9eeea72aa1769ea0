"""What the rest of cohortbot may use of the health step: the report for ``cohortbot report``,
and for the bot's reports job (``BuildReport``): how to read it and what to send."""

from __future__ import annotations

from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.data import load_report
from cohortbot.playbook.steps.health.digest import ANSWER_WITHIN, answer
from cohortbot.playbook.steps.health.model import STEP_NAME
from cohortbot.playbook.steps.health.report import HealthReport

__all__ = ["ANSWER_WITHIN", "STEP_NAME", "HealthConfig", "HealthReport", "answer", "load_report"]
