"""The prompts step: questions and announcements on schedules, replies counted (handlers.py)."""

from __future__ import annotations

from cohortbot.playbook.steps.prompts.config import PromptsConfig
from cohortbot.playbook.steps.prompts.handlers import STEP

__all__ = ["STEP", "PromptsConfig"]
