"""The sessions step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.sessions.config import SessionsConfig
from cohortbot.playbook.steps.sessions.handlers import STEP

__all__ = ["STEP", "SessionsConfig"]
