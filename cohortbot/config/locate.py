"""Where a playbook problem is: YAML parsed with the line of every key, pydantic errors
turned into ``file:line: field: message`` issues with a hint for a mistyped key."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from cohortbot.config.plain_yaml import read_plain
from cohortbot.config.safe_yaml import GuardedLoader, YamlLimitError

__all__ = [
    "Loc",
    "PlaybookError",
    "PlaybookIssue",
    "dotted",
    "field_loc",
    "issues_from",
    "line_of",
    "parse_yaml",
    "parse_yaml_carefully",
]

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PlaybookIssue:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PlaybookError(Exception):
    def __init__(self, issues: Sequence[PlaybookIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


# ---------------------------------------------------------------------------- YAML with lines


def parse_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int], list[PlaybookIssue]]:
    """The document, the line of every key and item, and the keys given twice (reported with
    the rest: the later value wins while the schema is checked). Bad YAML raises.

    A plain document (no anchors, aliases, tags or merge keys: nearly every playbook) is read in
    one pass (:mod:`~cohortbot.config.plain_yaml`); any other, and any error, the careful way."""
    loader = _loader(text, file)
    try:
        plain = read_plain(loader)
    finally:
        loader.dispose()
    if plain is None:
        return parse_yaml_carefully(text, file)
    data, lines, twice = plain
    return data, lines, [PlaybookIssue(file, line, dotted(loc), "key given twice") for loc, line in twice]


def parse_yaml_carefully(text: str, file: str) -> tuple[Any, dict[Loc, int], list[PlaybookIssue]]:
    """``parse_yaml`` for every document: nodes composed under the limits of ``safe_yaml``,
    indexed, then built; every error worded with its line."""
    loader = _loader(text, file)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        lines: dict[Loc, int] = {}
        duplicates: list[PlaybookIssue] = []
        _index(node, (), lines, duplicates, file)
        return loader.construct_document(node), lines, duplicates
    except YamlLimitError as exc:
        where = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise PlaybookError([PlaybookIssue(file, where, "", str(exc.problem))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise PlaybookError([PlaybookIssue(file, line, "", f"not valid YAML: {problem}")]) from None
    finally:
        loader.dispose()


def _loader(text: str, file: str) -> GuardedLoader:
    try:
        return GuardedLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control character
        at = text.count("\n", 0, exc.position) + 1
        raise PlaybookError(
            [PlaybookIssue(file, at, "", f"not valid YAML: character {exc.character!r} is not allowed")]
        ) from None


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], dupes: list[PlaybookIssue], file: str) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dupes.append(
                    PlaybookIssue(file, key_node.start_mark.line + 1, dotted((*loc, key)), "key given twice")
                )
            seen.add(key)
            _index(value_node, (*loc, key), lines, dupes, file)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, dupes, file)


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# ---------------------------------------------------------------------------- messages


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model whose field ``loc`` names (to suggest the right key)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        current = _unwrap(current)
        if (
            not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields
        ):
            return None
        current = current.model_fields[part].annotation
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        elif origin in (list, tuple, typing.Annotated):
            tp = typing.get_args(tp)[0]
        else:
            return tp


def _message(model: type[BaseModel], err: Any) -> str:
    kind, loc = err["type"], tuple(err["loc"])
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        known = sorted(parent.model_fields) if parent else []
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" Did you mean {guess[0]!r}?" if guess else ""
        return f"unknown key.{hint} Expected one of: {', '.join(known)}" if known else "unknown key"
    if kind == "missing":
        return "required, but missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing") or kind in ("literal_error", "enum"):
        msg = f"{msg}; got {err.get('input')!r}"
    return msg


def field_loc(loc: Sequence[str | int]) -> Loc:
    """A pydantic error location as YAML keys: without the model-class steps (``Steps``...)."""
    return tuple(p for p in loc if not (isinstance(p, str) and p[:1].isupper()))


def issues_from(
    model: type[BaseModel], exc: ValidationError, file: str, lines: dict[Loc, int]
) -> list[PlaybookIssue]:
    issues = []
    for err in exc.errors():
        loc = field_loc(err["loc"])
        issues.append(PlaybookIssue(file, line_of(lines, loc), dotted(loc), _message(model, err)))
    return issues
