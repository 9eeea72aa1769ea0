"""The roster as moderators read it: per cohort, who joined and who hasn't yet. Pure.

Names are the roster's (a facilitator's file): shown through ``messages.literal``, cut to the
message length with "… and N more".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cohortbot.playbook.lengths import fit_lines, fit_names
from cohortbot.playbook.messages import literal
from cohortbot.playbook.steps.roster.model import Row

__all__ = ["Group", "groups", "missing_lines", "summary_lines"]

NO_COHORT = "No cohort"
MIN_LINE = 120  # room for a cohort's names, at the least


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    rows: tuple[Row, ...]

    @property
    def joined(self) -> int:
        return sum(1 for row in self.rows if row.joined)

    @property
    def missing(self) -> list[str]:
        return sorted((row.name for row in self.rows if not row.joined), key=str.casefold)


def groups(rows: Sequence[Row], titles: Mapping[str, str]) -> list[Group]:
    """Rows by cohort: the playbook's cohorts in order (``titles``: name -> title), then
    cohorts it no longer has, then rows without a cohort."""
    by_cohort: dict[str, list[Row]] = {}
    for row in rows:
        by_cohort.setdefault(row.cohort, []).append(row)
    order = [c for c in titles if c in by_cohort]
    order += sorted(c for c in by_cohort if c and c not in titles)
    order += [""] if "" in by_cohort else []
    return [Group(titles.get(c, c) or NO_COHORT, tuple(by_cohort[c])) for c in order]


def summary_lines(rows: Sequence[Row], titles: Mapping[str, str], budget: int) -> list[str]:
    """``/cohort course roster``: the totals, then one line per cohort with who hasn't joined yet."""
    if not rows:
        return ["The roster is empty. Import one with `cohortbot roster import FILE.csv`."]
    found = groups(rows, titles)
    joined = sum(g.joined for g in found)
    head = f"**{len(rows)} on the roster: {joined} joined, {len(rows) - joined} not yet**"
    room = max(MIN_LINE, (budget - len(head)) // len(found) - 1)
    lines = [head]
    for group in found:
        line = f"**{literal(group.title)}**: {group.joined} of {len(group.rows)} joined"
        names = [literal(name) for name in group.missing]
        if names:
            line += " · not yet: " + fit_names(names, room - len(line) - len(" · not yet: "))
        lines.append(line)
    return fit_lines(lines, budget)


def missing_lines(rows: Sequence[Row], titles: Mapping[str, str]) -> list[str]:
    """Who hasn't joined yet, by cohort (the caller fits the lines to a message)."""
    lines: list[str] = []
    for group in groups(rows, titles):
        names = group.missing
        if names:
            lines.append(f"**{literal(group.title)}** ({len(names)}):")
            lines += [f"- {literal(name)}" for name in names]
    return lines
