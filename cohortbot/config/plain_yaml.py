"""The quick read of a plain playbook: libyaml's events straight to data and the line index.

A playbook is almost always *plain* YAML: mappings, lists and scalars, without anchors,
aliases, tags or merge keys. Such a document is read here in one pass over libyaml's events,
building the Python data (as PyYAML's ``SafeConstructor`` builds it), the line of every key and
item, and the keys given twice, without composing nodes first: some four times faster than
composing with :class:`~cohortbot.config.safe_yaml.GuardedLoader`, indexing the nodes and
constructing them.

Anything else returns ``None`` and the caller reads the file the careful way, which gives the
same data for a document this accepts and words every error: anchors, aliases, tags, merge keys,
a key that is not a scalar, more than one document, a value that cannot be built, a syntax
error, and the limits of :mod:`~cohortbot.config.safe_yaml` (nesting, values), which are checked
here too, as the events come, so a hostile file costs no more than it costs there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from cohortbot.config.safe_yaml import MAX_DEPTH, MAX_VALUES, GuardedLoader

__all__ = ["Plain", "read_plain"]

_STR = "tag:yaml.org,2002:str"
_KEY_TAGS_FOR_THE_CAREFUL_READ = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")

Loc = tuple[str | int, ...]
# The document, the line of every key and item, and each key given twice: (its location, its line).
Plain = tuple[Any, dict[Loc, int], list[tuple[Loc, int]]]


class _Careful(Exception):
    """The document needs the careful read."""


# Plain scalars seen before -> what they are: a thousand playbooks repeat ``1d``, ``true``, ``09:00``.
# Their tag and value depend on their text alone; only immutable values are kept (all of
# SafeConstructor's scalars are: numbers, booleans, None, dates).
_KNOWN: dict[str, tuple[str, Any]] = {}
_KNOWN_AT_MOST = 10_000


def read_plain(loader: GuardedLoader) -> Plain | None:
    """The document ``loader`` holds if it is plain (see the module doc), else None.

    ``loader`` is fresh (nothing read yet); it is used up either way. Keys are located by their
    text, as written (``1:`` is at ``("1",)`` though its key in the data is the integer 1).
    """
    try:
        return _Reader(loader).document()
    except (_Careful, yaml.YAMLError, ValueError, OverflowError):
        return None


class _Reader:
    def __init__(self, loader: GuardedLoader) -> None:
        self.loader = loader
        self.get: Callable[[], Any] = loader.get_event  # libyaml's events (the stubs know only Event)
        self.resolvers = loader.yaml_implicit_resolvers
        self.lines: dict[Loc, int] = {}
        self.twice: list[tuple[Loc, int]] = []
        self.values = 0
        self.depth = 0

    def document(self) -> Plain:
        get = self.get
        if type(get()) is not StreamStartEvent:
            raise _Careful
        event = get()
        if type(event) is StreamEndEvent:
            return None, {}, []
        if type(event) is not DocumentStartEvent:
            raise _Careful
        root = self.node(get(), ())
        if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
            raise _Careful  # another document: the careful read words the error
        return root, self.lines, self.twice

    def node(self, event: Any, loc: Loc) -> Any:
        """The value that starts with ``event``, at ``loc``."""
        kind = type(event)
        if event.anchor is not None or event.tag is not None or kind is AliasEvent:
            raise _Careful
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Careful
        self.lines[loc] = event.start_mark.line + 1
        if kind is ScalarEvent:
            text = event.value
            if not event.implicit[0] or (text and text[0] not in self.resolvers):
                return text  # quoted, or plain but starting as no other type does: text
            return self.scalar(event)[1]
        if kind is MappingStartEvent:
            return self.mapping(loc)
        if kind is SequenceStartEvent:
            return self.sequence(loc)
        raise _Careful

    def mapping(self, loc: Loc) -> dict[Any, Any]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Careful
        get, lines, resolvers = self.get, self.lines, self.resolvers
        data: dict[Any, Any] = {}
        keys: set[str] = set()
        while True:
            event = get()
            kind = type(event)
            if kind is MappingEndEvent:
                self.depth -= 1
                return data
            if kind is not ScalarEvent or event.anchor is not None or event.tag is not None:
                raise _Careful  # a mapping, a list, an alias, a tag or an anchor as a key
            self.values += 1
            text = key = event.value
            if event.implicit[0] and (not text or text[0] in resolvers):  # maybe not text
                tag, key = self.scalar(event)
                if tag in _KEY_TAGS_FOR_THE_CAREFUL_READ:
                    raise _Careful
            at = (*loc, text)
            line = event.start_mark.line + 1
            if text in keys:
                self.twice.append((at, line))
            keys.add(text)
            data[key] = self.node(get(), at)
            lines[at] = line  # an entry is located at its key

    def sequence(self, loc: Loc) -> list[Any]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Careful
        get = self.get
        data: list[Any] = []
        while True:
            event = get()
            if type(event) is SequenceEndEvent:
                self.depth -= 1
                return data
            data.append(self.node(event, (*loc, len(data))))

    def scalar(self, event: Any) -> tuple[str, Any]:
        """The tag and the value of a plain scalar that may not be text (its first character
        starts some implicit type), as the careful read resolves and builds them."""
        text: str = event.value
        known = _KNOWN.get(text)
        if known is None:
            tag: str = self.loader.resolve(yaml.ScalarNode, text, event.implicit)  # type: ignore[no-untyped-call]
            value = text if tag == _STR else self.loader.construct_object(
                yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, style=event.style)
            )
            if len(_KNOWN) >= _KNOWN_AT_MOST:
                _KNOWN.clear()
            known = _KNOWN[text] = (tag, value)
        return known
