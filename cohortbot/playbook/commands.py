"""The ``/cohort`` command tree: a catalog steps contribute to, and a text parser.

Discord builds its app_commands tree from the catalog; Slack and the console parse the text
after ``/cohort`` with :func:`parse_command_text`, so all platforms share one grammar.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "HELP_TOPIC",
    "CommandSpec",
    "CommandSyntaxError",
    "OptionKind",
    "OptionSpec",
    "ParsedCommand",
    "command_words",
    "parse_command_text",
    "usage",
]


class OptionKind(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    USER = "user"  # a member: <@ID> or a bare id


@dataclass(frozen=True, kw_only=True, slots=True)
class OptionSpec:
    name: str
    description: str
    kind: OptionKind = OptionKind.STRING
    required: bool = True
    rest: bool = False  # a trailing string that takes the rest of the line
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class CommandSpec:
    path: tuple[str, ...]  # ("welcome", "preview") -> /cohort welcome preview
    description: str
    options: tuple[OptionSpec, ...] = ()
    moderator: bool = False  # refused for non-moderators on every platform

    @property
    def name(self) -> str:
        return " ".join(self.path)


@dataclass(frozen=True, kw_only=True, slots=True)
class ParsedCommand:
    spec: CommandSpec
    options: dict[str, Any]


HELP_TOPIC = OptionSpec(
    name="topic", description="A command or group, e.g. match or survey", required=False, rest=True
)
"""``/cohort help``'s option; an unknown command is handed to help as its topic."""


class CommandSyntaxError(ValueError):
    """The text does not fit any command; the message is safe to show to the member."""


def usage(spec: CommandSpec) -> str:
    parts = [f"/cohort {spec.name}"]
    for opt in spec.options:
        label = f"{opt.name}..." if opt.rest else opt.name
        parts.append(f"<{label}>" if opt.required else f"[{label}]")
    return " ".join(parts)


def _coerce(opt: OptionSpec, raw: str) -> Any:
    if opt.choices and raw not in opt.choices:
        raise CommandSyntaxError(f"{opt.name} must be one of: {', '.join(opt.choices)}")
    if opt.kind is OptionKind.INTEGER:
        try:
            return int(raw)
        except ValueError:
            raise CommandSyntaxError(f"{opt.name} must be a whole number, not {raw!r}") from None
    if opt.kind is OptionKind.USER:
        value = raw.strip()
        if value.startswith("<@") and value.endswith(">"):
            value = value[2:-1].split("|", 1)[0]
        return value.removeprefix("@")
    return raw


def command_words(text: str, *, strict: bool = False) -> list[str]:
    """Words split on spaces; double quotes may group words, and an apostrophe is a letter.

    Members type free text (``What's your favourite trick?``, ``He said "hi``): quoting is
    optional, and a double quote that is never closed is just a character (``strict``: a
    ``ValueError``, for grammars where an unclosed quote must be a mistake).
    """
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escape = ""
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote
        if strict:
            raise ValueError('a " quote is not closed') from None
        return text.split()


def parse_command_text(text: str, catalog: Sequence[CommandSpec]) -> ParsedCommand:
    """Parse ``welcome preview`` or ``prompt add weekly "What did you learn?"``.

    The longest command path that prefixes the words wins; the remaining words fill the
    options in order (``name=value`` also works). Errors say what was expected. No words, or
    words no command starts with, are ``help`` (with those words as its topic) when the
    catalog has it.
    """
    words = command_words(text)
    # Nothing, or no such command: ``/cohort help`` answers, knowing who asks (the parser
    # doesn't), with only what they may run.
    helper = next((s for s in catalog if s.path == ("help",) and HELP_TOPIC in s.options), None)
    if not words:
        if helper is not None:
            return ParsedCommand(spec=helper, options={})
        raise CommandSyntaxError("which command? " + _overview([s for s in catalog if not s.moderator]))
    lowered = [w.lower() for w in words]
    best: CommandSpec | None = None
    for spec in catalog:
        n = len(spec.path)
        if tuple(lowered[:n]) == spec.path and (best is None or n > len(best.path)):
            best = spec
    if best is None and helper is not None:
        return ParsedCommand(spec=helper, options={HELP_TOPIC.name: " ".join(words)})
    if best is None:
        open_to_all = [s for s in catalog if not s.moderator]
        group = [s for s in open_to_all if s.path[0] == lowered[0]]
        raise CommandSyntaxError(f"unknown command {words[0]!r}. " + _overview(group or open_to_all))
    rest = words[len(best.path) :]
    return ParsedCommand(spec=best, options=_fill(best, rest, text))


def _fill(spec: CommandSpec, words: list[str], original: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    positional: list[str] = []
    by_name = {o.name: o for o in spec.options}
    for word in words:
        name, sep, value = word.partition("=")
        if sep and name in by_name and not (positional and _rest_started(spec, positional)):
            options[name] = _coerce(by_name[name], value)
        else:
            positional.append(word)
    for opt in (o for o in spec.options if o.name not in options):
        if not positional:
            break
        if opt.rest:
            options[opt.name] = " ".join(positional)
            positional = []
        else:
            options[opt.name] = _coerce(opt, positional.pop(0))
    if positional:
        raise CommandSyntaxError(f"too many words: {' '.join(positional)!r}. {_usage_hint(spec)}")
    missing = [o.name for o in spec.options if o.required and o.name not in options]
    if missing:
        raise CommandSyntaxError(f"missing {', '.join(missing)}. {_usage_hint(spec)}")
    return options


def _rest_started(spec: CommandSpec, positional: list[str]) -> bool:
    fixed = [o for o in spec.options if not o.rest]
    return len(positional) >= len(fixed) and any(o.rest for o in spec.options)


def _usage_hint(spec: CommandSpec) -> str:
    return f"Usage: {usage(spec)}" + (" (moderators only)" if spec.moderator else "")


def _overview(catalog: Iterable[CommandSpec]) -> str:
    """What to try instead. The parser does not know who typed the text, so it names only the
    commands every member may run; ``/cohort help`` answers each member with their own list."""
    names = sorted({usage(s) for s in catalog})
    listing = "Try: " + "; ".join(names) + ". " if names else ""
    return listing + "`/cohort help` lists every command you may run."
