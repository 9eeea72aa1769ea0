"""Progress on stderr: a bar only when a person watches a terminal; plain lines (or nothing) otherwise."""

from __future__ import annotations

import io

from cohortbot.bot.progress import is_terminal, progress_on


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_progress_is_plain_lines_or_nothing_and_never_a_bar() -> None:
    piped = io.StringIO()
    with progress_on(piped) as progress:
        progress("reading discord:1 ...", done=0, total=2)
        progress("wrote health.html")
    assert piped.getvalue() == "reading discord:1 ...\nwrote health.html\n"
    silent = io.StringIO()
    with progress_on(silent, lines=False) as progress:
        progress("applying migration 0001", done=0, total=4)
    assert silent.getvalue() == ""


def test_on_a_terminal_a_bar_shows_the_step_and_notes_print_literally() -> None:
    terminal = Terminal()
    with progress_on(terminal) as progress:
        progress("skipping discord:[bold]1[/bold]: no playbook applies to it")
        progress("reading discord:2 ...", done=1, total=2)
    shown = terminal.getvalue()
    assert "skipping discord:[bold]1[/bold]" in shown   # member-controlled text is never markup
    assert "reading discord:2 ..." in shown and "1/2" in shown and "━" in shown


def test_a_stream_without_a_terminal_is_not_one() -> None:
    closed = io.StringIO()
    closed.close()
    assert not is_terminal(closed) and not is_terminal(io.StringIO()) and is_terminal(Terminal())
