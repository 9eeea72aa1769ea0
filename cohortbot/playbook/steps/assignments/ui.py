"""What members see of an assignment: how to submit, a timed exercise's card, statuses."""

from __future__ import annotations

from datetime import datetime, timedelta

from cohortbot.playbook.durations import format_duration
from cohortbot.playbook.messages import literal, timestamp
from cohortbot.playbook.steps.assignments.model import Submission
from cohortbot.playbook.steps.assignments.moments import closes_at
from cohortbot.playbook.steps.cohorts import api as cohorts

__all__ = ["exercise_text", "how_to_submit", "limit_text", "status"]


def how_to_submit(name: str) -> str:
    return f"Submit it with `/cohort submit {name} LINK [note]`."


def limit_text(limit: timedelta) -> str:
    minutes = int(limit.total_seconds() // 60)
    return f"{minutes} minutes" if limit < timedelta(hours=2) and minutes else format_duration(limit)


def _link(url: str) -> str:
    if url.startswith(("https://", "http://")) and not any(c in url for c in " ()<>"):
        return f"[Open it]({url})"
    return literal(url)


def exercise_text(head: str, assignment: cohorts.Assignment) -> str:
    """A timed exercise's card: ``head``, its description and link, how to submit."""
    spec = assignment.spec
    lines = [head]
    if spec.description:
        lines.append(literal(spec.description))
    if spec.link:
        lines.append(_link(spec.link))
    lines.append(how_to_submit(spec.name))
    return "\n".join(lines)


def status(
    assignment: cohorts.Assignment, submission: Submission | None, started: datetime | None, now: datetime
) -> str:
    """One member's status: submitted / submitted late / missing / due in ... / started."""
    if submission is not None:
        return "submitted late" if submission.late else "submitted"
    closes = closes_at(assignment, started)
    limit = assignment.spec.time_limit
    if closes is None:  # a timed exercise not started
        if assignment.due_at <= now:
            return "missing"
        timed = limit_text(limit or timedelta())
        return f"due in {_until(assignment.due_at - now)} (timed: {timed} once started)"
    if closes > now:
        if started is not None:
            return f"started, closes {timestamp(closes)}"
        return f"due in {_until(closes - now)}"
    return "missing"


def _until(delta: timedelta) -> str:
    """``3d 4h``, ``2h 5m``, ``12m``: the two largest units."""
    minutes = max(1, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{mins}m"] * bool(mins)
    return " ".join(parts[:2])
