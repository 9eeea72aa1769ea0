"""The sessions step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.sessions.handlers import STEP, SessionsConfig

__all__ = ["STEP", "SessionsConfig"]
