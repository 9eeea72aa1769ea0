"""Playbook YAML -> validated models, with errors that name the file, the line and the field.

``load_playbooks`` returns a :class:`PlaybookSet` or raises :class:`PlaybookError` carrying
*every* problem found (bad YAML stops at the first syntax error, everything else is
collected), so ``cohortbot check`` can print them all at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, ValidationError, create_model

from cohortbot.config.checks import check_references, check_schedules, leniently
from cohortbot.config.locate import (
    Loc,
    PlaybookError,
    PlaybookIssue,
    dotted,
    issues_from,
    line_of,
    parse_yaml,
)
from cohortbot.config.safe_yaml import FileRefused, read_text
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


def playbook_model(steps: Sequence[Step[Any]] = STEPS) -> type[CommunityPlaybook]:
    """The full playbook schema: the community part plus one optional section per step."""
    sections: dict[str, Any] = {s.name: (s.config | None, None) for s in steps if not s.always_on}
    steps_model = create_model("Steps", __config__=ConfigDict(extra="forbid", frozen=True), **sections)
    model: type[CommunityPlaybook] = create_model(
        "Playbook", __base__=CommunityPlaybook, steps=(steps_model, steps_model())
    )
    return model


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


def _read(path: Path, steps: Sequence[Step[Any]], model: type[CommunityPlaybook]) -> _Read:
    """One file; ``model`` is ``playbook_model(steps)``, built once for all the files read."""
    file = str(path)
    try:
        text = read_text(path)
    except FileRefused as exc:
        return _Read(file, None, [PlaybookIssue(file, exc.line, "", exc.message)])
    except OSError as exc:
        return _Read(file, None, [PlaybookIssue(file, None, "", f"cannot read: {exc.strerror}")])
    try:
        data, lines, issues = parse_yaml(text, file)
    except PlaybookError as exc:
        return _Read(file, None, exc.issues)
    if not isinstance(data, dict):
        issue = PlaybookIssue(file, 1, "", "expected a mapping of playbook keys (name:, steps:, ...)")
        return _Read(file, None, [*issues, issue])
    parsed: CommunityPlaybook | None = None
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        issues += issues_from(model, exc, file, lines)
    community = _community_part(data)
    lenient = community or leniently(CommunityPlaybook, {k: v for k, v in data.items() if k != "steps"})
    # Every step section, as the whole playbook validated it (when it did: else each is
    # validated on its own by the schedule checks, so that one broken section hides nothing).
    sections = None if parsed is None else dict(parsed.steps)  # type: ignore[attr-defined]
    if lenient is not None:  # a bad time zone hides no bad cron expression
        issues += check_schedules(data, lenient, steps, file, lines, sections)
    issues += check_references(data, file, lines)
    if issues or sections is None or community is None:
        return _Read(file, None, _byline_of(issues), data, lines)
    configs = {name: config for name, config in sections.items() if config is not None}
    loaded = LoadedPlaybook(community=community, steps=configs, source=file)
    return _Read(file, loaded, [], data, lines)


def _byline_of(issues: Iterable[PlaybookIssue]) -> list[PlaybookIssue]:
    return sorted(issues, key=lambda i: (i.line or 0, i.field))


def load_playbook(path: Path, steps: Sequence[Step[Any]] = STEPS) -> LoadedPlaybook:
    """One playbook file; PlaybookError carries every problem found in it, by line."""
    read = _read(path, steps, playbook_model(steps))
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
                line_of(r.lines, ("default",)),
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
                    line_of(r.lines, ("communities",)),
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
            issues.append(PlaybookIssue(r.file, line_of(r.lines, loc), dotted(loc), message))
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
    model = playbook_model(steps)
    reads = [_read(file, steps, model) for file in files]
    across = _across_files(reads, platforms)
    for read in reads:
        issues += _byline_of([*read.issues, *(i for i in across if i.file == read.file)])
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
