"""The intros step's key results: introductions per week, matches made, confirmed met. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from cohortbot.playbook.ports import Member
from cohortbot.playbook.steps.intros.model import RoundRecord

__all__ = ["IntroStats", "intro_stats"]


@dataclass(frozen=True, kw_only=True, slots=True)
class IntroStats:
    """Key results: introductions and the connections the bot fostered."""

    introductions: int
    first_join: date | None  # the community's first known join (its zone)
    per_week: tuple[tuple[date, int], ...]  # (week start, introductions), since the first join
    rounds: int
    matches: int
    confirmed_met: int

    @property
    def met_rate(self) -> float:
        return self.confirmed_met / self.matches if self.matches else 0.0


def intro_stats(
    members: Iterable[Member], rounds: Sequence[RoundRecord], *, now: datetime, zone: tzinfo
) -> IntroStats:
    """Introductions (total and per 7-day week since the first join) and match outcomes.

    ``members`` should include members who left: their introductions still happened.
    """
    humans = [m for m in members if not m.is_bot]
    joins = [m.joined_at for m in humans if m.joined_at is not None]
    intros = [m.introduced_at for m in humans if m.introduced_at is not None]
    first = min(joins + intros, default=None)
    per_week: list[tuple[date, int]] = []
    if first is not None:
        start = first.astimezone(zone).date()
        weeks = (now.astimezone(zone).date() - start).days // 7 + 1
        counts = [0] * max(weeks, 1)
        for when in intros:
            index = (when.astimezone(zone).date() - start).days // 7
            if 0 <= index < len(counts):
                counts[index] += 1
        per_week = [(start + timedelta(weeks=i), n) for i, n in enumerate(counts)]
    matches = [m for r in rounds for m in r.matches]
    return IntroStats(
        introductions=len(intros),
        first_join=first.astimezone(zone).date() if first else None,
        per_week=tuple(per_week),
        rounds=len(rounds),
        matches=len(matches),
        confirmed_met=sum(1 for m in matches if m.confirmed),
    )
