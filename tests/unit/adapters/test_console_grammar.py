"""The console grammar: one typed line -> one command, without running anything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cohortbot.adapters.console import grammar
from cohortbot.adapters.console.grammar import (
    Advance,
    Click,
    Help,
    Join,
    Leave,
    NotUnderstood,
    Post,
    React,
    Reply,
    Role,
    RunCommand,
    Select,
    SetDms,
    ShowTime,
    Submit,
    SwitchChannel,
    Unknown,
    parse,
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("#introductions", SwitchChannel("introductions")),
        ("#  dev talk ", SwitchChannel("dev talk")),
        ("#", SwitchChannel(None)),
        ("alice: Hi everyone!", Post("alice", "Hi everyone!")),
        ("alice:   spaced: out  ", Post("alice", "spaced: out")),
        (" alice :hi", Post("alice", "hi")),
        ("alice:", Post("alice", "")),
        ("alice: /cohort status", RunCommand("alice", "status")),
        ("alice:/cohort   privacy export ", RunCommand("alice", "privacy export")),
        ("alice: /cohort", RunCommand("alice", "")),
        ("two words: hi", NotUnderstood("two words: hi")),
        ("no colon at all", NotUnderstood("no colon at all")),
        (": nobody", NotUnderstood(": nobody")),
        ("/join alice", Join("alice")),
        ("/JOIN alice", Join("alice")),
        ("/leave bob", Leave("bob")),
        ("/react bob 👍", React("bob", "👍")),
        ('/click alice "I accept"', Click("alice", "I accept")),
        ("/click alice read the   guidelines", Click("alice", "read the guidelines")),
        ("/select bob python, ml ,,stats", Select("bob", ("python", "ml", "stats"))),
        ("/select bob ,", Select("bob", ())),
        ("/submit bob q1=4 note=a=b empty", Submit("bob", {"q1": "4", "note": "a=b", "empty": ""})),
        ("/submit bob", Submit("bob", {})),
        ("/role alice Moderators", Role("alice", "Moderators")),
        ("/dms alice off", SetDms("alice", accepts=False)),
        ("/dms alice on", SetDms("alice", accepts=True)),
        ("/advance 2d", Advance("2d", timedelta(days=2))),
        ("/advance 1w", Advance("1w", timedelta(weeks=1))),
        ("/time", ShowTime()),
        ("/help", Help()),
        ("/help me", Help()),
    ],
)
def test_a_line_parses_into_its_command(line: str, command: grammar.Command) -> None:
    assert parse(line.strip()) == command


def test_reply_keeps_the_text_as_typed() -> None:
    # Only the name is shell-split: quotes and spacing in the answer are the member's own.
    assert parse('/reply alice I "think"   so') == Reply("alice", 'I "think"   so')


@pytest.mark.parametrize(
    "line",
    [
        "/join",
        "/join alice bob",
        "/leave",
        "/reply alice",
        "/react bob",
        "/click alice",
        "/select bob",
        "/submit",
        "/role alice",
        "/dms alice maybe",
        "/advance",
        "/advance 2d 3d",
        "/dance alice",
        "/quit now",
    ],
)
def test_an_unknown_or_incomplete_command_is_reported_as_typed(line: str) -> None:
    assert parse(line) == Unknown(line)


def test_unbalanced_quotes_and_unreadable_durations_are_errors() -> None:
    with pytest.raises(ValueError, match="quote is not closed"):
        parse('/click alice "I accept')
    with pytest.raises(ValueError) as typo:
        parse("/advance soon")
    assert str(typo.value) == "/advance expects a duration like 15m, 2h, 3d or 1w, not 'soon'"
    with pytest.raises(ValueError) as too_long:
        parse("/advance 99999999w")
    assert str(too_long.value) == "/advance: a duration is at most ten years (3660d), not '99999999w'"


def test_quitting_and_comments_are_whole_line_conventions() -> None:
    assert grammar.QUIT == ("/quit", "/exit")
    assert "// a note in a script".startswith(grammar.COMMENT)


def test_the_help_text_is_the_grammar_under_its_heading() -> None:
    assert grammar.HELP == (
        "Console commands (one a line; piped input works too, for scripts):\n"
        "\n"
        "    /join NAME                 NAME joins the community\n"
        "    /leave NAME                NAME leaves\n"
        "    #CHANNEL                   switch to a channel (messages below go there)\n"
        "    NAME: TEXT                 NAME posts TEXT in the current channel (members only: /join first)\n"
        "    NAME: /cohort SUB ARGS     NAME runs a /cohort command\n"
        "    /reply NAME TEXT           NAME answers the channel's latest post (the bot's or a member's),"
        " in its thread\n"
        "    /react NAME EMOJI          NAME reacts to the last message in the current channel\n"
        "    /click NAME LABEL          NAME presses a button the bot showed them (label prefix is enough)\n"
        "    /select NAME v1,v2         NAME chooses from the latest menu the bot showed them\n"
        "    /submit NAME key=value...  NAME submits the form the bot opened for them (every page)\n"
        "    /role NAME ROLE            give NAME a role (e.g. Moderators)\n"
        "    /dms NAME off|on           NAME refuses (or accepts) direct messages from the bot\n"
        "    /advance 2d                move the simulated clock (90s, 15m, 2h, 3d, 1w); timers fire\n"
        "    /time                      show the simulated time\n"
        "    /help                      this text\n"
        "    /quit                      stop (pending deliveries finish first)\n"
        "\n"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/join", "/join NAME (NAME joins the community)"),
        ("/advance 2 days", "/advance 2d (move the simulated clock (90s, 15m, 2h, 3d, 1w); timers fire)"),
        ("/DMS alice maybe", "/dms NAME off|on (NAME refuses (or accepts) direct messages from the bot)"),
        ("/frobnicate alice", None),
    ],
)
def test_an_incomplete_command_is_answered_with_its_grammar_line(line: str, expected: str | None) -> None:
    assert grammar.usage(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/join o'brien", Join("o'brien")),
        ("/leave d'arcy", Leave("d'arcy")),
        ('/click alice "I\'ll be there"', Click("alice", "I'll be there")),
        ("/click alice Can't make it", Click("alice", "Can't make it")),
        ('/submit bo "change=Nothing, it\'s great"', Submit("bo", {"change": "Nothing, it's great"})),
        ('/reply bob he said "hi and left', Reply("bob", 'he said "hi and left')),
    ],
)
def test_apostrophes_are_letters_and_a_reply_is_taken_as_typed(line: str, expected: object) -> None:
    assert parse(line) == expected
