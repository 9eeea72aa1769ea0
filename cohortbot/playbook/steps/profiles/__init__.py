"""The profiles step: see handlers.py for what it does; the welcome step reads api.py."""

from __future__ import annotations

from cohortbot.playbook.steps.profiles.config import ProfilesConfig
from cohortbot.playbook.steps.profiles.handlers import STEP

__all__ = ["STEP", "ProfilesConfig"]
