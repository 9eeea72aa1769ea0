"""The welcome step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.welcome.config import WelcomeConfig
from cohortbot.playbook.steps.welcome.handlers import STEP

__all__ = ["STEP", "WelcomeConfig"]
