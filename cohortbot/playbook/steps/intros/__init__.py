"""The intros step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.intros.handlers import STEP, IntrosConfig

__all__ = ["STEP", "IntrosConfig"]
