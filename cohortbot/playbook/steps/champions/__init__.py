"""The champions step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.champions.config import ChampionsConfig
from cohortbot.playbook.steps.champions.handlers import STEP

__all__ = ["STEP", "ChampionsConfig"]
