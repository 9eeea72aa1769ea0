"""Intros, sessions, surveys and champions, end to end through the console CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.e2e.test_console_cli import CONSOLE_START, cohortbot


def run(tmp_path: Path, *lines: str) -> str:
    result = cohortbot("run", cwd=tmp_path, stdin="\n".join(lines) + "\n", timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_introductions_are_acknowledged_and_members_matched_by_shared_interest(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "/join alice",
        "/join bob",
        "/join carol",
        "/join dave",
        "/join erin",
        "#introductions",
        "alice: Hi, I'm Alice, a data analyst learning Python and pandas for work.",
        "bob: Hello! Bob here, I love Python and want to try machine learning.",
        "carol: Hi all, Carol: I build dashboards and care about data visualisation.",
        "dave: Dave here, switching careers into data; I like visualization and SQL.",
        "alice: /cohort interests list",
        "erin: /cohort match optout",
        "facilitator: /cohort match now",
        "/advance 5d",
        "/click alice Yes",
        "facilitator: /cohort intros stats",
    )
    assert "[#introductions > thread] Welcome, alice! Thanks for introducing yourself." in out
    assert "[#mod-team] @alice (alice) just introduced themselves in #introductions." in out
    assert "[to alice, only you] Your interests: python." in out
    assert "[group DM -> alice, bob] You've been matched!" in out
    assert "[group DM -> carol, dave] You've been matched!" in out
    assert "[group DM -> erin" not in out and ", erin]" not in out
    assert "[DM -> alice] Hi alice! Did you get to meet @bob?" in out
    assert "[to alice, only you] Wonderful" in out
    assert "Introductions: **4**" in out
    # The round run now counts as this week's: Monday's scheduled round (inside the 5 days) is
    # skipped, so nobody just matched hears "no match for you this round".
    assert "It counts as this period's round: the next scheduled round is" in out
    assert out.count("[group DM -> alice, bob]") == 1 and out.count("[group DM -> carol, dave]") == 1
    assert "no match for you" not in out
    assert "Matches made: **2** in 1 round(s); confirmed met: **1** (50%)" in out


def test_a_live_session_with_rsvp_reminders_and_feedback_to_attendees_only(tmp_path: Path) -> None:
    day = (CONSOLE_START + timedelta(days=2)).strftime("%Y-%m-%d")
    session_id = f"kickoff-q-a-{day.replace('-', '')}-1800"
    out = run(
        tmp_path,
        "/join alice",
        "/join bob",
        "/join carol",
        "/advance 1m",
        f'alice: /cohort session create "Kickoff Q&A" {day} 18:00 1h',
        f'facilitator: /cohort session create "Kickoff Q&A" {day} 25:00 1h',
        f'facilitator: /cohort session create "Kickoff Q&A" {day} 18:00 1h',
        '/click alice "I\'ll be there"',
        '/click bob "Can\'t make it"',
        '/click carol "I\'ll be there"',
        "carol: /cohort session reminders off",
        f"facilitator: /cohort session notes {session_id} https://example.org/notes/kickoff",
        "bob: /cohort session list",
        "/advance 3d",
    )
    assert "[to alice, only you] Sorry, only moderators can use `/cohort session create`." in out
    assert "WHEN must look like" in out
    assert "[#announcements] Kickoff Q&A" in out
    assert "**Kickoff Q&A** — " in out and "· 2 going" in out
    assert out.count("[DM -> alice] Reminder: **Kickoff Q&A** starts") == 2  # 24h and 15m before
    assert "[DM -> carol] Reminder" not in out and "[DM -> bob] Reminder" not in out
    assert "Notes and recording for **Kickoff Q&A**: https://example.org/notes/kickoff" in out
    assert "[DM -> alice] Live session feedback" in out  # the survey, to attendees
    assert "[DM -> carol] Live session feedback" in out
    assert "[DM -> bob] Live session feedback" not in out


def test_an_anonymous_survey_is_answered_reminded_and_summarised(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "/join alice",
        "/join bob",
        "/join carol",
        "/join dave",
        "facilitator: /cohort survey send week3",
        "/click alice Start",
        '/submit alice pace=4 clarity=5 nps=9 "helped=Live sessions" "change=More worked examples"',
        "/click alice Continue",
        "/submit alice else=",
        "/click bob Start",
        '/submit bob pace=2 clarity=3 nps=6 helped=Peers "change=Slower pace please"',
        "/advance 2d",
        "/click carol Start",
        '/submit carol pace=5 clarity=4 nps=10 helped=Peers "change=Nothing, it\'s great"',
        "/click carol Continue",
        '/submit carol "else=Thanks Ada!"',
        "bob: /cohort survey results week3",
        "facilitator: /cohort survey results week3",  # two answers: held back (three at least)
        "/click dave Start",
        '/submit dave pace=4 clarity=4 nps=10 helped=Materials "change=More exercises"',
        "/click dave Continue",
        "/submit dave else=",
        "facilitator: /cohort survey results week3",
    )
    assert "[form for alice] Week 3 check-in (1/2)" in out
    assert "Thank you, alice! Your answers to **Week 3 check-in** are in." in out
    assert "A gentle reminder, bob" in out and "A gentle reminder, carol" in out
    assert "A gentle reminder, alice" not in out
    assert "[to bob, only you] Sorry, only moderators can use `/cohort survey results`." in out
    before_dave, after_dave = out.split("Thank you, dave!")
    assert "shown once a round has 3 responses, so no answer can be traced. 1 more needed." in before_dave
    assert "NPS" not in before_dave and "survey-week3-ratings.png" not in before_dave
    assert "**3** response(s) from 4 invited (75%) — anonymous" in after_dave
    assert "- NPS +100 (3 promoter(s), 0 passive(s), 0 detractor(s))" in after_dave
    saved = "(attachment survey-week3-ratings.png saved to cohortbot-files/survey-week3-ratings.png)"
    assert saved in after_dave
    assert (tmp_path / "cohortbot-files" / "survey-week3-ratings.png").read_bytes().startswith(b"\x89PNG")


def test_a_helpful_member_is_nominated_approved_and_granted_the_champion_role(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "/join ana",
        "/join ben",
        "/join cleo",
        "/join bob",
        "#introductions",
        "ana: Hi everyone, I'm Ana from Porto, learning statistics for my job.",
        "bob: Welcome <@ana>! Great to have you here, the stats track is fun.",
        "cleo: Hello! I'm Cleo, a biologist learning Python to analyse my lab data.",
        "bob: Welcome @cleo! Ask away in #general whenever you're stuck.",
        "#general",
        "ben: How do I read a CSV file with pandas?",
        '/reply bob pandas.read_csv("file.csv") - and df.head() to peek at it.',
        "facilitator: /cohort champions list",
        "ana: /cohort champions nominate bob",
        "facilitator: /cohort champions nominate bob",
        "/click ana Approve",
        "/click facilitator Approve",
    )
    assert "- @bob **10.0** — 1 answers, 1 first replies to newcomers, 2 intro welcomes" in out
    assert "[to ana, only you] Sorry, only moderators can use `/cohort champions nominate`." in out
    assert "[#mod-team] Champion nomination: bob" in out
    assert "[to ana, only you] Sorry, only moderators can approve or decline champions." in out
    assert "[role] Champion -> bob" in out
    assert "[DM -> bob] You're a community champion!" in out
    assert "[#announcements] Please welcome @bob, our newest **community champion**!" in out
