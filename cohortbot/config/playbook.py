"""Playbook YAML -> validated models, with errors that name the file, the line and the field.

``load_playbooks`` returns a :class:`PlaybookSet` or raises :class:`PlaybookError` carrying
*every* problem found (bad YAML stops at the first syntax error, everything else is
collected), so ``cohortbot check`` can print them all at once.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from cohortbot.bot.crontab import cron_trigger
from cohortbot.config.safe_yaml import FileRefused, GuardedLoader, YamlLimitError, read_text
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.model import CommunityPlaybook, StepConfig
from cohortbot.playbook.step import LoadedPlaybook, Step
from cohortbot.playbook.steps import STEPS

__all__ = [
    "PlaybookError",
    "PlaybookIssue",
    "check_files",
    "load_playbook",
    "load_playbooks",
    "playbook_files",
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


def playbook_model(steps: Sequence[Step[Any]] = STEPS) -> type[CommunityPlaybook]:
    """The full playbook schema: the community part plus one optional section per step."""
    sections: dict[str, Any] = {s.name: (s.config | None, None) for s in steps if not s.always_on}
    steps_model = create_model("Steps", __config__=ConfigDict(extra="forbid", frozen=True), **sections)
    model: type[CommunityPlaybook] = create_model(
        "Playbook", __base__=CommunityPlaybook, steps=(steps_model, steps_model())
    )
    return model


# ---------------------------------------------------------------------------- YAML with lines


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
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
            return None, {}
        lines: dict[Loc, int] = {}
        duplicates: list[PlaybookIssue] = []
        _index(node, (), lines, duplicates, file)
        if duplicates:
            raise PlaybookError(duplicates)
        return loader.construct_document(node), lines
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


def _issues_from(
    model: type[BaseModel], exc: ValidationError, file: str, lines: dict[Loc, int]
) -> list[PlaybookIssue]:
    issues = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper()))
        issues.append(PlaybookIssue(file, _line(lines, loc), _dotted(loc), _message(model, err)))
    return issues


# ---------------------------------------------------------------------------- loading


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
        try:
            cfg: StepConfig = step.config.model_validate(raw)
        except ValidationError:
            continue  # already reported by the whole-model validation
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


def load_playbook(path: Path, steps: Sequence[Step[Any]] = STEPS) -> LoadedPlaybook:
    file = str(path)
    try:
        text = read_text(path)
    except FileRefused as exc:
        raise PlaybookError([PlaybookIssue(file, exc.line, "", exc.message)]) from None
    except OSError as exc:
        raise PlaybookError([PlaybookIssue(file, None, "", f"cannot read: {exc.strerror}")]) from None
    data, lines = _parse_yaml(text, file)
    if not isinstance(data, dict):
        raise PlaybookError(
            [PlaybookIssue(file, 1, "", "expected a mapping of playbook keys (name:, steps:, ...)")]
        )
    model = playbook_model(steps)
    issues: list[PlaybookIssue] = []
    parsed: CommunityPlaybook | None = None
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        issues += _issues_from(model, exc, file, lines)
    community = parsed or _community_part(data)
    if community is not None:
        issues += _check_schedules(data, community, steps, file, lines)
    if issues or parsed is None:
        issues.sort(key=lambda i: (i.line or 0, i.field))
        raise PlaybookError(issues)
    step_sections = {
        name: cfg
        for name, cfg in parsed.steps.model_dump(exclude_none=True).items()  # type: ignore[attr-defined]
    }
    configs = {name: getattr(parsed.steps, name) for name in step_sections}  # type: ignore[attr-defined]
    base = CommunityPlaybook.model_validate(parsed.model_dump(exclude={"steps"}))
    return LoadedPlaybook(community=base, steps=configs, source=file)


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


def check_files(paths: Iterable[Path], steps: Sequence[Step[Any]] = STEPS) -> list[PlaybookIssue]:
    paths = list(paths)
    issues = [
        PlaybookIssue(str(path), None, "", "no playbook files (*.yaml, *.yml) in this folder")
        for path in paths
        if path.is_dir() and not playbook_files([path])
    ]
    for file in playbook_files(paths):
        try:
            load_playbook(file, steps)
        except PlaybookError as exc:
            issues += exc.issues
    return issues


def load_playbooks(paths: Iterable[Path], steps: Sequence[Step[Any]] = STEPS) -> PlaybookSet:
    files = playbook_files(paths)
    if not files:
        raise PlaybookError(
            [PlaybookIssue(", ".join(map(str, paths)), None, "", "no playbook files (*.yaml) found")]
        )
    loaded, issues = [], []
    for file in files:
        try:
            loaded.append(load_playbook(file, steps))
        except PlaybookError as exc:
            issues += exc.issues
    if issues:
        raise PlaybookError(issues)
    try:
        return PlaybookSet(loaded)
    except ValueError as exc:
        raise PlaybookError([PlaybookIssue(str(files[0]), None, "default", str(exc))]) from None
