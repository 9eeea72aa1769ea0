"""Placeholder templates: ``Hi {member}, meet us in {intro_channel}``.

Only whitelisted placeholders are allowed, and each template field says which of them it
offers. Unknown placeholders, attribute access (``{member.__class__}``) and format specs are
rejected when the playbook loads, so a broken template never reaches a member.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

__all__ = ["PLACEHOLDERS", "Placeholders", "placeholders_in", "render"]

# Every placeholder any template may use, with what it means (shown in errors and docs).
PLACEHOLDERS: dict[str, str] = {
    "member": "the member's display name",
    "mention": "a mention of the member",
    "community": "the community's name",
    "intro_channel": "a link to the introductions channel",
    "welcome_channel": "a link to the welcome channel",
    "guidelines": "the community guidelines (link or text)",
    "facilitators": "the facilitators' names",
    "days": "days since the member joined",
    "members": "a list of members",
    "count": "a number of things",
    "title": "a title (session, survey, prompt)",
    "when": "a date and time, in each reader's local time where possible",
    "link": "a link (recording, notes, survey)",
    "question": "the question being asked",
    "interests": "shared interests",
    "reason": "why this is sent",
    "role": "a role name",
}

_FORMATTER = string.Formatter()


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``; raises ValueError for anything but ``{name}``."""
    names: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise ValueError(f"unbalanced braces ({exc}); write {{{{ or }}}} for a literal brace") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"placeholder {{{shown}}} must be a plain name like {{member}}")
        names.append(field)
    return names


class Placeholders:
    """Pydantic marker: ``Annotated[str, Placeholders("member", "community")]``."""

    def __init__(self, *allowed: str) -> None:
        unknown = set(allowed) - PLACEHOLDERS.keys()
        if unknown:
            raise ValueError(f"not in the placeholder whitelist: {sorted(unknown)}")
        self.allowed = allowed

    def check(self, text: str) -> str:
        for name in placeholders_in(text):
            if name not in self.allowed:
                offered = ", ".join(f"{{{a}}}" for a in self.allowed) or "none"
                raise ValueError(f"unknown placeholder {{{name}}}; this text can use: {offered}")
        return text

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill a validated template. Missing values render empty rather than failing delivery."""
    return _FORMATTER.vformat(text, (), _Defaulting(values))


class _Defaulting(dict[str, str]):
    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""
