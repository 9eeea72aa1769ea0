"""Playbook YAML -> validated models, with errors that name the file, the line and the field.

``load_playbooks`` returns a :class:`PlaybookSet` or raises :class:`PlaybookError` carrying
*every* problem found (bad YAML stops at the first syntax error, everything else is
collected), so ``cohortbot check`` can print them all at once.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from cohortbot.bot.crontab import cron_trigger
from cohortbot.config.safe_yaml import FileRefused, GuardedLoader, YamlLimitError, read_text
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import LoadedPlaybook, Step
from cohortbot.playbook.steps import STEPS

__all__ = [
    "PlaybookCheck",
    "PlaybookError",
    "PlaybookIssue",
    "check_files",
    "check_playbooks",
    "load_playbook",
    "load_playbooks",
    "playbook_files",
]

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


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


def playbook_model(steps: Sequence[Step[Any]] = STEPS) -> type[CommunityPlaybook]:
    """The full playbook schema: the community part plus one optional section per step."""
    sections: dict[str, Any] = {s.name: (s.config | None, None) for s in steps if not s.always_on}
    steps_model = create_model("Steps", __config__=ConfigDict(extra="forbid", frozen=True), **sections)
    model: type[CommunityPlaybook] = create_model(
        "Playbook", __base__=CommunityPlaybook, steps=(steps_model, steps_model())
    )
    return model


# ---------------------------------------------------------------------------- YAML with lines


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int], list[PlaybookIssue]]:
    """The document, the line of every key and item, and the keys given twice (reported with
    the rest: the later value wins while the schema is checked). Bad YAML raises."""
    try:
        loader = GuardedLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control character
        at = text.count("\n", 0, exc.position) + 1
        raise PlaybookError(
            [PlaybookIssue(file, at, "", f"not valid YAML: character {exc.character!r} is not allowed")]
        ) from None
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


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], dupes: list[PlaybookIssue], file: str) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dupes.append(
                    PlaybookIssue(file, key_node.start_mark.line + 1, _dotted((*loc, key)), "key given twice")
                )
            seen.add(key)
            _index(value_node, (*loc, key), lines, dupes, file)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, dupes, file)


def _line(lines: dict[Loc, int], loc: Loc) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _dotted(loc: Loc) -> str:
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


def _field_loc(loc: Sequence[str | int]) -> Loc:
    """A pydantic error location as YAML keys: without the model-class steps (``Steps``...)."""
    return tuple(p for p in loc if not (isinstance(p, str) and p[:1].isupper()))


def _issues_from(
    model: type[BaseModel], exc: ValidationError, file: str, lines: dict[Loc, int]
) -> list[PlaybookIssue]:
    issues = []
    for err in exc.errors():
        loc = _field_loc(err["loc"])
        issues.append(PlaybookIssue(file, _line(lines, loc), _dotted(loc), _message(model, err)))
    return issues


# ---------------------------------------------------------------------------- loading


def _leniently(config: type[M], raw: Any, rounds: int = 5) -> M | None:
    """The section validated; if it is not valid, validated without its invalid values (their
    defaults instead; they are reported by the whole-model validation anyway), so that a bad
    cron expression shows in the same pass as another mistake in its section. None when the
    section cannot be validated even so (a required value is wrong)."""
    candidate = copy.deepcopy(raw)
    for _ in range(rounds):
        try:
            return config.model_validate(candidate)
        except ValidationError as exc:
            dropped = [_drop(candidate, _field_loc(err["loc"])) for err in exc.errors()]
            if not all(dropped):
                return None
    return None


def _drop(data: Any, loc: Loc) -> bool:
    """Remove the key at ``loc`` (True), or say it is not a key that can go (a list item, the whole)."""
    *path, last = loc or ("",)
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    if not loc or not isinstance(data, dict) or last not in data:
        return False
    del data[last]
    return True


def _check_schedules(
    data: dict[str, Any],
    community: CommunityPlaybook,
    steps: Sequence[Step[Any]],
    file: str,
    lines: dict[Loc, int],
) -> list[PlaybookIssue]:
    """Cron expressions of every step section that validated on its own."""
    issues = []
    sections = data.get("steps") or {}
    for step in steps:
        raw = sections.get(step.name) if isinstance(sections, dict) else None
        if raw is None or step.schedules is None:
            continue
        cfg = _leniently(step.config, raw)
        if cfg is None:
            continue  # too broken to tell its schedules: reported by the whole-model validation
        for spec in step.schedules(cfg, community):
            try:
                cron_trigger(spec.cron, community.zone)
            except ValueError as exc:
                loc: Loc = ("steps", step.name, *spec.where)
                issues.append(
                    PlaybookIssue(
                        file,
                        _line(lines, loc),
                        _dotted(loc),
                        f"bad cron expression {spec.cron!r}: {exc}; the format is "
                        "'minute hour day month weekday', e.g. '0 9 * * mon' or '0 9 * * 1-5'",
                    )
                )
    return issues


# ---------------------------------------------------------------------------- references

# A value that names something defined elsewhere in the playbook: (where the reference is,
# what it names, where the names it may take are, the step that defines them). ``*`` is any
# list item.
_SURVEYS: Loc = ("steps", "surveys", "surveys", "*", "name")
_REFERENCES: tuple[tuple[Loc, str, Loc, str], ...] = (
    (("steps", "sessions", "feedback", "survey"), "survey", _SURVEYS, "surveys"),
    (("steps", "sessions", "sessions", "*", "feedback", "survey"), "survey", _SURVEYS, "surveys"),
)


def _at(data: Any, pattern: Loc, loc: Loc = ()) -> list[tuple[Loc, Any]]:
    """The values at ``pattern`` in raw YAML data, with their locations (absent ones skipped)."""
    if not pattern:
        return [(loc, data)]
    first, rest = pattern[0], pattern[1:]
    if first == "*":
        items = list(enumerate(data)) if isinstance(data, list) else []
        return [found for i, item in items for found in _at(item, rest, (*loc, i))]
    if isinstance(data, dict) and first in data:
        return _at(data[first], rest, (*loc, first))
    return []


def _check_references(data: dict[str, Any], file: str, lines: dict[Loc, int]) -> list[PlaybookIssue]:
    """References to names defined elsewhere, read from the raw data so that they are checked
    in the same pass as everything else (a broken section elsewhere hides nothing)."""
    issues = []
    for where, kind, names_at, step in _REFERENCES:
        refs = [(loc, value) for loc, value in _at(data, where) if isinstance(value, str)]
        if not refs:
            continue
        section = _at(data, ("steps", step))
        if section and not isinstance(section[0][1], dict):
            continue  # the section itself is broken: reported by the schema
        names = {str(v).strip().lower() for _, v in _at(data, names_at) if isinstance(v, str | int)}
        if section:  # a disabled section still defines its names: the reference is right
            problem = f"defined in steps.{step}: {', '.join(sorted(names)) or 'none'}"
        else:
            problem = f"there is no {step} step in this playbook (steps.{step})"
        issues += [
            PlaybookIssue(file, _line(lines, loc), _dotted(loc), f"unknown {kind} {value!r}; {problem}")
            for loc, value in refs
            if value.strip().lower() not in names
        ]
    return issues


# ---------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class _Read:
    """One file read: its playbook if it is valid, every problem found in it, and what the
    checks across files need (its community part if that part is valid, the lines of keys)."""

    file: str
    loaded: LoadedPlaybook | None
    issues: list[PlaybookIssue]
    data: dict[str, Any] = field(default_factory=dict)  # the raw YAML (the file's own errors hide nothing)
    lines: dict[Loc, int] = field(default_factory=dict)

    @property
    def default(self) -> bool:
        return self.data.get("default") is True

    @property
    def communities(self) -> list[str] | None:
        """The community entries, or None when they are not a list of text (the schema says so)."""
        given = self.data.get("communities", [])
        ok = isinstance(given, list) and all(isinstance(c, str) for c in given)
        return given if ok else None


def _read(path: Path, steps: Sequence[Step[Any]]) -> _Read:
    file = str(path)
    try:
        text = read_text(path)
    except FileRefused as exc:
        return _Read(file, None, [PlaybookIssue(file, exc.line, "", exc.message)])
    except OSError as exc:
        return _Read(file, None, [PlaybookIssue(file, None, "", f"cannot read: {exc.strerror}")])
    try:
        data, lines, issues = _parse_yaml(text, file)
    except PlaybookError as exc:
        return _Read(file, None, exc.issues)
    if not isinstance(data, dict):
        issue = PlaybookIssue(file, 1, "", "expected a mapping of playbook keys (name:, steps:, ...)")
        return _Read(file, None, [*issues, issue])
    model = playbook_model(steps)
    parsed: CommunityPlaybook | None = None
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        issues += _issues_from(model, exc, file, lines)
    community = _community_part(data)
    lenient = community or _leniently(CommunityPlaybook, {k: v for k, v in data.items() if k != "steps"})
    if lenient is not None:  # a bad time zone hides no bad cron expression
        issues += _check_schedules(data, lenient, steps, file, lines)
    issues += _check_references(data, file, lines)
    if issues or parsed is None or community is None:
        return _Read(file, None, _by_line(issues), data, lines)
    configs = {
        name: getattr(parsed.steps, name)  # type: ignore[attr-defined]
        for name in parsed.steps.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    }
    loaded = LoadedPlaybook(community=community, steps=configs, source=file)
    return _Read(file, loaded, [], data, lines)


def _by_line(issues: Iterable[PlaybookIssue]) -> list[PlaybookIssue]:
    return sorted(issues, key=lambda i: (i.line or 0, i.field))


def load_playbook(path: Path, steps: Sequence[Step[Any]] = STEPS) -> LoadedPlaybook:
    """One playbook file; PlaybookError carries every problem found in it, by line."""
    read = _read(path, steps)
    if read.loaded is None:
        raise PlaybookError(read.issues)
    return read.loaded


def _community_part(data: dict[str, Any]) -> CommunityPlaybook | None:
    try:
        return CommunityPlaybook.model_validate({k: v for k, v in data.items() if k != "steps"})
    except ValidationError:
        return None


def playbook_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        else:
            files.append(path)
    return files


def _across_files(reads: Sequence[_Read], platforms: Collection[str] | None) -> list[PlaybookIssue]:
    """What no single file shows: the default, which community runs which playbook."""
    issues = []
    defaults = [r for r in reads if r.default]
    if len(defaults) > 1:
        names = ", ".join(r.file for r in defaults)
        issues += [
            PlaybookIssue(
                r.file,
                _line(r.lines, ("default",)),
                "default",
                f"only one playbook may be the default, but these all are: {names}",
            )
            for r in defaults
        ]
    claimed: dict[str, str] = {}
    for r in reads:
        if r.communities is None or not r.data:
            continue
        if not r.communities and not r.default:
            issues.append(
                PlaybookIssue(
                    r.file,
                    _line(r.lines, ("communities",)),
                    "communities",
                    "this playbook runs no community: list the ones it runs (discord:<server id>, "
                    "slack:<team id>, console) or make it the default (default: true)",
                )
            )
        for i, spec in enumerate(r.communities):
            loc: Loc = ("communities", i)
            platform = spec.partition(":")[0]
            if platforms is not None and platform not in platforms:
                known = ", ".join(sorted(platforms))
                message = f"unknown platform {platform!r} in {spec!r}; the platforms are: {known}"
            elif spec in claimed and claimed[spec] != r.file:
                message = f"{spec!r} is already run by {claimed[spec]}: a community runs one playbook"
            else:
                claimed.setdefault(spec, r.file)
                continue
            issues.append(PlaybookIssue(r.file, _line(r.lines, loc), _dotted(loc), message))
    return issues


@dataclass(frozen=True, slots=True)
class PlaybookCheck:
    """Every problem of a set of playbook files, found in one pass; the set when there is none."""

    issues: list[PlaybookIssue]
    playbooks: PlaybookSet | None


def check_playbooks(
    paths: Iterable[Path], steps: Sequence[Step[Any]] = STEPS, *, platforms: Collection[str] | None = None
) -> PlaybookCheck:
    """Read every file once and check each, then the set: what ``run`` and ``check`` both use.

    ``platforms`` (the registered ones) makes a community entry naming another one an error.
    """
    paths = list(paths)
    issues = [
        PlaybookIssue(str(path), None, "", "no playbook files (*.yaml, *.yml) in this folder")
        for path in paths
        if path.is_dir() and not playbook_files([path])
    ]
    files = playbook_files(paths)
    if not files and not issues:
        issues.append(PlaybookIssue(", ".join(map(str, paths)) or ".", None, "", "no playbook files given"))
    reads = [_read(file, steps) for file in files]
    across = _across_files(reads, platforms)
    for read in reads:
        issues += _by_line([*read.issues, *(i for i in across if i.file == read.file)])
    if issues:
        return PlaybookCheck(issues, None)
    return PlaybookCheck([], PlaybookSet([r.loaded for r in reads if r.loaded is not None]))


def check_files(paths: Iterable[Path], steps: Sequence[Step[Any]] = STEPS) -> list[PlaybookIssue]:
    return check_playbooks(paths, steps).issues


def load_playbooks(
    paths: Iterable[Path], steps: Sequence[Step[Any]] = STEPS, *, platforms: Collection[str] | None = None
) -> PlaybookSet:
    checked = check_playbooks(paths, steps, platforms=platforms)
    if checked.playbooks is None:
        raise PlaybookError(checked.issues)
    return checked.playbooks
