"""Progress of long CLI work (``report``, ``db upgrade``) on stderr: a bar only on a terminal.

Work reports through a :class:`Progress` callback: ``progress(message)`` is a note (a line),
``progress(message, done=2, total=5)`` a step of the work (the bar's text and position). On a
terminal (rich) the bar is drawn and cleared at the end, notes print above it; elsewhere —
a pipe, a file, a test — there is no bar: every message is a plain line when ``lines`` is
true (scripts read them), nothing otherwise.

Messages are shown as literal text, never as rich markup: they carry community ids and file
paths, which may contain brackets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

__all__ = ["Progress", "is_terminal", "progress_on", "quiet"]


class Progress(Protocol):
    def __call__(self, message: str, /, *, done: int | None = None, total: int | None = None) -> None: ...


def quiet(message: str, /, *, done: int | None = None, total: int | None = None) -> None:
    """Progress nobody watches."""


def is_terminal(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal (a person is watching): only then is a bar drawn."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):   # no isatty, or a closed stream
        return False


@contextmanager
def progress_on(stream: TextIO, *, lines: bool = True) -> Iterator[Progress]:
    """A :class:`Progress` for ``stream``: a bar when it is a terminal, plain lines otherwise."""
    if not is_terminal(stream):

        def plain(message: str, /, *, done: int | None = None, total: int | None = None) -> None:
            if lines:
                print(message, file=stream, flush=True)

        yield plain
        return

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )

    console = Console(file=stream, markup=False, highlight=False)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def draw(message: str, /, *, done: int | None = None, total: int | None = None) -> None:
            if done is None and total is None:
                bar.console.print(message, markup=False, highlight=False)
            else:
                bar.update(task, description=message, completed=done or 0, total=total)

        yield draw
