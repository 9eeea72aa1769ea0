"""The pure rules under the prompts step: bank rotation, quiet hours and gaps, engagement."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohortbot.playbook.steps.prompts.bank import Bank, question_id
from cohortbot.playbook.steps.prompts.model import MAX_KEPT, PostedLog, PostedPrompt, Rotation
from cohortbot.playbook.steps.prompts.timing import earliest_post, quiet_until

BERLIN = ZoneInfo("Europe/Berlin")
QUESTIONS = ["A?", "B?", "C?", "D?"]


def take_all(bank: Bank, n: int) -> list[str]:
    return [bank.text(bank.take()) or "" for _ in range(n)]


def test_a_round_asks_every_question_once_in_written_order_then_reshuffles_without_a_repeat() -> None:
    bank = Bank(QUESTIONS, Rotation(), seed="c|weekly")
    assert take_all(bank, 4) == QUESTIONS
    for _round in range(20):
        before = bank.rotation.last
        again = take_all(bank, 4)
        assert sorted(again) == QUESTIONS
        assert question_id(again[0]) != before  # no question twice in a row across rounds


def test_the_rotation_survives_a_round_trip_through_json_and_is_deterministic() -> None:
    first = Bank(QUESTIONS, Rotation(), seed="c|weekly")
    take_all(first, 6)
    stored = first.rotation.model_dump(mode="json")  # as the document store keeps it
    reloaded = Bank(QUESTIONS, Rotation.model_validate(stored), seed="c|weekly")
    twin = Bank(QUESTIONS, Rotation(), seed="c|weekly")
    take_all(twin, 6)
    assert take_all(reloaded, 5) == take_all(twin, 5)


def test_a_stopping_bank_returns_none_once_used_up() -> None:
    bank = Bank(["A?"], Rotation(), seed="s", when_exhausted="stop")
    assert bank.take() is not None
    assert bank.take() is None and bank.stopped()
    assert bank.add("B?") and not bank.stopped()
    assert bank.text(bank.take()) == "B?"


def test_edits_to_the_playbook_bank_never_repeat_inside_a_round() -> None:
    bank = Bank(QUESTIONS, Rotation(), seed="s")
    take_all(bank, 2)  # A, B asked
    edited = Bank(["D?", "B?", "A?", "E?"], Rotation.model_validate(bank.rotation.model_dump()), seed="s")
    assert [edited.text(q) for q in edited.upcoming()] == ["D?", "E?"]  # C was removed, E is new


def test_skipping_marks_the_question_used_for_this_round() -> None:
    bank = Bank(QUESTIONS, Rotation(), seed="s")
    skipped = bank.take(skip=True)
    assert bank.rotation.skipped == [skipped] and bank.text(bank.upcoming()[0]) == "B?"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_quiet_hours_across_midnight_end_at_their_local_end_even_on_the_night_dst_starts() -> None:
    night = (time(22, 0), time(8, 0))
    # 28->29 March 2026: 08:00 Berlin is 07:00 UTC before and 06:00 UTC after the change.
    assert quiet_until(utc(2026, 3, 28, 22, 0), BERLIN, *night) == utc(2026, 3, 29, 6, 0)
    assert quiet_until(utc(2026, 3, 27, 22, 0), BERLIN, *night) == utc(2026, 3, 28, 7, 0)
    assert quiet_until(utc(2026, 3, 28, 5, 0), BERLIN, *night) == utc(2026, 3, 28, 7, 0)  # 06:00 local
    assert quiet_until(utc(2026, 3, 28, 12, 0), BERLIN, *night) is None
    assert quiet_until(utc(2026, 3, 28, 12, 0), BERLIN, time(12, 0), time(14, 0)) == utc(2026, 3, 28, 13, 0)


def test_the_gap_comes_first_and_may_itself_land_in_quiet_hours() -> None:
    now = utc(2026, 5, 4, 19, 0)  # 21:00 Berlin
    last = utc(2026, 5, 4, 18, 30)
    assert earliest_post(now, zone=BERLIN, last_post=last, min_gap=timedelta(hours=1)) == utc(
        2026, 5, 4, 19, 30
    )
    quiet = (time(21, 15), time(8, 0))
    assert earliest_post(now, zone=BERLIN, quiet=quiet, last_post=last, min_gap=timedelta(hours=1)) == utc(
        2026, 5, 5, 6, 0
    )


def posted(key: str, schedule: str, question: str | None, at: datetime, channel: str) -> PostedPrompt:
    return PostedPrompt(key=key, schedule=schedule, question=question, posted_at=at, channel=channel)


def test_replies_are_counted_per_prompt_with_distinct_repliers_and_no_text() -> None:
    log = PostedLog()
    log.record(posted("k1", "daily", "q1", utc(2026, 5, 4), "general"))
    log.record(posted("k2", "news", None, utc(2026, 5, 5), "news"))
    log.prompts[0].message = "m1"
    log.prompts[0].thread = "t1"
    assert (
        log.count_reply({"m1"}, "alice")
        and log.count_reply({"t1"}, "alice")
        and log.count_reply({"t1"}, "bob")
    )
    assert not log.count_reply({"other"}, "carol")
    newest, oldest = log.engagement()
    assert (newest.key, newest.replies, newest.repliers) == ("k2", 0, 0)
    assert (oldest.key, oldest.replies, oldest.repliers, oldest.question_id) == ("k1", 3, 2, "q1")
    assert log.last_post_in("general") == utc(2026, 5, 4) and log.last_post_in("elsewhere") is None
    stored = str(log.model_dump(mode="json"))
    assert "alice" in stored and "text" not in stored


def test_the_log_keeps_the_newest_prompts_and_a_repost_replaces_its_entry() -> None:
    log = PostedLog()
    for n in range(MAX_KEPT + 3):
        log.record(posted(f"k{n}", "daily", "q", utc(2026, 1, 1) + timedelta(days=n), "general"))
    log.record(posted("k10", "daily", "q", utc(2027, 1, 1), "general"))
    assert len(log.prompts) == MAX_KEPT
    assert [p.key for p in log.prompts[:2]] == ["k3", "k4"] and log.prompts[-1].key == "k10"
    assert [p.key for p in log.prompts].count("k10") == 1


def test_forgetting_a_replier_keeps_every_count_and_other_repliers() -> None:
    log = PostedLog()
    log.record(posted("k1", "daily", "q1", utc(2026, 5, 4), "general"))
    log.record(posted("k2", "daily", "q2", utc(2026, 5, 5), "general"))
    log.prompts[0].message, log.prompts[1].message = "m1", "m2"
    for message, author in (("m1", "alice"), ("m1", "alice"), ("m1", "bob"), ("m2", "bob")):
        log.count_reply({message}, author)
    assert [p.key for p in log.replied_by("alice")] == ["k1"]
    before = log.engagement()
    assert log.forget("alice") == 1 and log.forget("alice") == 0
    assert log.engagement() == before  # 3 replies from 2 members, 1 from 1: counts are not personal
    assert log.replied_by("alice") == [] and "alice" not in str(log.model_dump(mode="json"))
    assert [p.key for p in log.replied_by("bob")] == ["k1", "k2"]


def test_a_log_stored_by_the_earlier_version_still_loads() -> None:
    stored = {
        "prompts": [
            {
                "key": "prompt:memory:c1:daily:2026-05-04T07:00:00+00:00",
                "schedule": "daily",
                "question": "q1",
                "posted_at": "2026-05-04T07:00:00+00:00",
                "channel": "id-general",
                "want_thread": True,
                "message": "m1",
                "thread": None,
                "replies": 2,
                "repliers": ["alice", "bob"],
                "late": False,
                "manual": False,
                "variant": "",
            }
        ]
    }
    log = PostedLog.model_validate(stored)
    [prompt] = log.engagement()
    assert (prompt.replies, prompt.repliers, prompt.posted_at) == (2, 2, utc(2026, 5, 4, 7))
    assert log.count_reply({"m1"}, "carol") and log.engagement()[0].repliers == 3
