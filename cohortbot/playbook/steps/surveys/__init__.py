"""The surveys step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.surveys.handlers import STEP, SurveysConfig

__all__ = ["STEP", "SurveysConfig"]
