"""Fitting text into one platform message: lists of lines and clipped member text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from cohortbot.adapters.console.render import text as console_text
from cohortbot.playbook.lengths import ELLIPSIS, clip, fit_lines, more_lines
from cohortbot.playbook.messages import literal


def test_lines_that_fit_are_kept_whole() -> None:
    assert fit_lines(["a", "b"], 3) == ["a", "b"]


def test_lines_past_the_budget_end_with_how_many_were_left_out() -> None:
    lines = [f"line {i:03}" for i in range(100)]
    fitted = fit_lines(lines, 100)
    assert len("\n".join(fitted)) <= 100
    assert fitted[-1] == more_lines(100 - len(fitted) + 1)
    assert fitted[:-1] == lines[: len(fitted) - 1]


def test_a_custom_tail_names_where_the_rest_is() -> None:
    fitted = fit_lines(["x" * 50] * 3, 120, tail=lambda n: f"- {ELLIPSIS} {n} more (export the CSV)")
    assert fitted == ["x" * 50, "- … 2 more (export the CSV)"]


def test_a_first_line_too_long_is_clipped_and_the_rest_counted() -> None:
    fitted = fit_lines(["y" * 500, "z"], 100)
    assert fitted[0].endswith(ELLIPSIS) and fitted[1] == more_lines(1)
    assert len("\n".join(fitted)) <= 100
    assert fit_lines(["y" * 500], 100) == ["y" * 99 + ELLIPSIS]


def test_clip_never_leaves_half_an_escape() -> None:
    # literal("<<<<") is \<\<\<\<: a cut after a backslash would escape the ellipsis instead.
    clipped = clip(literal("<<<<<<"), 6)
    assert clipped == "\\<\\<" + ELLIPSIS
    assert console_text(clipped, ZoneInfo("UTC")) == "<<" + ELLIPSIS


@given(st.lists(st.text(max_size=80), max_size=40), st.integers(min_value=1, max_value=400))
def test_fitted_lines_never_exceed_the_budget(lines: list[str], budget: int) -> None:
    fitted = fit_lines(lines, budget)
    assert len("\n".join(fitted)) <= max(budget, len(more_lines(len(lines))))
    kept = [line for line in fitted if line in lines]
    assert kept == lines[: len(kept)] or fitted[0].endswith(ELLIPSIS)


@given(st.text(max_size=60), st.integers(min_value=1, max_value=80))
def test_clipped_member_text_reads_as_typed(typed: str, limit: int) -> None:
    clipped = clip(literal(typed), limit)
    assert len(clipped) <= limit
    shown = console_text(clipped, ZoneInfo("UTC"))
    assert typed.replace("\x00", "").startswith(shown.removesuffix(ELLIPSIS).rstrip()) or shown == typed
