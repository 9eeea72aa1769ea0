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


class _Open:
    """A mapping or list being read: where it is, and for a mapping the key whose value comes next."""

    __slots__ = ("data", "key", "key_line", "key_text", "keys", "loc")

    def __init__(self, data: dict[Any, Any] | list[Any], loc: Loc) -> None:
        self.data = data
        self.loc = loc
        self.keys: set[str] | None = set() if isinstance(data, dict) else None
        self.key: Any = _Open  # _Open: no key read yet (a key may be None)
        self.key_text = ""
        self.key_line = 0


def read_plain(loader: GuardedLoader) -> Plain | None:
    """The document ``loader`` holds if it is plain (see the module doc), else None.

    ``loader`` is fresh (nothing read yet); it is used up either way. Keys are located by their
    text, as written (``1:`` is at ``("1",)`` though its key in the data is the integer 1).
    """
    try:
        return _read(loader)
    except (_Careful, yaml.YAMLError, ValueError, OverflowError):
        return None


def _read(loader: GuardedLoader) -> Plain:
    get: Callable[[], Any] = loader.get_event  # libyaml's events (the stubs know only Event)
    if not isinstance(get(), StreamStartEvent):
        raise _Careful
    event = get()
    if isinstance(event, StreamEndEvent):
        return None, {}, []
    if not isinstance(event, DocumentStartEvent):
        raise _Careful
    resolvers = loader.yaml_implicit_resolvers
    lines: dict[Loc, int] = {}
    twice: list[tuple[Loc, int]] = []
    stack: list[_Open] = []
    values = 0
    root: Any = None
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Careful
            values += 1
            if values > MAX_VALUES:
                raise _Careful
            top = stack[-1] if stack else None
            line = event.start_mark.line + 1
            if kind is ScalarEvent:
                text = event.value
                plain = event.implicit[0] and (not text or text[0] in resolvers)
                tag = _resolve(loader, text, event.implicit) if plain else _STR
                if top is not None and top.keys is not None and top.key is _Open:  # a key
                    if tag in _KEY_TAGS_FOR_THE_CAREFUL_READ:
                        raise _Careful
                    top.key = text if tag == _STR else _build(loader, tag, event)
                    top.key_text, top.key_line = str(text), line
                    if top.key_text in top.keys:
                        twice.append(((*top.loc, top.key_text), line))
                    top.keys.add(top.key_text)
                    continue
                value: Any = text if tag == _STR else _build(loader, tag, event)
            else:
                if top is not None and top.keys is not None and top.key is _Open:
                    raise _Careful  # a mapping or list as a key
                value = {} if kind is MappingStartEvent else []
            if top is None:
                loc: Loc = ()
                root = value
            elif top.keys is None:
                assert isinstance(top.data, list)
                loc = (*top.loc, len(top.data))
                top.data.append(value)
            else:
                assert isinstance(top.data, dict)
                loc = (*top.loc, top.key_text)
                top.data[top.key] = value
            lines[loc] = line
            if kind is ScalarEvent:
                _value_done(stack, lines)
            else:
                stack.append(_Open(value, loc))
                if len(stack) > MAX_DEPTH:
                    raise _Careful
        elif kind is DocumentEndEvent:
            break
        elif stack and (kind is MappingEndEvent or kind is SequenceEndEvent):
            stack.pop()
            _value_done(stack, lines)
        else:  # an alias, or anything unexpected
            raise _Careful
    if not isinstance(get(), StreamEndEvent):
        raise _Careful  # another document: the careful read words the error
    return root, lines, twice


def _value_done(stack: list[_Open], lines: dict[Loc, int]) -> None:
    """A value ended: in a mapping, its key's line is the entry's line, and a key comes next."""
    if stack and stack[-1].keys is not None:
        top = stack[-1]
        lines[(*top.loc, top.key_text)] = top.key_line
        top.key = _Open


def _build(loader: GuardedLoader, tag: str, event: Any) -> Any:
    """A scalar that is not text (a number, a boolean, null, a date...), built as SafeConstructor does."""
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
    return loader.construct_object(node)


def _resolve(loader: GuardedLoader, text: str, implicit: tuple[bool, bool]) -> str:
    tag: str = loader.resolve(yaml.ScalarNode, text, implicit)  # type: ignore[no-untyped-call]
    return tag
