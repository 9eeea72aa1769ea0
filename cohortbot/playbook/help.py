"""What ``/cohort help`` shows: the caller's commands, grouped by step, within a message. Pure.

- ``/cohort help`` (and ``/cohort`` alone): every command the caller may run, grouped under
  the step it belongs to, with its description; when that does not fit the platform's
  message length (a moderator's list on Discord), each group on one line of command names,
  and ``/cohort help TOPIC`` for the descriptions.
- ``/cohort help match`` (a command's first word, a step's name): that group in full.
- ``/cohort help match now``: that command's usage and description.
- An unknown command (``/cohort frobnicate``, ``/cohort session frobnicate``) reaches help
  as its topic: "There's no `/cohort …`", then the group it names or the whole list.

Commands the caller may not run are never listed (members don't see moderator commands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cohortbot.playbook.commands import CommandSpec, command_words, usage
from cohortbot.playbook.lengths import clip, fit_lines
from cohortbot.playbook.messages import literal

__all__ = ["GROUP_TITLES", "Group", "HelpText", "group_commands", "help_text"]

ECHOED = 60  # characters of an unknown command echoed back
EVERYTHING = "`/cohort help` lists everything you can run."

GROUP_TITLES = {
    "core": "General",
    "privacy": "Your data",
    "welcome": "Welcome",
    "cohorts": "Cohort weeks",
    "roster": "Roster",
    "intros": "Introductions and matching",
    "prompts": "Prompts",
    "sessions": "Sessions and deadlines",
    "qa": "Expert Q&A",
    "surveys": "Surveys",
    "champions": "Champions",
    "health": "Community health",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Group:
    step: str
    specs: tuple[CommandSpec, ...]

    @property
    def title(self) -> str:
        return GROUP_TITLES.get(self.step) or self.step.replace("_", " ").capitalize()

    @property
    def topic(self) -> str:
        """The word to ask ``/cohort help`` about it: the first word of most of its commands."""
        heads = [spec.path[0] for spec in self.specs]
        return max(dict.fromkeys(heads), key=heads.count)


@dataclass(frozen=True, kw_only=True, slots=True)
class HelpText:
    title: str
    text: str


def group_commands(catalog: Sequence[CommandSpec], step_of: Mapping[tuple[str, ...], str]) -> list[Group]:
    """The catalog's commands by step, in catalog order; a step's members' commands first."""
    by_step: dict[str, list[CommandSpec]] = {}
    for spec in catalog:
        by_step.setdefault(step_of.get(spec.path, "other"), []).append(spec)
    return [
        Group(step=step, specs=tuple(sorted(specs, key=lambda s: s.moderator)))  # stable: as declared
        for step, specs in by_step.items()
    ]


def _line(spec: CommandSpec) -> str:
    return f"`{usage(spec)}` — {spec.description}"


def _detailed(groups: Sequence[Group]) -> list[str]:
    lines: list[str] = []
    for group in groups:
        lines += ["", f"**{group.title}**"] if lines else [f"**{group.title}**"]
        lines += [_line(spec) for spec in group.specs]
    return lines


def _compact(groups: Sequence[Group], *, prefix: str = "/cohort ") -> list[str]:
    lines = [
        f"**{g.title}**{'' if g.step == 'core' else f' (`/cohort help {g.topic}`)'}: "
        + " · ".join(f"`{prefix}{s.name}`" for s in g.specs)
        for g in groups
    ]
    tail = "`/cohort help TOPIC` says what each command does, e.g. `/cohort help match`."
    return [*lines, tail if prefix else f"Type each after `/cohort`; {tail}"]


def _overview(groups: Sequence[Group], limit: int, lead: list[str]) -> list[str]:
    detailed = [*lead, *_detailed(groups)]
    if len("\n".join(detailed)) <= limit:
        return detailed
    compact = [*lead, *_compact(groups)]
    if len("\n".join(compact)) <= limit:
        return compact
    return fit_lines([*lead, *_compact(groups, prefix="")], limit)  # a moderator's long list


def _find_group(groups: Sequence[Group], word: str) -> Group | None:
    for group in groups:
        if word in (group.step, group.topic) or any(spec.path[0] == word for spec in group.specs):
            return group
    return None


def help_text(
    groups: Sequence[Group], hidden: Sequence[Group], topic: str, *, limit: int, community: str
) -> HelpText:
    """The answer to ``/cohort help [topic]``.

    ``groups``: the caller's commands; ``hidden``: the groups of commands only moderators may
    run (to say so rather than "unknown"); ``limit``: the platform's message length.
    """
    words = [w.lower() for w in command_words(topic)]
    title = f"cohortbot commands in {community}"
    if not words:
        return HelpText(title=title, text="\n".join(_overview(groups, limit, [])))
    asked = "“" + literal(clip("/cohort " + " ".join(words), ECHOED)) + "”"  # typed by anyone
    mine = [spec for g in groups for spec in g.specs]
    exact = next((s for s in mine if list(s.path) == words), None)
    if exact is not None:
        note = " (moderators only)" if exact.moderator else ""
        return HelpText(title=title, text=f"{_line(exact)}{note}")
    if any(list(s.path) == words for g in hidden for s in g.specs):
        text = f"Only moderators can use `/cohort {' '.join(words)}`. {EVERYTHING}"
        return HelpText(title=title, text=text)
    group = _find_group(groups, words[0])
    if group is not None:
        lead = [] if len(words) == 1 else [f"There's no {asked}. In {group.title.lower()} you can run:", ""]
        lines = [*lead, *(_line(spec) for spec in group.specs), "", EVERYTHING]
        return HelpText(title=f"{group.title}: commands", text="\n".join(fit_lines(lines, limit)))
    closed = _find_group(hidden, words[0])
    if closed is not None:
        text = f"Only moderators can use the {closed.title.lower()} commands. {EVERYTHING}"
        return HelpText(title=title, text=text)
    lead = [f"There's no {asked}. What you can run:", ""]
    return HelpText(title=title, text="\n".join(_overview(groups, limit, lead)))
