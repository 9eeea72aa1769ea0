"""The intros step's typed state and pure helpers: rounds, the member's part, interests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.intros.api import confirmed_connections
from cohortbot.playbook.steps.intros.interests import interests_in, resolve_interests, shown
from cohortbot.playbook.steps.intros.model import (
    ROUNDS_KEPT,
    AskIfMet,
    Cadence,
    IntrosMember,
    MatchRecord,
    Nudge,
    RoundRecord,
    Rounds,
)
from tests.harness import Harness

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def round_of(round_id: str, *groups: list[str], sat_out: tuple[str, ...] = ()) -> RoundRecord:
    return RoundRecord(
        id=round_id, at=T0, matches=[MatchRecord(members=g) for g in groups], sat_out=list(sat_out)
    )


def test_pairs_cover_trios_and_only_the_last_rounds_when_asked() -> None:
    rounds = Rounds(rounds=[round_of("r1", ["a", "b", "c"]), round_of("r2", ["a", "d"])])
    assert rounds.pairs() == {frozenset(p) for p in [("a", "b"), ("a", "c"), ("b", "c"), ("a", "d")]}
    assert rounds.pairs(last=1) == {frozenset(("a", "d"))}


def test_only_the_newest_rounds_are_kept() -> None:
    rounds = Rounds()
    for n in range(ROUNDS_KEPT + 3):
        rounds.add(round_of(f"r{n}"))
    assert len(rounds.rounds) == ROUNDS_KEPT
    assert rounds.rounds[0].id == "r3" and rounds.find(f"r{ROUNDS_KEPT + 2}") is not None
    assert rounds.find("r0") is None


def test_confirmed_counts_matches_where_anyone_said_yes() -> None:
    record = round_of("r1", ["a", "b"], ["c", "d"], ["e", "f"])
    record.matches[0].met = {"a": "yes", "b": "no"}
    record.matches[1].met = {"c": "no"}
    record.matches[2].met = {"f": "yes"}
    assert Rounds(rounds=[record]).confirmed() == 2


def test_about_and_forget_a_member() -> None:
    first = round_of("r1", ["a", "b"], ["c", "d"])
    first.matches[0].met = {"a": "yes", "b": "yes"}
    second = round_of("r2", ["b", "c"], sat_out=("a",))
    rounds = Rounds(rounds=[first, second])
    assert rounds.about("a") == [
        {
            "round": "r1",
            "at": T0.isoformat(),
            "manual": False,
            "matched_with": ["b"],
            "shared_interests": [],
            "met": "yes",
        },
        {"round": "r2", "at": T0.isoformat(), "manual": False, "sat_out": True},
    ]
    assert rounds.forget("a") is True
    assert "'a'" not in repr(rounds.model_dump()) and rounds.about("a") == []
    assert first.matches[0].members == ["b"] and first.matches[0].erased == 1
    assert first.matches[0].met == {"b": "yes"} and first.matches[1].members == ["c", "d"]
    assert second.sat_out == [] and rounds.confirmed() == 1
    assert rounds.forget("a") is False  # nothing left to forget


def test_documents_stored_before_they_were_typed_still_load() -> None:
    old_rounds = [{"id": "r1", "at": T0.isoformat(), "matches": [{"members": ["a", "b"]}]}]
    assert Rounds.model_validate(old_rounds).rounds[0].matches[0].members == ["a", "b"]
    assert Cadence.model_validate(T0.isoformat()).last == T0
    assert Cadence.model_validate({"last": T0.isoformat()}).last == T0


def test_the_member_part_reads_what_was_stored_before() -> None:
    old = {
        "interests": ["python"],
        "nudges": 1,
        "optout": True,
        "snooze_until": T0.isoformat(),
        "group": "mentor",
    }
    mine = IntrosMember.model_validate(old)
    assert (mine.interests, mine.nudges, mine.optout, mine.group) == (["python"], 1, True, "mentor")
    assert mine.snoozed(T0 - timedelta(seconds=1)) and not mine.snoozed(T0)
    assert mine.add_interests(["art", "python", "art"]) == ["art"] and mine.interests == ["python", "art"]
    assert IntrosMember().model_dump(exclude_defaults=True) == {}


def test_timer_payloads_round_trip_through_json() -> None:
    nudge = Nudge(member="alice", join=2)
    assert Nudge.model_validate(nudge.model_dump(mode="json")) == nudge
    assert AskIfMet.model_validate({"round": "20260302T090000Z"}).round == "20260302T090000Z"


def test_interests_are_found_by_whole_words_and_resolved_from_a_typed_list() -> None:
    vocabulary = {"python": ["pandas"], "machine learning": ["ml", "deep learning"], "art": []}
    assert interests_in("HTML and Deep  Learning, pandas", vocabulary) == ["python", "machine learning"]
    assert resolve_interests("Pandas, ML; knitting", vocabulary) == (
        ["python", "machine learning"],
        ["knitting"],
    )
    assert resolve_interests("Knitting, Go", {}) == (["knitting", "go"], [])
    assert shown([]) == "none yet" and shown(["a", "b"]) == "a, b"


async def test_confirmed_connections_reads_the_stored_rounds(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, "name: T\ndefault: true\nsteps:\n  intros: {}\n")
    try:
        record = round_of("r1", ["a", "b"], ["c", "d"])
        record.matches[1].met = {"d": "yes"}
        async with bot.database.unit_of_work() as uow:
            assert await confirmed_connections(uow, bot.community) == 0
            await DocumentStore(uow.state, bot.community, "intros").store(Rounds(rounds=[record]))
            assert await confirmed_connections(uow, bot.community) == 1
    finally:
        await bot.close()
