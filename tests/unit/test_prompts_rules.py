"""The pure rules under the prompts step: bank rotation, quiet hours and gaps, engagement."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohortbot.playbook.steps.prompts.bank import Bank, Rotation, question_id
from cohortbot.playbook.steps.prompts.records import count_reply, last_post_in, prompt_engagement, record_post
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
    reloaded = Bank(QUESTIONS, Rotation.load(first.rotation.dump()), seed="c|weekly")
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
    edited = Bank(["D?", "B?", "A?", "E?"], Rotation.load(bank.rotation.dump()), seed="s")
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


def test_replies_are_counted_per_prompt_with_distinct_repliers_and_no_text() -> None:
    doc = record_post(
        None,
        key="k1",
        schedule="daily",
        question_id="q1",
        posted_at=utc(2026, 5, 4),
        channel="general",
        thread=True,
    )
    doc = record_post(
        doc,
        key="k2",
        schedule="news",
        question_id=None,
        posted_at=utc(2026, 5, 5),
        channel="news",
        thread=False,
    )
    doc["prompts"][0]["message"] = "m1"
    doc["prompts"][0]["thread"] = "t1"
    assert (
        count_reply(doc, {"m1"}, "alice")
        and count_reply(doc, {"t1"}, "alice")
        and count_reply(doc, {"t1"}, "bob")
    )
    assert not count_reply(doc, {"other"}, "carol")
    newest, oldest = prompt_engagement(doc)
    assert (newest.key, newest.replies, newest.repliers) == ("k2", 0, 0)
    assert (oldest.key, oldest.replies, oldest.repliers, oldest.question_id) == ("k1", 3, 2, "q1")
    assert last_post_in(doc, "general") == utc(2026, 5, 4) and last_post_in(doc, "elsewhere") is None
    assert "alice" in str(doc) and "text" not in str(doc)
