"""Every health metric against values worked out by hand from the synthetic community's
construction (see ``tests/unit/synthetic.py`` for who does what, when)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cohortbot.playbook.analytics.metrics import (
    ChannelStats,
    ParticipationMix,
    Rate,
    activation,
    daily_active,
    day_start,
    introductions,
    median_first_reply,
    participation_mix,
    recently_inactive,
    retention,
    rolling_weekly_active,
    stickiness,
    weekly,
)
from cohortbot.playbook.analytics.records import channels, question_outcomes
from tests.unit.analytics.support import days, during, newcomers, users
from tests.unit.synthetic import START, Community, day

UTC_ZONE = UTC
D0 = START.date()


def week(w: int) -> tuple[datetime, datetime]:
    return day(7 * (w - 1)), day(7 * w)


def on(d: int) -> date:
    return D0 + timedelta(days=d)


# ---------------------------------------------------------------------------- participation


def test_bots_and_opted_out_members_are_not_counted(community: Community, records) -> None:
    excluded = {"bot0", "bot1", "o0", "o1", "o2"}
    assert not {r.user.id for r in records} & excluded
    bots = 2 * 10 * 7  # two bots, ten messages a day, week 2
    opted_out = 3 * 7  # three members, one message a day, week 1
    assert len(community.records) - len(records) == bots + opted_out


def test_daily_active_members(records) -> None:
    series = dict(daily_active(days(records), on(0), on(34)))
    assert [series[on(d)] for d in range(7)] == [120 + 80] * 7  # week 1: regulars and all reactors
    # week 2: regulars + b0..b39, plus d0..d19 (questions) on day 8 and d20..d29 on day 10
    assert [series[on(d)] for d in range(7, 14)] == [160, 160 + 20, 160, 160 + 10, 160, 160, 160]
    # week 3: everyone of a on Monday; the core daily; d0..d19 on day 15, d30..d39 on day 16
    assert [series[on(d)] for d in range(14, 21)] == [120, 30 + 20, 30 + 10, 30, 30, 30, 30]
    assert [series[on(d)] for d in range(21, 28)] == [120] + [30] * 6
    assert [series[on(d)] for d in range(28, 35)] == [30] * 7


def test_weekly_active_members_roll_over_seven_days(records) -> None:
    series = dict(rolling_weekly_active(days(records), on(0), on(34)))
    assert series[on(6)] == 200
    assert series[on(13)] == 120 + 40 + 20 + 10
    # days 10..16: a, b0..b39, d20..d29 (day 10), d0..d19 (day 15), d30..d39 (day 16)
    assert series[on(16)] == 120 + 40 + 10 + 20 + 10
    assert series[on(34)] == 30


def test_stickiness_is_average_daily_actives_over_28_day_actives(records) -> None:
    second = stickiness(days(records), on(7), on(13))
    assert second.avg_dau == pytest.approx((160 * 7 + 20 + 10) / 7)
    assert second.wau == 120 + 40 + 20 + 10
    assert second.mau == 120 + 80 + 20 + 10  # days -14..13: everyone but the silent and d30..d39
    # 28-day actives on days 7..13: a and b (200), + d0..d19 from day 8, + d20..d29 from day 10
    assert second.avg_mau == pytest.approx((200 + 220 + 220 + 230 * 4) / 7)
    assert second.ratio == pytest.approx(1150 / 1560)
    fifth = stickiness(days(records), on(28), on(34))
    assert (fifth.avg_dau, fifth.wau, fifth.mau) == (30, 30, 120 + 40 + 40)  # days 7..34
    # b40..b79 (week 1 only) count in the 28 days to days 28..33, no longer on day 34
    assert fifth.avg_mau == pytest.approx((240 * 6 + 200) / 7)
    assert fifth.ratio == pytest.approx(30 / ((240 * 6 + 200) / 7))
    assert stickiness(days(records), on(34), on(34)).ratio == pytest.approx(30 / 200)  # one day: DAU/MAU


def test_stickiness_covers_the_whole_range_asked_for(records) -> None:
    """Four weeks averaged, not the last seven days of them."""
    month = stickiness(days(records), on(0), on(27))
    daily = [200 * 7, 160 * 7 + 20 + 10, 120 + 50 + 40 + 30 * 4, 120 + 30 * 6]  # weeks 1-4
    assert month.avg_dau == pytest.approx(sum(daily) / 28)
    assert month.avg_dau != stickiness(days(records), on(21), on(27)).avg_dau
    assert stickiness(days([]), on(0), on(6)).ratio is None  # nobody active: no ratio, not 0%


def test_posters_reactors_and_lurkers(community: Community, records) -> None:
    # week 1: d0..d39 had not joined yet; 300 members
    assert participation_mix(during(records, *week(1)), community.members, week(1)[1]) == ParticipationMix(
        members=300, posters=120, reactors_only=80, lurkers=100
    )
    # week 2: 340 members; posters a + d0..d29; reactors b0..b39;
    # lurkers: c, d30..d39 and b40..b79 (who reacted in week 1 only)
    assert participation_mix(during(records, *week(2)), community.members, week(2)[1]) == ParticipationMix(
        members=340, posters=120 + 30, reactors_only=40, lurkers=100 + 10 + 40
    )


# ---------------------------------------------------------------------------- newcomers


def test_activation_is_posting_within_seven_days_of_joining(community: Community, records) -> None:
    everyone = (START, day(35))
    # d0..d19 (day 8) and d20..d29 (day 10) posted within a week of day 7; d30..d39 on day 16
    assert activation(
        newcomers(records, community.members), community.members, *everyone, now=day(35)
    ) == Rate(20 + 10, 40)
    assert activation(
        newcomers(records, community.members), community.members, *everyone, now=day(10)
    ) == Rate(0, 0)  # windows open
    assert activation(
        newcomers(records, community.members), community.members, *everyone, now=day(14, 9)
    ) == Rate(30, 40)
    assert activation(
        newcomers(records, community.members), community.members, *week(1), now=day(35)
    ) == Rate(0, 0)  # none joined


def test_retention_is_activity_in_the_second_week_of_those_active_in_the_first(
    community: Community, records
) -> None:
    everyone = (START, day(35))
    # first week (day 7 09:00 - day 14 09:00): d0..d29; second week: only d0..d19 (day 15)
    assert retention(
        newcomers(records, community.members), community.members, *everyone, now=day(35)
    ) == Rate(20, 30)
    assert retention(
        newcomers(records, community.members), community.members, *everyone, now=day(20)
    ) == Rate(0, 0)
    assert str(Rate(20, 30)) == "20/30 (67%)"


def test_introduction_rate(community: Community) -> None:
    made, rate = introductions(community.members, START, day(35))
    assert made == 25
    assert rate == Rate(25, 40)
    assert introductions(community.members, *week(1)) == (0, Rate(0, 0))


def test_recently_inactive_members_were_active_then_silent_for_7_to_28_days(
    community: Community, records
) -> None:
    quiet = recently_inactive(users(records, day(35)), community.members, now=day(35))
    names = {m.display_name for m in quiet}
    # a30..a119 last day 21 (13.6 days ago), b0..b39 day 13 (21.5), d0..d19 day 15 (19.6),
    # d20..d29 day 10 (24.6), d30..d39 day 16 (18.6). Not: the core (active yesterday),
    # b40..b79 (day 6: 28.5 days ago), the silent c (never active).
    assert len(quiet) == 90 + 40 + 20 + 10 + 10
    assert {"a30", "a119", "b0", "b39", "d0", "d25", "d39"} <= names
    assert not names & {"a0", "a29", "b40", "b79", "c0"}
    assert quiet[0].display_name.startswith("d2")  # the longest silent first (day 10)


# ---------------------------------------------------------------------------- questions


def test_time_to_first_reply_and_unanswered_questions(records) -> None:
    outcomes = question_outcomes(records, *week(2))
    assert len(outcomes) == 20
    delays = sorted(o.delay for o in outcomes if o.delay is not None)
    # k = 0..16 answered after (k+1)*10 minutes (thread or a reply to the asker in #help);
    # d0's own reply after 5 minutes, a0's reply in #general and the earlier reply don't count
    assert delays == [timedelta(minutes=10 * (k + 1)) for k in range(17)]
    assert median_first_reply(outcomes) == timedelta(minutes=90)  # the 9th of 17
    unanswered = sorted(o.question.user.id for o in outcomes if o.first_reply_at is None)
    assert unanswered == ["d17", "d18", "d19"]
    assert question_outcomes(records, *week(3)) == []
    assert median_first_reply([]) is None


# ---------------------------------------------------------------------------- channels and weeks


def test_per_channel_engagement(records) -> None:
    assert channels(records, since=week(2)[0], until=week(2)[1]) == [
        ChannelStats(channel="general", messages=120 * 7, replies=1, reactions=40 * 7, participants=160),
        # 20 questions + d20..d29; 17 answers + d0's own + the early reply; d0..d29 and a0
        ChannelStats(channel="help", messages=20 + 10, replies=17 + 2, reactions=0, participants=31),
    ]


def test_sentiment_trend_is_shown_beside_volume(records) -> None:
    weeks = weekly(days(records), D0, 6)
    assert [w.start for w in weeks] == [on(7 * i) for i in range(6)]
    assert [(w.messages, w.replies, w.reactions) for w in weeks] == [
        (840, 0, 560),
        (840 + 30, 20, 280),
        (30 * 7 + 90 + 20 + 10, 0, 0),
        (30 * 7 + 90, 0, 0),
        (30 * 7, 0, 0),
        (0, 0, 0),
    ]
    assert [w.active for w in weeks] == [200, 190, 150, 120, 30, 0]
    # only scored posts count: a's messages and a0's 17 answers (+0.8)
    expected = [0.5, (840 * 0.2 + 17 * 0.8) / (840 + 17), 0.0, -0.4, 0.1]
    assert [w.sentiment for w in weeks[:5]] == pytest.approx(expected)
    assert weeks[5].sentiment is None and weeks[5].posts == 0
    assert not any(w.partial for w in weeks)


def test_a_week_cut_short_counts_only_its_days(records) -> None:
    [week5] = weekly(days(records), on(28), 1, last=on(30), active_last=30)
    assert (week5.start, week5.end, week5.partial) == (on(28), on(30), True)
    assert (week5.messages, week5.active) == (30 * 3, 30)
    [unknown] = weekly(days(records), on(28), 1, last=on(30))
    assert unknown.active is None  # Days knows 7-day windows only


def test_local_days_follow_the_zone_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert day_start(date(2026, 3, 29), berlin) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert day_start(date(2026, 3, 30), berlin) == datetime(2026, 3, 29, 22, tzinfo=UTC)
