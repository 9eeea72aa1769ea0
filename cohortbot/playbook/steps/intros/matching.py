"""Donut-style matching: pair members by shared interests, never repeating a pair.

Pure and deterministic: the same candidates, history and seed give the same round (the
intros step derives the seed from the community and the round's occurrence, so a replayed
round decides exactly what the first run decided).

The algorithm, in order:

1. **Cross-group pairs** (e.g. mentor/mentee): for each configured pair of groups, members of
   one group are paired with members of the other, greedily by shared-interest count.
   Whoever is left over joins the general pool.
2. **General pairs**: every allowed pair of the pool (never a repeat from ``history``) is
   ranked by shared-interest count (ties broken by the seeded shuffle) and taken greedily.
3. **Repair**: greedy can strand two members who have already met each other; a stranded
   couple swaps into an existing pair when that yields two new pairs without repeats.
4. **Leftovers** (an odd count, or members who have met everyone available) join a pair as
   the third member of a trio if that creates no repeat with either member, preferring the
   pair they share most interests with. Otherwise they *sit out* this round (the step tells
   them why). A group never grows beyond three.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Candidate", "Match", "RoundPlan", "pair", "plan_round", "seed_for"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    id: str
    interests: frozenset[str] = frozenset()
    group: str | None = None  # a member-chosen group for cross-group pairing


@dataclass(frozen=True, kw_only=True, slots=True)
class Match:
    members: tuple[str, ...]  # sorted ids; two, or three for a trio
    shared: tuple[str, ...] = ()  # interests held by at least two of them, sorted
    cross: tuple[str, str] | None = None  # the groups matched across, if a cross-group pair


@dataclass(frozen=True, kw_only=True, slots=True)
class RoundPlan:
    matches: tuple[Match, ...]
    sat_out: tuple[str, ...] = ()  # no partner without a repeat (or nobody else took part)


def pair(a: str, b: str) -> frozenset[str]:
    """The history key of two members having been matched."""
    return frozenset((a, b))


def seed_for(*parts: object) -> int:
    """A stable integer seed from e.g. the community and the round occurrence."""
    text = "|".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def plan_round(
    candidates: Sequence[Candidate],
    *,
    seed: int,
    history: Collection[frozenset[str]] = (),
    cross: Sequence[tuple[str, str]] = (),
) -> RoundPlan:
    return _Planner(candidates, seed=seed, history=history).plan(cross)


class _Planner:
    def __init__(
        self, candidates: Sequence[Candidate], *, seed: int, history: Collection[frozenset[str]]
    ) -> None:
        self.rng = random.Random(seed)
        unique = {c.id: c for c in candidates}
        ordered = [unique[key] for key in sorted(unique)]
        self.rng.shuffle(ordered)
        self.order = [c.id for c in ordered]
        self.by_id = unique
        self.history = {p for p in history if len(p) == 2}

    def allowed(self, a: str, b: str) -> bool:
        return a != b and pair(a, b) not in self.history

    def shared(self, ids: Iterable[str]) -> tuple[str, ...]:
        counts: dict[str, int] = {}
        for member in ids:
            for interest in self.by_id[member].interests:
                counts[interest] = counts.get(interest, 0) + 1
        return tuple(sorted(i for i, n in counts.items() if n >= 2))

    def union(self, ids: Iterable[str]) -> frozenset[str]:
        return frozenset().union(*(self.by_id[m].interests for m in ids))

    def score(self, a: str, b: str) -> int:
        return len(self.by_id[a].interests & self.by_id[b].interests)

    def greedy(self, edges: list[tuple[str, str]], free: set[str]) -> list[tuple[str, str]]:
        """Take allowed edges best-first (shared interests, then a seeded random tie-break)."""
        keyed = [(-self.score(a, b), self.rng.random(), a, b) for a, b in edges if self.allowed(a, b)]
        keyed.sort()
        taken: list[tuple[str, str]] = []
        for _score, _tie, a, b in keyed:
            if a in free and b in free:
                free.discard(a)
                free.discard(b)
                taken.append((a, b))
        return taken

    def repair(self, pairs: list[tuple[str, str]], free: set[str]) -> None:
        """Swap stranded couples into existing pairs where that makes two new pairs."""
        improved = True
        while improved and len(free) >= 2:
            improved = False
            stranded = [m for m in self.order if m in free]
            for u, v in itertools.combinations(stranded, 2):
                for index, (a, b) in enumerate(pairs):
                    for x, y in ((a, b), (b, a)):
                        if self.allowed(u, x) and self.allowed(v, y):
                            pairs[index] = (u, x)
                            pairs.append((v, y))
                            free.discard(u)
                            free.discard(v)
                            improved = True
                            break
                    if improved:
                        break
                if improved:
                    break

    def plan(self, cross: Sequence[tuple[str, str]]) -> RoundPlan:
        free = set(self.order)
        groups: list[tuple[list[str], tuple[str, str] | None]] = []
        for left_group, right_group in cross:
            left = [m for m in self.order if m in free and self.by_id[m].group == left_group]
            right = [m for m in self.order if m in free and self.by_id[m].group == right_group]
            edges = [(a, b) for a in left for b in right]
            for a, b in self.greedy(edges, free):
                groups.append(([a, b], (left_group, right_group)))
        pool = [m for m in self.order if m in free]
        general = self.greedy(list(itertools.combinations(pool, 2)), free)
        self.repair(general, free)
        groups += [([a, b], None) for a, b in general]
        sat_out: list[str] = []
        for member in [m for m in self.order if m in free]:
            mine = self.by_id[member].interests
            options = [
                (-len(mine & self.union(ids)), -len(self.shared([*ids, member])), index)
                for index, (ids, _cross) in enumerate(groups)
                if len(ids) == 2 and all(self.allowed(member, other) for other in ids)
            ]
            if options:
                groups[min(options)[-1]][0].append(member)
            else:
                sat_out.append(member)
        matches = tuple(
            Match(members=tuple(sorted(ids)), shared=self.shared(ids), cross=cross_pair)
            for ids, cross_pair in sorted(groups, key=lambda g: sorted(g[0]))
        )
        return RoundPlan(matches=matches, sat_out=tuple(sorted(sat_out)))
