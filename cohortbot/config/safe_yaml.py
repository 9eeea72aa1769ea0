"""Reading a playbook file defensively: only regular UTF-8 files of a bounded size, and a YAML
composer that bounds nesting and alias expansion.

PyYAML's composer returns the *same* node for every use of an alias, so ``&a`` used nine times in
``&b``, used nine times in ``&c``... is a small graph that expands to a billion values (the
"billion laughs") when walked as a tree, which both the line index and pydantic do. The composer
here records, for every node, the size and depth it has once every alias is expanded, and refuses
a document as soon as it would hold more than :data:`MAX_VALUES` values once aliases are expanded
(aliases are blamed when they push it over), aliases are used more than :data:`MAX_ALIASES` times,
or anything nests deeper than :data:`MAX_DEPTH`. An alias inside its own anchor (a cycle) is refused
too. The checks run while composing, before any tree walk. The values budget also bounds time: the
pure-Python parser reads some 10,000 values a second, so a dense 1 MiB list would take a minute.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "FileRefused",
    "GuardedLoader",
    "YamlLimitError",
    "read_text",
]

MAX_BYTES = 256 * 1024  # a playbook is a few KB; the pure-Python parser reads ~250 KiB a second
MAX_DEPTH = 50  # nested mappings/lists, aliases expanded
MAX_ALIASES = 100  # alias uses (*name) in one file
MAX_VALUES = 10_000  # values (scalars, mappings, lists) in a file, aliases expanded; the example has ~560

NOT_TEXT = "not UTF-8 text (a binary file, or saved as UTF-16?)"


class FileRefused(Exception):
    """The file is not read as a playbook; ``line`` when the reason has one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return name
    return "not a file"


def read_text(path: Path) -> str:
    """The text of a regular file (symlinks followed) of at most MAX_BYTES bytes of UTF-8.

    A FIFO, device, socket or folder is refused from ``os.stat`` alone, before any open, so it
    cannot block. Raises :class:`FileRefused`, or ``OSError`` when the file cannot be read.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"not a regular file ({_kind(info.st_mode)}); a playbook is a .yaml file")
    if info.st_size > MAX_BYTES:
        raise FileRefused(_too_large(info.st_size))
    # O_NONBLOCK: should the path be swapped for a FIFO after the stat, the open still returns.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise FileRefused("not a regular file; a playbook is a .yaml file")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileRefused(_too_large(len(data)))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileRefused(NOT_TEXT, data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(NOT_TEXT, data.count(b"\n", 0, exc.start) + 1) from None


def _too_large(size: int) -> str:
    return f"file too large ({size:,} bytes); a playbook may be at most {MAX_BYTES // 1024} KiB"


class YamlLimitError(yaml.MarkedYAMLError):
    """The document is refused by a limit (aliases, nesting); the message is the whole reason."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=message, problem_mark=mark)


class GuardedLoader(yaml.SafeLoader):
    """SafeLoader whose composer bounds nesting depth and alias expansion (see the module doc)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded: dict[yaml.Node, tuple[int, int]] = {}  # node -> (values, depth), aliases expanded
        self._open = 0  # collections being composed (the composer's recursion depth)
        self._aliases = 0
        self._values = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self._next_event()
            node = self._compose(parent, index)  # the anchored node, or an error
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(
                    f"too many YAML aliases (more than {MAX_ALIASES} *uses)", event.start_mark
                )
            if node not in self._expanded:
                raise YamlLimitError(
                    f"YAML alias *{event.anchor} is used inside its own anchor", event.start_mark
                )
            values, _ = self._expanded[node]
            self._values += values
            if self._values > MAX_VALUES:
                raise YamlLimitError(
                    f"too many YAML aliases: they would expand to more than {MAX_VALUES:,} values",
                    event.start_mark,
                )
            return node
        self._values += 1
        if self._values > MAX_VALUES:
            raise YamlLimitError(
                f"too many values (more than {MAX_VALUES:,}); a playbook has a few hundred",
                self._next_event().start_mark,
            )
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            self._open += 1
            if self._open > MAX_DEPTH:
                raise YamlLimitError(_too_deep(), self._next_event().start_mark)
            try:
                node = self._compose(parent, index)
            finally:
                self._open -= 1
            children: list[yaml.Node] = (
                [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
            )
            sizes = [self._expanded[child] for child in children]
            depth = 1 + max((d for _, d in sizes), default=0)
            if depth > MAX_DEPTH:  # only aliases get here: literal nesting is refused above
                raise YamlLimitError(_too_deep(), node.start_mark)
            self._expanded[node] = (1 + sum(v for v, _ in sizes), depth)
            return node
        node = self._compose(parent, index)
        self._expanded[node] = (1, 0)
        return node

    def _compose(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        node = super().compose_node(parent, index)
        assert node is not None  # compose_node is only called where an event is pending
        return node

    def _next_event(self) -> Any:
        return self.peek_event()  # type: ignore[no-untyped-call]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # 2026-13-45, a 5000-digit integer...
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r:.40}: {exc}", node.start_mark
            ) from None


def _too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep (mappings and lists, aliases expanded)"
