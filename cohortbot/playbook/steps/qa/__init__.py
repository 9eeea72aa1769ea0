"""The qa step (expert Q&A / AMA): see handlers.py for what it does."""

from __future__ import annotations

from cohortbot.playbook.steps.qa.config import QaConfig
from cohortbot.playbook.steps.qa.handlers import STEP

__all__ = ["STEP", "QaConfig"]
