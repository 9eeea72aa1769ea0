"""Champion scoring: helpfulness credits with weights, recency decay and anti-farming caps.

Pure functions over a member's *evidence*: a bounded list of credits, each saying what they
did, for (or from) whom, and when — ids and unix seconds, never message text. A credit is
refused when the same giver already gave the same kind of credit to the same receiver inside
the cooldown window, and trimmed when it would push the receiver past the daily cap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "CREDIT_KINDS",
    "Credit",
    "Rules",
    "Verdict",
    "award",
    "dump_evidence",
    "load_evidence",
    "rank",
    "score",
    "tally",
]

UTC_ZONE = ZoneInfo("UTC")

# What each kind of credit means; the giver is whom they helped (or who thanked them).
CREDIT_KINDS: dict[str, str] = {
    "answer": "answered a question from",
    "newcomer_reply": "first to reply to newcomer",
    "thanks": "thanked by",
    "reaction": "reply reacted to by",
    "intro_welcome": "welcomed the introduction of",
}


@dataclass(frozen=True, slots=True)
class Credit:
    kind: str
    giver: str  # member id of whom they helped / who thanked or reacted ("": a former member)
    at: int  # unix seconds
    points: float

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.at, tz=UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class Rules:
    weights: Mapping[str, float]
    half_life: timedelta
    cooldown: timedelta
    daily_cap: float
    zone: ZoneInfo = UTC_ZONE  # days for the daily cap are the community's days
    max_evidence: int = 100

    @property
    def horizon(self) -> timedelta:
        """How long evidence is kept: six half-lives (under 2% of its weight is left)."""
        return max(self.half_life * 6, self.cooldown, timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Verdict:
    evidence: list[Credit]
    credit: Credit | None  # None: refused
    reason: str = ""  # why it was refused or trimmed ("cooldown", "daily cap", "weight")


def load_evidence(raw: Any) -> list[Credit]:
    """Evidence from its stored form ``[[kind, giver, unix, points], ...]`` (bad rows skipped)."""
    found: list[Credit] = []
    for row in raw if isinstance(raw, list) else []:
        if isinstance(row, Credit):
            found.append(row)
        elif isinstance(row, list) and len(row) == 4:
            kind, giver, at, points = row
            found.append(Credit(str(kind), str(giver), int(at), float(points)))
    return found


def dump_evidence(evidence: Sequence[Credit]) -> list[list[Any]]:
    return [[c.kind, c.giver, c.at, round(c.points, 3)] for c in evidence]


def _day(at: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, tz=zone).date().isoformat()


def award(evidence: Sequence[Credit], kind: str, giver: str, now: datetime, rules: Rules) -> Verdict:
    """Add one credit if the caps allow it; returns the pruned evidence and what was added."""
    at = int(now.timestamp())
    kept = _prune(evidence, at, rules)
    weight = float(rules.weights.get(kind, 0.0))
    if weight <= 0:
        return Verdict(kept, None, "weight")
    window = rules.cooldown.total_seconds()
    if any(c.kind == kind and c.giver == giver and at - c.at < window for c in kept):
        return Verdict(kept, None, "cooldown")
    today = _day(at, rules.zone)
    used = sum(c.points for c in kept if _day(c.at, rules.zone) == today)
    room = rules.daily_cap - used
    if room <= 1e-9:
        return Verdict(kept, None, "daily cap")
    points = min(weight, room)
    credit = Credit(kind, giver, at, points)
    reason = "daily cap" if points < weight else ""
    return Verdict(_prune([*kept, credit], at, rules), credit, reason)


def _prune(evidence: Iterable[Credit], at: int, rules: Rules) -> list[Credit]:
    oldest = at - rules.horizon.total_seconds()
    kept = sorted((c for c in evidence if c.at >= oldest), key=lambda c: c.at)
    return kept[-rules.max_evidence :] if rules.max_evidence > 0 else []


def score(evidence: Iterable[Credit], now: datetime, half_life: timedelta) -> float:
    """Each credit's points halve every ``half_life`` (exponential recency decay)."""
    at = now.timestamp()
    span = max(half_life.total_seconds(), 1.0)
    return float(sum(c.points * 0.5 ** (max(0.0, at - c.at) / span) for c in evidence))


def rank(
    candidates: Iterable[tuple[str, Sequence[Credit]]],
    now: datetime,
    half_life: timedelta,
    *,
    min_score: float = 0.0,
    count: int | None = None,
) -> list[tuple[str, float]]:
    """(member id, score) at or above ``min_score``, best first (ties: by id, stable)."""
    scored = [(member, round(score(ev, now, half_life), 2)) for member, ev in candidates]
    ranked = sorted((s for s in scored if s[1] > 0 and s[1] >= min_score), key=lambda s: (-s[1], s[0]))
    return ranked if count is None else ranked[:count]


def tally(evidence: Iterable[Credit]) -> Counter[str]:
    """How many credits of each kind."""
    return Counter(c.kind for c in evidence)
