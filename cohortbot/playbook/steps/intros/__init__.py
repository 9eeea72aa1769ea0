"""The intros step: see handlers.py for what it does; other steps read it through api.py."""

from __future__ import annotations

from cohortbot.playbook.steps.intros.config import IntrosConfig
from cohortbot.playbook.steps.intros.handlers import STEP

__all__ = ["STEP", "IntrosConfig"]
