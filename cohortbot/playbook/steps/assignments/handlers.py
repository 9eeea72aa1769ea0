"""Assignments and submissions, for the assignments of the cohorts' weeks (``steps.cohorts``).

- Members hand in a link with ``/cohort submit NAME LINK [note]`` (``submitting.py``): on
  time before their deadline; after it, marked late where the assignment's ``late`` is
  ``accept``, refused where it is ``refuse``. Submitting again replaces the link.
- Timed exercises open with ``/cohort assignment start NAME``: the member's own window.
- One reminder before the due moment, to the members who have not submitted
  (``reminders.py``); ``/cohort assignment list`` for members, progress and a CSV for moderators
  (``commands.py``). ``api.py`` gives the health report its counts.
"""

from __future__ import annotations

from cohortbot.playbook.events import ScheduleFired
from cohortbot.playbook.step import Step
from cohortbot.playbook.steps.assignments import privacy
from cohortbot.playbook.steps.assignments.commands import COMMANDS
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import STEP_NAME, RemindMissing, WindowClosing, Work
from cohortbot.playbook.steps.assignments.reminders import (
    on_schedule,
    remind_missing,
    schedules,
    window_closing,
)

__all__ = ["STEP"]

STEP = Step(
    name=STEP_NAME,
    config=AssignmentsConfig,
    handlers={ScheduleFired: on_schedule},
    timers={RemindMissing: remind_missing, WindowClosing: window_closing},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Work,),
    export=privacy.export,
    forget=privacy.forget,
)
