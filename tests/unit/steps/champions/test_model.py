"""The champions step's stored state: the spellings written before still load and are kept."""

from __future__ import annotations

from datetime import UTC, datetime

from cohortbot.playbook.steps.champions.model import (
    FORMER_MEMBER,
    INTRO,
    QUESTION,
    REPLY,
    ChampionsSection,
    RecentPosts,
    Tracked,
)
from cohortbot.playbook.steps.champions.scoring import Credit

SINCE = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)

# A member's part as the step wrote it before it had a typed model.
OLD_SECTION = {
    "ev": [["answer", "ana", 100, 3.0], ["thanks", "ben", 200, 2.0], "junk", ["reaction", "x"]],
    "since": SINCE.isoformat(),
    "term": 2,
    "by": "mod",
    "declined_until": "2026-04-01T09:00:00+00:00",
    "quiet": "2026-03-01T08:00:00+00:00",
    "mod": True,
}


def test_a_section_written_before_loads_skipping_malformed_evidence() -> None:
    part = ChampionsSection.model_validate(OLD_SECTION)
    assert part.evidence == [Credit("answer", "ana", 100, 3.0), Credit("thanks", "ben", 200, 2.0)]
    assert part.since == SINCE and part.champion and part.term == 2
    assert part.approved_by == "mod" and part.seen_as_moderator
    assert part.quiet_since == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert part.nominated is None


def test_a_section_is_stored_with_the_same_short_keys_and_without_defaults() -> None:
    stored = ChampionsSection.model_validate(OLD_SECTION).model_dump(mode="json", exclude_defaults=True)
    assert sorted(stored) == ["by", "declined_until", "ev", "mod", "quiet", "since", "term"]
    assert stored["ev"] == [["answer", "ana", 100, 3.0], ["thanks", "ben", 200, 2.0]]
    assert ChampionsSection.model_validate(stored) == ChampionsSection.model_validate(OLD_SECTION)
    assert ChampionsSection().model_dump(mode="json", exclude_defaults=True) == {}


def test_evidence_points_are_stored_rounded() -> None:
    part = ChampionsSection(evidence=[Credit("answer", "ana", 100, 0.99999999)])
    assert part.model_dump(mode="json")["ev"] == [["answer", "ana", 100, 1.0]]


def test_forgetting_a_giver_keeps_the_points_and_drops_the_name() -> None:
    part = ChampionsSection.model_validate(OLD_SECTION)
    assert part.credits_from("ana") == [Credit("answer", "ana", 100, 3.0)]
    assert part.forget_giver("ana")
    assert part.evidence == [Credit("answer", FORMER_MEMBER, 100, 3.0), Credit("thanks", "ben", 200, 2.0)]
    assert part.approved_by == "mod"
    assert part.forget_giver("mod") and part.approved_by is None and part.champion
    assert not part.forget_giver("nobody")


def test_the_memory_keeps_its_stored_form_and_skips_malformed_rows() -> None:
    stored = {"m": {"m1": ["ana", 100, QUESTION, "general"], "m2": ["ben", 200], "m3": "junk"}}
    recent = RecentPosts.model_validate(stored)
    assert recent.posts == {"m1": Tracked("ana", 100, QUESTION, "general")}
    recent.add("m4", Tracked("ben", 300, REPLY, "general"))
    recent.mark("m1", INTRO)
    assert recent.model_dump(mode="json") == {
        "m": {"m1": ["ana", 100, QUESTION | INTRO, "general"], "m4": ["ben", 300, REPLY, "general"]}
    }


def test_the_memory_without_a_member_keeps_everyone_elses_posts() -> None:
    recent = RecentPosts(
        posts={
            "m1": Tracked("ana", 100, QUESTION, "general"),
            "m2": Tracked("ben", 200, REPLY, "general"),
            "m3": Tracked("ana", 300, INTRO, "intros"),
        }
    )
    assert [key for key, _t in recent.by_author("ana")] == ["m1", "m3"]
    assert recent.without("ana").posts == {"m2": Tracked("ben", 200, REPLY, "general")}
    assert len(recent.posts) == 3  # a new memory; this one is unchanged
