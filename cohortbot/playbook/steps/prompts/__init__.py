"""The prompts step: see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.prompts.handlers import STEP, PromptsConfig

__all__ = ["STEP", "PromptsConfig"]
