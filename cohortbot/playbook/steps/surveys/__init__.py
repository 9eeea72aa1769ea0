"""The surveys step: see handlers.py for what it does; other steps use it through api.py."""

from __future__ import annotations

from cohortbot.playbook.steps.surveys.config import SurveysConfig
from cohortbot.playbook.steps.surveys.handlers import STEP

__all__ = ["STEP", "SurveysConfig"]
