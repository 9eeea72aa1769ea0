"""Reading a playbook file defensively: only regular UTF-8 files of a bounded size, and a YAML
composer that bounds nesting and alias expansion.

The text is parsed by libyaml (PyYAML's C parser, ``yaml.cyaml.CParser``: some ten times faster
than the pure-Python scanner and parser), one event at a time; the nodes are composed here, in
Python, so every limit below is checked before the parser reads further. libyaml's own composer
is not used: it recurses in C without a bound and crashes the process on a file nested some
100,000 levels deep, which fits in the size limit.

PyYAML's composer returns the *same* node for every use of an alias, so ``&a`` used nine times in
``&b``, used nine times in ``&c``... is a small graph that expands to a billion values (the
"billion laughs") when walked as a tree, which both the line index and pydantic do. The composer
here records, for every node, the size and depth it has once every alias is expanded, and refuses
a document as soon as it would hold more than :data:`MAX_VALUES` values once aliases are expanded
(aliases are blamed when they push it over), aliases are used more than :data:`MAX_ALIASES` times,
or anything nests deeper than :data:`MAX_DEPTH`. An alias inside its own anchor (a cycle) is refused
too. The checks run while composing, before any tree walk. The values budget also bounds the time
and memory a file can take.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.constructor import SafeConstructor
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver

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

MAX_BYTES = 256 * 1024  # a playbook is a few KB
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


_STR = "tag:yaml.org,2002:str"


class GuardedLoader(CParser, SafeConstructor, Resolver):
    """A safe loader on libyaml's parser whose composer bounds nesting depth and alias expansion
    (see the module doc). Construction is PyYAML's ``SafeConstructor``: plain data only.

    The composer is PyYAML's (``yaml.composer.Composer``) rewritten as one method, so a node costs
    one Python call; it keeps its errors (undefined alias, duplicate anchor) and adds the limits.
    Path resolvers (``add_path_resolver``) are not supported: a playbook has none.
    """

    def __init__(self, stream: str) -> None:
        # The pure-Python reader refuses a character YAML does not allow before parsing, with its
        # position in the text; libyaml would only say so mid-parse, with a position in bytes.
        bad = Reader.NON_PRINTABLE.search(stream)
        if bad is not None:
            raise ReaderError(
                "<unicode string>",
                bad.start(),
                ord(bad.group()),
                "unicode",
                "special characters are not allowed",
            )
        CParser.__init__(self, stream)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._anchors: dict[str, yaml.Node] = {}
        self._expanded: dict[yaml.Node, tuple[int, int]] = {}  # node -> (values, depth), aliases expanded
        self._open = 0  # collections being composed (the composer's recursion depth)
        self._aliases = 0
        self._values = 0

    def get_single_node(self) -> yaml.Node | None:
        """The document's root node, or None for an empty stream; more than one document is an error."""
        self.get_event()  # StreamStartEvent
        node = None
        if not self.check_event(yaml.StreamEndEvent):
            self.get_event()  # DocumentStartEvent
            node = self.compose_node()
            self.get_event()  # DocumentEndEvent
            self._anchors = {}
        if not self.check_event(yaml.StreamEndEvent):
            event = self._event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                node.start_mark if node is not None else None,
                "but found another document",
                event.start_mark,
            )
        self.get_event()  # StreamEndEvent
        return node

    def compose_node(self) -> yaml.Node:
        event = self._event()
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event)
        self._values += 1
        if self._values > MAX_VALUES:
            raise YamlLimitError(
                f"too many values (more than {MAX_VALUES:,}); a playbook has a few hundred", event.start_mark
            )
        anchor = event.anchor
        if anchor is not None and anchor in self._anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self._anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        tag = event.tag
        start: Any = event.start_mark  # libyaml's Mark, which the stubs do not know
        finish: Any = event.end_mark
        node: yaml.Node
        if isinstance(event, yaml.ScalarEvent):
            if tag is None or tag == "!":
                value = event.value
                # Quoted, or plain but starting with a character no implicit tag (int, bool,
                # null...) starts with: a string, without the resolver's call.
                plain = event.implicit[0] and (not value or value[0] in self.yaml_implicit_resolvers)
                tag = self._resolve(yaml.ScalarNode, value, event.implicit) if plain else _STR
            node = yaml.ScalarNode(tag, event.value, start, finish, style=event.style)
            if anchor is not None:
                self._anchors[anchor] = node
            self._expanded[node] = (1, 0)
            return node
        self._open += 1
        if self._open > MAX_DEPTH:
            raise YamlLimitError(_too_deep(), event.start_mark)
        children: list[yaml.Node] = []
        if isinstance(event, yaml.SequenceStartEvent):
            if tag is None or tag == "!":
                tag = self._resolve(yaml.SequenceNode, None, event.implicit)
            node = yaml.SequenceNode(tag, children, start, None, flow_style=event.flow_style)
            end: type[yaml.Event] = yaml.SequenceEndEvent
        else:
            if tag is None or tag == "!":
                tag = self._resolve(yaml.MappingNode, None, event.implicit)
            node = yaml.MappingNode(tag, [], start, None, flow_style=event.flow_style)
            end = yaml.MappingEndEvent
        if anchor is not None:
            self._anchors[anchor] = node
        while not self.check_event(end):
            children.append(self.compose_node())
        node.end_mark = self._event().end_mark
        self._open -= 1
        if isinstance(node, yaml.MappingNode):
            node.value = list(zip(children[::2], children[1::2], strict=True))
        sizes = [self._expanded[child] for child in children]
        depth = 1 + max((d for _, d in sizes), default=0)
        if depth > MAX_DEPTH:  # only aliases get here: literal nesting is refused above
            raise YamlLimitError(_too_deep(), node.start_mark)
        self._expanded[node] = (1 + sum(v for v, _ in sizes), depth)
        return node

    def _event(self) -> Any:  # the next event (libyaml's Event classes are not in the stubs)
        return self.get_event()

    def _resolve(self, kind: type[yaml.Node], value: str | None, implicit: Any) -> str:
        tag: str = self.resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag

    def _alias(self, event: Any) -> yaml.Node:
        node = self._anchors.get(event.anchor)
        if node is None:
            raise yaml.composer.ComposerError(
                None, None, f"found undefined alias {event.anchor!r}", event.start_mark
            )
        self._aliases += 1
        if self._aliases > MAX_ALIASES:
            raise YamlLimitError(f"too many YAML aliases (more than {MAX_ALIASES} *uses)", event.start_mark)
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

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            return node.value  # what SafeConstructor makes of a string, without its bookkeeping
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # 2026-13-45, a 5000-digit integer...
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r:.40}: {exc}", node.start_mark
            ) from None


def _too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep (mappings and lists, aliases expanded)"
