"""Checks a schema cannot express: cron expressions (in the community's zone) and references
to names defined elsewhere in the playbook, each read so that one broken section hides no
other problem."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cohortbot.bot.crontab import cron_trigger
from cohortbot.config.locate import Loc, PlaybookIssue, dotted, field_loc, line_of
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.step import Step

__all__ = ["check_references", "check_schedules", "leniently"]

M = TypeVar("M", bound=BaseModel)


def leniently(config: type[M], raw: Any, rounds: int = 5) -> M | None:
    """The section validated; if it is not valid, validated without its invalid values (their
    defaults instead; they are reported by the whole-model validation anyway), so that a bad
    cron expression shows in the same pass as another mistake in its section. None when the
    section cannot be validated even so (a required value is wrong)."""
    try:
        return config.model_validate(raw)
    except ValidationError:
        candidate = copy.deepcopy(raw)  # only a section with errors is copied to drop them
    for _ in range(rounds):
        try:
            return config.model_validate(candidate)
        except ValidationError as exc:
            dropped = [_drop(candidate, field_loc(err["loc"])) for err in exc.errors()]
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


def check_schedules(
    data: dict[str, Any],
    community: CommunityPlaybook,
    steps: Sequence[Step[Any]],
    file: str,
    lines: dict[Loc, int],
    validated: Mapping[str, Any] | None = None,
) -> list[PlaybookIssue]:
    """Cron expressions of every step section that validated on its own.

    ``validated``: the step sections as the whole playbook validated them, when it did (each
    section is then not validated again)."""
    issues = []
    sections = data.get("steps") or {}
    for step in steps:
        raw = sections.get(step.name) if isinstance(sections, dict) else None
        if raw is None or step.schedules is None:
            continue
        known = validated is not None and step.name in validated
        cfg = validated[step.name] if validated is not None and known else leniently(step.config, raw)
        if cfg is None:
            continue  # too broken to tell its schedules: reported by the whole-model validation
        for spec in step.schedules(cfg, community):
            problem = _cron_problem(spec.cron, community.timezone)
            if problem is not None:
                loc: Loc = ("steps", step.name, *spec.where)
                issues.append(
                    PlaybookIssue(
                        file,
                        line_of(lines, loc),
                        dotted(loc),
                        f"bad cron expression {spec.cron!r}: {problem}; the format is "
                        "'minute hour day month weekday', e.g. '0 9 * * mon' or '0 9 * * 1-5'",
                    )
                )
    return issues


@functools.lru_cache(maxsize=4096)  # a thousand playbooks share a handful of expressions
def _cron_problem(cron: str, zone: str) -> str | None:
    try:
        cron_trigger(cron, zone)
    except ValueError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------- references

# A value that names something defined elsewhere in the playbook: (where the reference is,
# what it names, where the names it may take are, the step that defines them). ``*`` is any
# list item (or any value of a mapping: a cohort's weeks are keyed by number).
_SURVEYS: Loc = ("steps", "surveys", "surveys", "*", "name")
_COHORTS: Loc = ("steps", "cohorts", "cohorts", "*", "name")
_PERSONAS: Loc = ("steps", "profiles", "personas", "*", "name")
_REFERENCES: tuple[tuple[Loc, str, Loc, str], ...] = (
    (("steps", "sessions", "feedback", "survey"), "survey", _SURVEYS, "surveys"),
    (("steps", "sessions", "sessions", "*", "feedback", "survey"), "survey", _SURVEYS, "surveys"),
    (("steps", "cohorts", "cohorts", "*", "week", "*", "survey", "name"), "survey", _SURVEYS, "surveys"),
    (("steps", "health", "goals", "*", "cohort"), "cohort", _COHORTS, "cohorts"),
    (("steps", "welcome", "follow_ups", "*", "persona"), "persona", _PERSONAS, "profiles"),
)
# Goal metrics another step counts: the playbook must have that step.
_METRIC_STEPS = {"roster_joined": "roster", "submissions_rate": "assignments"}


def _at(data: Any, pattern: Loc, loc: Loc = ()) -> list[tuple[Loc, Any]]:
    """The values at ``pattern`` in raw YAML data, with their locations (absent ones skipped)."""
    if not pattern:
        return [(loc, data)]
    first, rest = pattern[0], pattern[1:]
    if first == "*":
        items: list[tuple[Any, Any]] = list(enumerate(data)) if isinstance(data, list) else []
        items = list(data.items()) if isinstance(data, dict) else items
        return [found for i, item in items for found in _at(item, rest, (*loc, i))]
    if isinstance(data, dict) and first in data:
        return _at(data[first], rest, (*loc, first))
    return []


def _keys(lines: dict[Loc, int], loc: Loc) -> Loc:
    """``loc`` as the line map has it: a mapping's number key (a cohort's week) is kept as typed."""
    path: Loc = ()
    for part in loc:
        typed = str(part) if isinstance(part, int) and (*path, str(part)) in lines else part
        path = (*path, typed)
    return path


def check_references(data: dict[str, Any], file: str, lines: dict[Loc, int]) -> list[PlaybookIssue]:
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
            PlaybookIssue(
                file, line_of(lines, _keys(lines, loc)), dotted(loc), f"unknown {kind} {value!r}; {problem}"
            )
            for loc, value in refs
            if value.strip().lower() not in names
        ]
    for loc, metric in _at(data, ("steps", "health", "goals", "*", "metric")):
        needs = _METRIC_STEPS.get(metric) if isinstance(metric, str) else None
        if needs is not None and not _at(data, ("steps", needs)):
            problem = f"goal metric {metric} is counted by the {needs} step: there is none in this playbook"
            issues.append(PlaybookIssue(file, line_of(lines, loc), dotted(loc), f"{problem} (steps.{needs})"))
    return issues
