"""The shared /cohort grammar, templates and durations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cohortbot.playbook.commands import (
    CommandSpec,
    CommandSyntaxError,
    OptionKind,
    OptionSpec,
    parse_command_text,
)
from cohortbot.playbook.durations import format_duration, parse_duration
from cohortbot.playbook.templates import placeholders_in, render

CATALOG = [
    CommandSpec(path=("status",), description="status", moderator=True),
    CommandSpec(path=("welcome", "preview"), description="preview"),
    CommandSpec(
        path=("prompt", "add"),
        description="add",
        options=(
            OptionSpec(name="schedule", description="s"),
            OptionSpec(name="text", description="t", rest=True),
        ),
    ),
    CommandSpec(
        path=("champions", "nominate"),
        description="n",
        options=(
            OptionSpec(name="member", description="m", kind=OptionKind.USER),
            OptionSpec(name="weeks", description="w", kind=OptionKind.INTEGER, required=False),
        ),
    ),
]


def test_the_longest_command_path_wins_and_the_rest_fills_options() -> None:
    parsed = parse_command_text('prompt add weekly "What surprised you?" Tell us', CATALOG)
    assert parsed.spec.path == ("prompt", "add")
    assert parsed.options == {"schedule": "weekly", "text": "What surprised you? Tell us"}


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("prompt add weekly What's your favourite pandas trick?", "What's your favourite pandas trick?"),
        ('prompt add weekly He said "hi and left', 'He said "hi and left'),
        ("prompt add weekly It's 'quoted' and C:\\path\\ok", "It's 'quoted' and C:\\path\\ok"),
        ('prompt add weekly "Grouped, as before"', "Grouped, as before"),
    ],
)
def test_free_text_passes_through_apostrophes_and_stray_quotes(text: str, question: str) -> None:
    assert parse_command_text(text, CATALOG).options == {"schedule": "weekly", "text": question}


def test_mentions_and_numbers_are_coerced() -> None:
    parsed = parse_command_text("champions nominate <@U123|alice> 3", CATALOG)
    assert parsed.options == {"member": "U123", "weeks": 3}
    assert parse_command_text("champions nominate weeks=2 @bob", CATALOG).options == {
        "member": "bob",
        "weeks": 2,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "which command?"),
        ("frobnicate", "unknown command 'frobnicate'"),
        ("prompt add", "missing schedule, text. Usage: /cohort prompt add <schedule> <text...>"),
        ("champions nominate bob many", "weeks must be a whole number, not 'many'"),
        ("status now please", "too many words: 'now please'"),
    ],
)
def test_syntax_errors_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(CommandSyntaxError, match=message.replace("?", r"\?").replace("[", r"\[")):
        parse_command_text(text, CATALOG)


def test_templates_render_whitelisted_values_only() -> None:
    assert placeholders_in("Hi {member}, see {intro_channel}") == ["member", "intro_channel"]
    assert render("Hi {member}! {{literal}}", {"member": "Ada"}) == "Hi Ada! {literal}"
    with pytest.raises(ValueError, match="plain name"):
        placeholders_in("{member[0]}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("1d12h", timedelta(hours=36)),
        ("1w", timedelta(days=7)),
        (30, timedelta(seconds=30)),
    ],
)
def test_durations(text: str | int, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_bad_durations_are_rejected_and_good_ones_round_trip() -> None:
    for bad in ("3x", "", "d1", "1.5h"):
        with pytest.raises(ValueError, match="expected a duration"):
            parse_duration(bad)
    assert format_duration(timedelta(hours=36)) == "1d12h"


@pytest.mark.parametrize("text", ["99999999w", "9999999999999999999999w", "523w", 10**12])
def test_a_duration_is_at_most_ten_years(text: object) -> None:
    with pytest.raises(ValueError, match="at most ten years"):
        parse_duration(text)
    assert parse_duration("520w") == timedelta(weeks=520)
