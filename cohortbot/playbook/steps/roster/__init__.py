"""The roster step: the course roster imported from a CSV, matched to members as they join;
``bot/roster_cli.py`` imports, ``api.py`` counts."""

from __future__ import annotations

from cohortbot.playbook.steps.roster.config import RosterConfig
from cohortbot.playbook.steps.roster.handlers import STEP

__all__ = ["STEP", "RosterConfig"]
