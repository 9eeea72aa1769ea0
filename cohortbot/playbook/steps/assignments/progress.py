"""Who has submitted what, per cohort: for ``/cohort assignment list`` (a member's own),
``/cohort assignment progress`` and ``/cohort assignment export`` (moderators)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cohortbot.playbook.lengths import clip
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.assignments.config import AssignmentsConfig
from cohortbot.playbook.steps.assignments.model import Submission, Work
from cohortbot.playbook.steps.assignments.moments import moment_of
from cohortbot.playbook.steps.assignments.ui import status
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["Row", "cohort_rows", "rows_csv"]

Ctx = StepContext[AssignmentsConfig]
CELL = 500  # characters of one CSV cell at most
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    """One member of a cohort and their submission of one assignment."""

    member_id: str
    name: str
    status: str  # "submitted", "submitted late", "missing", or pending ("due in ...", "started ...")
    submission: Submission | None

    @property
    def kind(self) -> str:
        """on time / late / missing / not yet."""
        if self.status == "submitted":
            return "on time"
        if self.status == "submitted late":
            return "late"
        return "missing" if self.status == "missing" else "not yet"


async def cohort_rows(ctx: Ctx, assignment: cohorts.Assignment) -> tuple[list[Row], Work]:
    """A row per member of the assignment's cohort (present ones, and anyone who left after
    submitting for it), by name."""
    work = await ctx.load(Work, moment_of(ctx.loaded, assignment).id)
    ids = set(await cohorts.member_ids(ctx.uow, ctx.loaded, ctx.community, assignment.cohort))
    ids |= {uid for uid, sub in work.submissions.items() if sub.cohort == assignment.cohort}
    rows = []
    for uid in ids:
        member = await ctx.member(UserRef(ctx.community.platform, uid))
        submission = work.submissions.get(uid)
        if member is not None and not member.present and submission is None:
            continue
        name = member.display_name if member is not None else uid
        state = status(assignment, submission, work.started.get(uid), ctx.now)
        rows.append(Row(uid, name, state, submission))
    return sorted(rows, key=lambda r: (r.name.casefold(), r.member_id)), work


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: bounded, never a formula."""
    value = clip(value, CELL)
    return "'" + value if value.startswith(_FORMULA) else value


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when is not None else ""


def rows_csv(sections: Sequence[tuple[cohorts.Assignment, Sequence[Row]]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "cohort",
            "assignment",
            "title",
            "due_at",
            "member_id",
            "member",
            "status",
            "first_submitted",
            "last_submitted",
            "link",
            "note",
        ]
    )
    for assignment, rows in sections:
        for row in rows:
            sub = row.submission
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        assignment.cohort,
                        assignment.name,
                        assignment.title,
                        _iso(assignment.due_at),
                        row.member_id,
                        row.name,
                        row.kind,
                        _iso(sub.first_at if sub else None),
                        _iso(sub.last_at if sub else None),
                        sub.link if sub else "",
                        sub.note if sub else "",
                    )
                ]
            )
    return buffer.getvalue()
