"""The health step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.health.handlers import STEP, HealthConfig

__all__ = ["STEP", "HealthConfig"]
