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
   pair they share most interests with. A group never grows beyond three.
5. **Meeting again** (``relax``, for small cohorts): a leftover who has met everyone still
   free is not left out round after round. Leftovers are paired with each other, or join a
   pair as a trio, choosing whom they met *longest ago* (the pairs' ``met_before`` order);
   such a match is marked ``repeat`` so the step says so. Without ``relax``, or with nobody
   to meet at all, they *sit out* this round (the step tells them why).
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
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
    common: tuple[str, ...] = ()  # interests held by all of them, sorted (a pair: = shared)
    cross: tuple[str, str] | None = None  # the groups matched across, if a cross-group pair
    repeat: bool = False  # some of them met before: nobody new was left for a leftover


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
    relax: bool = False,
    met_before: Mapping[frozenset[str], int] | None = None,
) -> RoundPlan:
    """One round. ``history``: pairs never to repeat. ``relax``: leftovers meet again (step 5),
    whom they met longest ago first by ``met_before`` (pair -> how recently: higher is later)."""
    planner = _Planner(candidates, seed=seed, history=history)
    return planner.plan(cross, relax=relax, met_before=met_before or {})


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

    def common(self, ids: Sequence[str]) -> tuple[str, ...]:
        sets = [self.by_id[m].interests for m in ids]
        return tuple(sorted(frozenset.intersection(*sets))) if sets else ()

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

    def plan(
        self, cross: Sequence[tuple[str, str]], *, relax: bool, met_before: Mapping[frozenset[str], int]
    ) -> RoundPlan:
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
        left_over: list[str] = []
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
                left_over.append(member)
        again: list[list[str]] = []
        if relax and len(self.order) >= 2:
            left_over = self.meet_again(left_over, groups, again, met_before)
        repeated = {tuple(sorted(ids)) for ids in again}
        matches = tuple(
            Match(
                members=tuple(sorted(ids)),
                shared=self.shared(ids),
                common=self.common(ids),
                cross=cross_pair,
                repeat=tuple(sorted(ids)) in repeated,
            )
            for ids, cross_pair in sorted(groups, key=lambda g: sorted(g[0]))
        )
        return RoundPlan(matches=matches, sat_out=tuple(sorted(left_over)))

    def meet_again(
        self,
        left_over: list[str],
        groups: list[tuple[list[str], tuple[str, str] | None]],
        again: list[list[str]],
        met_before: Mapping[frozenset[str], int],
    ) -> list[str]:
        """Step 5: leftovers pair up, or join a pair, with whom they met longest ago.

        Returns who still sits out (a lone leftover when every group is already a trio).
        """

        def last_met(a: str, b: str) -> int:
            return met_before.get(pair(a, b), -1)

        free = set(left_over)
        edges = sorted(
            (last_met(a, b), -self.score(a, b), self.rng.random(), a, b)
            for a, b in itertools.combinations(left_over, 2)
        )
        for *_key, a, b in edges:
            if a in free and b in free:
                free -= {a, b}
                groups.append(([a, b], None))
                again.append(groups[-1][0])
        for member in [m for m in left_over if m in free]:
            options = [
                (max(last_met(member, o) for o in ids), -len(self.shared([*ids, member])), index)
                for index, (ids, _cross) in enumerate(groups)
                if len(ids) == 2
            ]
            if options:
                ids = groups[min(options)[-1]][0]
                ids.append(member)
                again.append(ids)
                free.discard(member)
        return [m for m in left_over if m in free]
