"""What the intros step remembers about match rounds, and the key results it reports.

Rounds live in one small per-community state document (``uow.state``, key
``intros.rounds``): who was matched with whom, why, and who said they met. No message text.
:func:`intro_stats` is pure so other steps (health reports) can reuse it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from pydantic import BaseModel, ConfigDict, Field

from cohortbot.playbook.ports import Member, UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.steps.intros.matching import pair

__all__ = [
    "ROUNDS_KEPT",
    "ROUNDS_STATE",
    "IntroStats",
    "MatchRecord",
    "RoundRecord",
    "forget_member",
    "history_pairs",
    "intro_stats",
    "load_rounds",
    "save_rounds",
]

ROUNDS_STATE = "intros.rounds"
ROUNDS_KEPT = 104  # two years of weekly rounds


class MatchRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    members: list[str]
    shared: list[str] = Field(default_factory=list)
    cross: list[str] | None = None
    met: dict[str, str] = Field(default_factory=dict)  # member id -> "yes" | "no"

    @property
    def confirmed(self) -> bool:
        """Met, by the word of at least one of them."""
        return "yes" in self.met.values()


class RoundRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    at: datetime
    manual: bool = False
    matches: list[MatchRecord] = Field(default_factory=list)
    sat_out: list[str] = Field(default_factory=list)

    def match_of(self, member_id: str) -> MatchRecord | None:
        return next((m for m in self.matches if member_id in m.members), None)


async def load_rounds(uow: UnitOfWork, community: CommunityRef) -> list[RoundRecord]:
    doc = await uow.state.get(community, ROUNDS_STATE) or []
    return [RoundRecord.model_validate(item) for item in doc]


async def save_rounds(uow: UnitOfWork, community: CommunityRef, rounds: Sequence[RoundRecord]) -> None:
    kept = list(rounds)[-ROUNDS_KEPT:]
    await uow.state.put(community, ROUNDS_STATE, [r.model_dump(mode="json") for r in kept])


async def forget_member(uow: UnitOfWork, community: CommunityRef, member_id: str) -> None:
    """Privacy deletion: replace a member's id in the round history (pairs stay counted)."""
    rounds = await load_rounds(uow, community)
    for record in rounds:
        record.sat_out = [m for m in record.sat_out if m != member_id]
        for match in record.matches:
            match.members = ["deleted" if m == member_id else m for m in match.members]
            match.met.pop(member_id, None)
    await save_rounds(uow, community, rounds)


def history_pairs(rounds: Sequence[RoundRecord], *, last: int | None = None) -> set[frozenset[str]]:
    """Every pair matched in the ``last`` rounds (all kept rounds if None), trios included."""
    recent = rounds[-last:] if last else rounds
    found: set[frozenset[str]] = set()
    for record in recent:
        for match in record.matches:
            for i, a in enumerate(match.members):
                for b in match.members[i + 1 :]:
                    found.add(pair(a, b))
    return found


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
