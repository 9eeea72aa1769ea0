"""Champion scoring and credit detection as pure functions: caps, decay, ranking, memory bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cohortbot.playbook.steps.champions.model import INTRO, QUESTION, RecentPosts, Tracked
from cohortbot.playbook.steps.champions.scoring import (
    Credit,
    Rules,
    award,
    dump_evidence,
    load_evidence,
    rank,
    score,
)
from cohortbot.playbook.steps.champions.tracking import (
    Award,
    Post,
    credits_for_post,
    credits_for_reaction,
    mentioned_ids,
    thanks_pattern,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RULES = Rules(
    weights={"answer": 3, "thanks": 2, "reaction": 1, "newcomer_reply": 3, "intro_welcome": 0},
    half_life=timedelta(days=14),
    cooldown=timedelta(days=1),
    daily_cap=10,
    zone=ZoneInfo("Europe/Berlin"),
)


def unix(when: datetime) -> int:
    return int(when.timestamp())


def test_a_credit_is_added_with_its_weight() -> None:
    verdict = award([], "answer", "ana", NOW, RULES)
    assert verdict.credit == Credit("answer", "ana", unix(NOW), 3.0)
    assert verdict.evidence == [verdict.credit]


def test_a_kind_weighted_zero_earns_nothing() -> None:
    assert award([], "intro_welcome", "ana", NOW, RULES).credit is None


def test_the_same_giver_and_kind_count_once_per_cooldown_but_other_kinds_and_givers_do() -> None:
    first = award([], "answer", "ana", NOW, RULES).evidence
    assert award(first, "answer", "ana", NOW + timedelta(hours=23), RULES).reason == "cooldown"
    assert award(first, "thanks", "ana", NOW, RULES).credit is not None
    assert award(first, "answer", "ben", NOW, RULES).credit is not None
    assert award(first, "answer", "ana", NOW + timedelta(days=1), RULES).credit is not None


def test_the_daily_cap_trims_then_refuses_and_resets_at_local_midnight() -> None:
    evidence: list[Credit] = []
    for giver in ("a", "b", "c"):
        evidence = award(evidence, "answer", giver, NOW, RULES).evidence
    trimmed = award(evidence, "answer", "d", NOW, RULES)
    assert trimmed.credit is not None and trimmed.credit.points == 1.0 and trimmed.reason == "daily cap"
    refused = award(trimmed.evidence, "answer", "e", NOW, RULES)
    assert refused.credit is None and refused.reason == "daily cap"
    # 23:30 UTC is already the next day in Berlin (UTC+1).
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert award(trimmed.evidence, "answer", "e", late, RULES).credit is not None


def test_points_halve_every_half_life() -> None:
    evidence = [Credit("answer", "ana", unix(NOW), 4.0)]
    assert score(evidence, NOW, RULES.half_life) == 4.0
    assert score(evidence, NOW + timedelta(days=14), RULES.half_life) == 2.0
    assert score(evidence, NOW + timedelta(days=28), RULES.half_life) == 1.0


def test_evidence_is_bounded_by_age_and_count() -> None:
    rules = Rules(
        weights={"thanks": 1},
        half_life=timedelta(days=2),
        cooldown=timedelta(0),
        daily_cap=1000,
        max_evidence=5,
    )
    old = [Credit("thanks", "x", unix(NOW - timedelta(days=13)), 1.0)]  # older than 6 half-lives
    evidence = award(old, "thanks", "y", NOW, rules).evidence
    assert [c.giver for c in evidence] == ["y"]
    for n in range(10):
        evidence = award(evidence, "thanks", f"g{n}", NOW + timedelta(seconds=n), rules).evidence
    assert [c.giver for c in evidence] == ["g5", "g6", "g7", "g8", "g9"]


def test_ranking_is_by_decayed_score_with_a_minimum_and_a_count() -> None:
    fresh = [Credit("answer", "a", unix(NOW), 6.0)]
    stale = [Credit("answer", "a", unix(NOW - timedelta(days=28)), 20.0)]  # 5 points left
    small = [Credit("thanks", "a", unix(NOW), 2.0)]
    pool = [("stale", stale), ("fresh", fresh), ("small", small), ("none", [])]
    assert rank(pool, NOW, RULES.half_life) == [("fresh", 6.0), ("stale", 5.0), ("small", 2.0)]
    assert rank(pool, NOW, RULES.half_life, min_score=3) == [("fresh", 6.0), ("stale", 5.0)]
    assert rank(pool, NOW, RULES.half_life, count=1) == [("fresh", 6.0)]


def test_stored_evidence_round_trips_and_skips_malformed_rows() -> None:
    evidence = [Credit("answer", "ana", 100, 3.0), Credit("thanks", "ben", 200, 1.5)]
    assert load_evidence(dump_evidence(evidence)) == evidence
    assert load_evidence([["answer", "x"], "junk", ["thanks", "y", 5, 2]]) == [Credit("thanks", "y", 5, 2.0)]
    assert load_evidence(None) == []


# ------------------------------------------------------------------ detection


def test_thanks_are_whole_words_or_phrases_in_any_case() -> None:
    pattern = thanks_pattern(("thanks", "thank you", "ty"))
    for text in ("Thanks!", "thank  you so much", "ok ty", "THANKS @x"):
        assert pattern.search(text), text
    for text in ("Thanksgiving", "party time", "thank youu", "pretty"):
        assert not pattern.search(text), text
    assert not thanks_pattern(()).search("thanks")


def test_mentions_come_from_the_platform_and_from_tokens_in_the_text() -> None:
    assert mentioned_ids("thanks <@U1> and <@U2|bob> and <@U1>", ["U3"]) == ("U3", "U1", "U2")
    assert mentioned_ids("no mentions <#general> <t:123>", []) == ()


def post(**kw: object) -> Post:
    fields: dict[str, object] = {
        "author": "helen",
        "message": "m2",
        "channel": "general",
        "at": NOW,
        "parent": None,
        "reply_to": None,
    }
    fields.update(kw)
    return Post(**fields)  # type: ignore[arg-type]


def test_a_reply_without_a_message_id_finds_the_askers_latest_post_in_the_channel() -> None:
    recent = RecentPosts()
    recent.add("m1", Tracked("ana", unix(NOW) - 60, QUESTION, "general"))
    awards = credits_for_post(post(reply_to="ana"), recent)
    assert awards == [Award("helen", "answer", "ana")]


def test_a_thankful_reply_thanks_the_parent_author_and_at_most_three_mentions() -> None:
    recent = RecentPosts()
    recent.add("m1", Tracked("helen", unix(NOW), 0, "general"))
    thanks = credits_for_post(post(author="ana", parent="m1", thanks=True), recent)
    assert thanks == [Award("helen", "thanks", "ana")]
    many = credits_for_post(
        post(author="ana", message="m3", mentions=("a", "b", "c", "d"), thanks=True), recent
    )
    assert [a.receiver for a in many] == ["a", "b", "c"]


def test_an_intro_is_welcomed_once_per_message_even_when_both_replied_to_and_mentioned() -> None:
    recent = RecentPosts()
    recent.add("m1", Tracked("ana", unix(NOW), INTRO, "intros"))
    awards = credits_for_post(post(parent="m1", mentions=("ana",), in_intros=True, channel="intros"), recent)
    assert awards == [Award("helen", "intro_welcome", "ana")]


def test_a_welcome_in_the_intro_channel_is_not_itself_an_introduction() -> None:
    recent = RecentPosts()
    credits_for_post(post(author="ana", message="m1", in_intros=True, channel="intros"), recent)
    credits_for_post(post(message="m2", mentions=("ana",), in_intros=True, channel="intros"), recent)
    assert recent.get("m1") == Tracked("ana", unix(NOW), INTRO, "intros")
    assert recent.get("m2") is None
    assert (
        credits_for_post(post(author="ben", message="m3", mentions=("helen",), in_intros=True), recent) == []
    )


def test_opted_out_authors_posts_are_not_remembered() -> None:
    recent = RecentPosts()
    credits_for_post(post(author="ana", message="m1", question=True, track=False), recent)
    assert recent.get("m1") is None
    assert credits_for_post(post(parent="m1", reply_to="ana"), recent) == []


def test_reactions_credit_replies_only_and_not_ones_own() -> None:
    recent = RecentPosts()
    credits_for_post(post(message="r1", reply_to="ana"), recent)  # helen's reply
    credits_for_post(post(message="t1"), recent)  # a plain post: not remembered
    assert credits_for_reaction("ben", "r1", recent) == [Award("helen", "reaction", "ben")]
    assert credits_for_reaction("helen", "r1", recent) == []
    assert credits_for_reaction("ben", "t1", recent) == []


def test_the_memory_of_recent_posts_is_bounded_by_age_and_count() -> None:
    recent = RecentPosts()
    for n in range(20):
        recent.add(f"m{n}", Tracked("ana", unix(NOW) + n, QUESTION, "general"))
    recent.add("old", Tracked("ana", unix(NOW - timedelta(days=8)), QUESTION, "general"))
    kept = recent.pruned(NOW + timedelta(minutes=1), keep=timedelta(days=7), limit=5)
    dumped = kept.model_dump(mode="json")
    assert sorted(dumped["m"]) == ["m15", "m16", "m17", "m18", "m19"]
    loaded = RecentPosts.model_validate(dumped)
    assert loaded.get("m19") == Tracked("ana", unix(NOW) + 19, QUESTION, "general")
