"""Any text after ``/cohort`` and any console line: a command, or a usage error for the member."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from cohortbot.adapters.console import grammar
from cohortbot.playbook.commands import (
    CommandSpec,
    CommandSyntaxError,
    OptionKind,
    ParsedCommand,
    command_words,
    parse_command_text,
)
from cohortbot.playbook.steps import STEPS

CATALOG: list[CommandSpec] = [command.spec for step in STEPS for command in step.commands]
PATHS = [" ".join(spec.path) for spec in CATALOG]

# Words members type that mean something to a parser: quotes, mentions, name=value, numbers.
TRICKY = ['"', "'", '""', "What's", '"a b"', "<@U1|x>", "@bob", "name=x", "weeks=3", "=", "-1", "9" * 40]
words = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
free_text = st.one_of(st.text(max_size=60), st.lists(words, max_size=6).map(" ".join))


def parses_or_explains(text: str) -> ParsedCommand | None:
    try:
        parsed = parse_command_text(text, CATALOG)
    except CommandSyntaxError as exc:
        assert str(exc)  # a message the member can act on
        return None
    spec = parsed.spec
    assert set(parsed.options) <= {o.name for o in spec.options}
    assert {o.name for o in spec.options if o.required} <= set(parsed.options)
    for opt in spec.options:
        if opt.name in parsed.options and opt.kind is OptionKind.INTEGER:
            assert isinstance(parsed.options[opt.name], int)
        if opt.name in parsed.options and opt.choices:
            assert parsed.options[opt.name] in opt.choices
    return parsed


@given(text=free_text)
def test_command_words_read_any_text(text: str) -> None:
    assert all(isinstance(word, str) for word in command_words(text))


@given(path=st.sampled_from(PATHS), rest=free_text)
@example(path="prompt add", rest="weekly What's your favourite pandas trick?")
@example(path="health", rest="9" * 5000)  # more digits than int() converts
def test_any_text_after_a_command_path_is_a_command_or_a_usage_error(path: str, rest: str) -> None:
    parsed = parses_or_explains(f"{path} {rest}")
    if parsed is not None:
        assert " ".join(parsed.spec.path).startswith(path)


@given(text=free_text)
def test_any_text_at_all_is_a_command_or_a_usage_error(text: str) -> None:
    parses_or_explains(text)


@given(text=st.sampled_from(["", "frobnicate", "prompt", "champions", "survey nope", "Match Banana"]))
def test_nothing_or_an_unknown_command_is_help_about_what_was_typed(text: str) -> None:
    # The text parser does not know who typed: help, in the engine, answers with what they may run.
    parsed = parse_command_text(text, CATALOG)
    assert parsed.spec.path == ("help",)
    assert parsed.options == ({"topic": " ".join(text.split())} if text else {})


VERBS = ["/reply", "/click", "/select", "/submit", "/advance", "/join", "/leave", "/react", "/dms", "/role"]


@given(line=st.one_of(st.text(max_size=60), st.tuples(st.sampled_from(VERBS), free_text).map(" ".join)))
@example(line="/advance 99999999w")
@example(line='/submit alice "change=more')
@example(line="/click alice I'll be there")
def test_any_console_line_is_a_command_or_a_usage_error(line: str) -> None:
    line = line.strip()
    if not line:
        return  # the console skips empty lines before parsing
    try:
        command = grammar.parse(line)
    except ValueError as exc:  # printed to the person at the console, who carries on
        assert str(exc)
        return
    assert isinstance(command, grammar.Command)
