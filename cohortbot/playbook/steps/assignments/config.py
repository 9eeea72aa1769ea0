"""The assignments step's playbook section: how it reminds. The assignments themselves are
the cohorts' (``steps.cohorts.cohorts[].week.N.assignments``)::

    assignments:
      reminder: "⏰ **{title}** ({cohort}) is due {when}, and I have nothing from you yet."
      window_reminder_before: 5m
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["AssignmentsConfig"]

REMINDER_TEXT = Annotated[
    str, Placeholders("title", "when", "cohort", "link", "member", "mention", "community")
]


class AssignmentsConfig(StepConfig):
    # One DM to each member of the assignment's cohort(s) who has not submitted, the
    # assignment's ``remind_before`` ahead of its due moment. The command to submit follows it.
    reminder: REMINDER_TEXT = (
        "⏰ **{title}** ({cohort}) is due {when}, and I have no submission from you yet."
    )
    # Timed exercises: a DM this long before a member's own window closes, if they have not
    # submitted yet (null: none).
    window_reminder_before: Duration | None = timedelta(minutes=5)
    window_reminder: REMINDER_TEXT = "⏳ Your time for **{title}** is nearly up: it closes {when}."
