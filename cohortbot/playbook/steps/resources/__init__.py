"""The resources step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.resources.config import ResourcesConfig
from cohortbot.playbook.steps.resources.handlers import STEP

__all__ = ["STEP", "ResourcesConfig"]
