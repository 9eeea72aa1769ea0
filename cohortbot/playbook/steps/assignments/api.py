"""What other steps (the health report) may read of the assignments step.

:func:`submission_counts`: for each assignment of each cohort, how many members the cohort
has and how many of them submitted on time and late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore, LoadedPlaybook
from cohortbot.playbook.steps.assignments.model import STEP_NAME, Work
from cohortbot.playbook.steps.assignments.moments import moments
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["AssignmentCount", "submission_counts"]


@dataclass(frozen=True, kw_only=True)
class AssignmentCount:
    cohort: str
    name: str
    title: str
    due_at: datetime
    members: int  # on the cohort's roll now
    on_time: int  # of those members
    late: int


async def submission_counts(
    uow: UnitOfWork, community: CommunityRef, loaded: LoadedPlaybook
) -> list[AssignmentCount]:
    """Every cohort's assignments by due moment, with the cohort's members' submissions."""
    docs = DocumentStore(uow.state, community, STEP_NAME)
    found = []
    for moment in moments(loaded):
        work = await docs.load(Work, moment.id)
        for assignment in moment.assignments:
            roll = await cohorts.member_ids(uow, loaded, community, assignment.cohort)
            subs = [work.submissions[uid] for uid in roll if uid in work.submissions]
            found.append(
                AssignmentCount(
                    cohort=assignment.cohort,
                    name=assignment.name,
                    title=assignment.title,
                    due_at=assignment.due_at,
                    members=len(roll),
                    on_time=sum(1 for s in subs if not s.late),
                    late=sum(1 for s in subs if s.late),
                )
            )
    return sorted(found, key=lambda c: (c.due_at, c.cohort, c.name))
