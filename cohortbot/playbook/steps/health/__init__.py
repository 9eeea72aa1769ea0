"""The health step: a weekly digest, the report on demand, the newcomer watch (handlers.py)."""

from __future__ import annotations

from cohortbot.playbook.steps.health.config import HealthConfig
from cohortbot.playbook.steps.health.handlers import STEP

__all__ = ["STEP", "HealthConfig"]
