"""The matching algorithm: deterministic, greedy by shared interests, never a repeat pair."""

from __future__ import annotations

import itertools

from cohortbot.playbook.steps.intros.matching import Candidate, Match, RoundPlan, pair, plan_round, seed_for


def people(**interests: str) -> list[Candidate]:
    return [Candidate(id=name, interests=frozenset(i.split())) for name, i in interests.items()]


def pairs_of(plan: RoundPlan) -> set[frozenset[str]]:
    return {pair(a, b) for m in plan.matches for a, b in itertools.combinations(m.members, 2)}


def test_the_same_seed_gives_the_same_round_and_the_seed_depends_on_the_round() -> None:
    group = people(a="", b="", c="", d="", e="", f="", g="", h="")
    first = plan_round(group, seed=seed_for("memory:c1", "20260302T090000Z"))
    assert plan_round(list(reversed(group)), seed=seed_for("memory:c1", "20260302T090000Z")) == first
    others = {plan_round(group, seed=seed_for("memory:c1", f"week{w}")).matches for w in range(8)}
    assert len(others) > 1


def test_members_who_share_the_most_interests_are_paired() -> None:
    plan = plan_round(people(ada="python stats", bob="python stats", cy="art music", di="art music"), seed=1)
    assert plan.matches == (
        Match(members=("ada", "bob"), shared=("python", "stats"), common=("python", "stats")),
        Match(members=("cy", "di"), shared=("art", "music"), common=("art", "music")),
    )
    assert plan.sat_out == ()


def test_no_pair_is_ever_repeated_and_everyone_still_gets_a_partner() -> None:
    group = people(a="x", b="x", c="x", d="x", e="x", f="x")
    history: set[frozenset[str]] = set()
    for week in range(5):  # six people have exactly five rounds of new partners
        plan = plan_round(group, seed=seed_for("c", week), history=history)
        assert plan.sat_out == ()
        assert len(plan.matches) == 3
        assert not (pairs_of(plan) & history)
        history |= pairs_of(plan)
    assert len(history) == 15  # every possible pair, once
    last = plan_round(group, seed=seed_for("c", 99), history=history)
    assert last.matches == () and last.sat_out == ("a", "b", "c", "d", "e", "f")


def test_relaxed_leftovers_meet_again_whom_they_met_longest_ago_and_the_match_says_so() -> None:
    group = people(a="", b="", c="", d="")
    # Everyone met everyone; a+b and c+d were the first round, a+c and b+d the latest.
    met_before = {pair("a", "b"): 0, pair("c", "d"): 0, pair("a", "d"): 1, pair("b", "c"): 1}
    met_before |= {pair("a", "c"): 2, pair("b", "d"): 2}
    plan = plan_round(group, seed=4, history=set(met_before), relax=True, met_before=met_before)
    assert plan.sat_out == ()
    assert plan.matches == (
        Match(members=("a", "b"), repeat=True),
        Match(members=("c", "d"), repeat=True),
    )


def test_relaxing_changes_nothing_for_members_who_still_have_someone_new() -> None:
    group = people(a="x", b="x", c="", d="", e="")
    history = {pair("e", x) for x in "abcd"}
    strict = plan_round(group, seed=7, history=history)
    relaxed = plan_round(group, seed=7, history=history, relax=True, met_before=dict.fromkeys(history, 0))
    assert strict.sat_out == ("e",)
    assert relaxed.sat_out == ()
    [trio] = [m for m in relaxed.matches if "e" in m.members]
    assert len(trio.members) == 3 and trio.repeat
    fresh = [m for m in relaxed.matches if "e" not in m.members]
    assert fresh == [m for m in strict.matches if set(m.members) == set(fresh[0].members)]
    assert not any(m.repeat for m in fresh)


def test_relaxed_or_not_a_member_alone_sits_out() -> None:
    assert plan_round(people(a="x"), seed=1, relax=True) == RoundPlan(matches=(), sat_out=("a",))


def test_a_stranded_couple_is_swapped_into_an_existing_pair() -> None:
    # Greedy on shared interests takes a+b and c+d first; c and d already met, so a swap is needed.
    group = people(a="x y", b="x y", c="", d="")
    plan = plan_round(group, seed=3, history={pair("c", "d")})
    assert plan.sat_out == ()
    assert pair("c", "d") not in pairs_of(plan) and len(plan.matches) == 2


def test_an_odd_count_makes_one_trio() -> None:
    plan = plan_round(people(a="go", b="go", c="rust", d="rust", e="go"), seed=5)
    sizes = sorted(len(m.members) for m in plan.matches)
    assert sizes == [2, 3]
    trio = next(m for m in plan.matches if len(m.members) == 3)
    assert trio.members == ("a", "b", "e") and trio.shared == trio.common == ("go",)


def test_a_trio_tells_apart_what_all_three_share_from_what_two_of_them_share() -> None:
    plan = plan_round(people(a="go rust", b="go rust", c="go"), seed=5)
    [trio] = plan.matches
    assert trio.shared == ("go", "rust")  # held by at least two
    assert trio.common == ("go",)  # held by all three: the only one the message may claim


def test_a_leftover_who_met_everyone_sits_out_rather_than_repeating() -> None:
    history = {pair("e", x) for x in "abcd"}
    plan = plan_round(people(a="", b="", c="", d="", e=""), seed=7, history=history)
    assert plan.sat_out == ("e",)
    assert all(len(m.members) == 2 for m in plan.matches)


def test_one_member_alone_sits_out() -> None:
    assert plan_round(people(a="x"), seed=1) == RoundPlan(matches=(), sat_out=("a",))


def test_cross_groups_are_paired_across_before_anyone_else() -> None:
    group = [
        Candidate(id="m1", interests=frozenset({"ml"}), group="mentor"),
        Candidate(id="m2", interests=frozenset({"web"}), group="mentor"),
        Candidate(id="s1", interests=frozenset({"web"}), group="mentee"),
        Candidate(id="s2", interests=frozenset({"ml"}), group="mentee"),
        Candidate(id="x1", interests=frozenset({"ml"})),
        Candidate(id="x2", interests=frozenset({"web"})),
    ]
    plan = plan_round(group, seed=11, cross=[("mentor", "mentee")])
    cross = {m.members: m for m in plan.matches if m.cross}
    assert set(cross) == {("m1", "s2"), ("m2", "s1")}
    assert cross[("m1", "s2")].shared == ("ml",) and cross[("m1", "s2")].cross == ("mentor", "mentee")
    assert Match(members=("x1", "x2")) in plan.matches


def test_the_surplus_of_a_cross_group_joins_the_general_pool() -> None:
    group = [
        Candidate(id="m1", group="mentor"),
        Candidate(id="m2", group="mentor"),
        Candidate(id="s1", group="mentee"),
    ]
    plan = plan_round(group, seed=1, cross=[("mentor", "mentee")])
    assert len(plan.matches) == 1 and len(plan.matches[0].members) == 3 and plan.sat_out == ()
