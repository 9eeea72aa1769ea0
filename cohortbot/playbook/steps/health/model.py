"""The health step's typed state: no documents (the report is computed, not stored), only the
newcomer watch's timer."""

from __future__ import annotations

from datetime import datetime

from cohortbot.playbook.step import TimerPayload

__all__ = ["STEP_NAME", "UnansweredQuestion"]

STEP_NAME = "health"


class UnansweredQuestion(TimerPayload):
    """Check whether anyone answered a newcomer's question (set when they ask it)."""

    message: str  # the question's message id
    asked: datetime
    asker: str  # the newcomer's member id
