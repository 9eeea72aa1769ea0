"""Placeholder templates: ``Hi {member}, meet us in {intro_channel}``.

Only whitelisted placeholders are allowed, and each template field says which of them it
offers. Unknown placeholders, attribute access (``{member.__class__}``) and format specs are
rejected when the playbook loads, so a broken template never reaches a member.

Filling a template is where member text meets the message's markup: every placeholder is
either text (escaped, shown as typed on every platform) or markup the bot built (passed
through). See :class:`Placeholder`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from cohortbot.playbook.messages import literal

__all__ = ["PLACEHOLDERS", "Placeholder", "Placeholders", "placeholders_in", "render"]


@dataclass(frozen=True, slots=True)
class Placeholder:
    """What a placeholder means, and whether its value is text or markup the bot built.

    A **text** value (the default) may come from a member, a moderator or the platform: it is
    written into the message through :func:`~cohortbot.playbook.messages.literal`, so a display
    name like ``<@U1> [x](https://a)`` is shown as typed and never mentions or links. A
    **markup** value is built by the bot from ids and its own playbook (``<@id>`` mentions,
    ``<#channel>`` links, ``<t:…>`` times): it passes through, and whoever builds one with a
    member's name in it escapes that name with ``literal`` itself.
    """

    meaning: str
    markup: bool = False


# Every placeholder any template may use, with what it means (shown in errors and docs).
PLACEHOLDERS: dict[str, Placeholder] = {
    "member": Placeholder("the member's display name"),
    "mention": Placeholder("a mention of the member", markup=True),
    "community": Placeholder("the community's name"),
    "intro_channel": Placeholder("a link to the introductions channel", markup=True),
    "welcome_channel": Placeholder("a link to the welcome channel", markup=True),
    # The playbook's own words (a link or a sentence), as trusted as the template itself.
    "guidelines": Placeholder("the community guidelines (link or text)", markup=True),
    "facilitators": Placeholder("the facilitators' names"),
    "days": Placeholder("days since the member joined"),
    "members": Placeholder("a list of members (mentions)", markup=True),
    "count": Placeholder("a number of things"),
    "title": Placeholder("a title (session, survey, prompt)"),
    "when": Placeholder("a date and time, in each reader's local time where possible", markup=True),
    "link": Placeholder("a link (recording, notes, survey)"),
    "question": Placeholder("the question being asked"),
    "interests": Placeholder("shared interests"),
    "reason": Placeholder("why this is sent"),
    "role": Placeholder("a role name"),
    # The course calendar (steps.cohorts): the cohort running now, or the member's own.
    "cohort": Placeholder("the cohort's title"),
    "week": Placeholder("the cohort's current week number (1 in its first week)"),
    "weeks": Placeholder("the cohort's length in weeks"),
    "week_theme": Placeholder("the current week's theme (empty if it has none)"),
    "weeks_left": Placeholder("weeks left after the current one"),
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
    """Fill a validated template. Missing values render empty rather than failing delivery.

    Text values are escaped (:func:`~cohortbot.playbook.messages.literal`): this is the one
    place where member text meets a message's markup. Markup values pass through.
    """
    filled = {name: value if _is_markup(name) else literal(value) for name, value in values.items()}
    return _FORMATTER.vformat(text, (), _Defaulting(filled))


def _is_markup(name: str) -> bool:
    placeholder = PLACEHOLDERS.get(name)
    return placeholder is not None and placeholder.markup


class _Defaulting(dict[str, str]):
    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""
