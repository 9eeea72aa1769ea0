"""Assignment moments and a member's deadline, pure: from the playbook (``cohorts.api``).

An **assignment moment** is an assignment name with its due moment. Cohorts that have the
same assignment due at the same moment share it: one submission and one reminder for a
member in both. A member's **deadline** is the due moment, or for a timed exercise the end
of their own window: ``time_limit`` after they started it, and never past the due moment
(a member who starts after it, where late work is accepted, gets the whole time limit, and
their submission is late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cohortbot.playbook.step import LoadedPlaybook
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["Moment", "closes_at", "is_late", "moment_id", "moment_of", "moments", "split_token"]

SEPARATOR = "/"  # "spring/project": the assignment of one cohort


@dataclass(frozen=True)
class Moment:
    id: str
    name: str
    due_at: datetime
    assignments: tuple[cohorts.Assignment, ...]  # one per cohort that has it, playbook order

    @property
    def first(self) -> cohorts.Assignment:
        return self.assignments[0]

    @property
    def cohorts(self) -> tuple[str, ...]:
        return tuple(a.cohort for a in self.assignments)


def moment_id(name: str, due_at: datetime, zone: ZoneInfo) -> str:
    """``project-20260320-2359``: the name and the local due moment, the same on every replay."""
    return f"{name}-{due_at.astimezone(zone).strftime('%Y%m%d-%H%M')}"


def moments(loaded: LoadedPlaybook) -> list[Moment]:
    """Every assignment moment of the playbook, by due moment."""
    grouped: dict[tuple[str, datetime], list[cohorts.Assignment]] = {}
    for found in cohorts.assignments(loaded):
        grouped.setdefault((found.name, found.due_at), []).append(found)
    order = [c.name for c in cohorts.calendars(loaded)]
    zone = loaded.community.zone
    return [
        Moment(
            id=moment_id(name, due, zone),
            name=name,
            due_at=due,
            assignments=tuple(sorted(group, key=lambda a: order.index(a.cohort))),
        )
        for (name, due), group in grouped.items()
    ]


def moment_of(loaded: LoadedPlaybook, assignment: cohorts.Assignment) -> Moment:
    """The moment ``assignment`` (of the playbook) belongs to."""
    return next(m for m in moments(loaded) if (m.name, m.due_at) == (assignment.name, assignment.due_at))


def split_token(token: str) -> tuple[str | None, str]:
    """``project`` -> (None, "project"); ``spring/project`` -> ("spring", "project")."""
    cohort, sep, name = token.strip().lower().rpartition(SEPARATOR)
    return (cohort or None) if sep else None, name


def closes_at(assignment: cohorts.Assignment, started: datetime | None) -> datetime | None:
    """Until when the member's submission is on time; None: a timed exercise not started yet."""
    limit = assignment.spec.time_limit
    if limit is None:
        return assignment.due_at
    if started is None:
        return None
    end = started + limit
    return min(end, assignment.due_at) if started < assignment.due_at else end


def is_late(assignment: cohorts.Assignment, started: datetime | None, at: datetime) -> bool:
    """A submission at ``at`` is late: after the member's deadline (or of a timed exercise
    started after the due moment)."""
    closes = closes_at(assignment, started)
    if closes is None:
        return at > assignment.due_at
    return at > closes or (started is not None and started >= assignment.due_at)
