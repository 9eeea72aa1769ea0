"""What the cohorts step keeps: who is in which cohort, both ways round.

- :class:`CohortsMember` (``Member.data["cohorts"]``): the cohorts a member is in, each with
  how they came in (``role``, ``roster``, ``enrol``, ``moderator``).
- :class:`Roll` (``cohorts.roll.<cohort>``): a cohort's member ids, sorted. Ids only.

The two are written together (``membership.py``); the roll answers "who is in spring" without
a scan of every member, the section "which cohorts is Ada in" without a scan of every roll.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cohortbot.playbook.step import Document, MemberSection

__all__ = ["STEP_NAME", "CohortsMember", "Roll", "Source"]

STEP_NAME = "cohorts"

Source = Literal["role", "roster", "enrol", "moderator"]


class CohortsMember(MemberSection):
    cohorts: dict[str, Source] = Field(default_factory=dict)


class Roll(Document):
    key = "roll"

    members: list[str] = Field(default_factory=list)
