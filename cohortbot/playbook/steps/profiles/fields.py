"""Reading what a member types into a profile field (bounded, validated) and showing a profile."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

from cohortbot.playbook.messages import literal
from cohortbot.playbook.steps.profiles.config import FIELDS, ProfilesConfig, Share
from cohortbot.playbook.steps.profiles.model import ProfilesMember

__all__ = ["LIMITS", "FieldError", "apply", "matches", "shown_lines", "skill_terms"]

MAX_ITEMS = 10
MAX_ITEM = 40
LIMITS = {"goals": 300, "timezone": 64, "pronouns": 30, "persona": 32}
CLEAR = "none"


class FieldError(ValueError):
    """What the member typed does not fit the field: the message says what is expected."""


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _items(value: str, field: str) -> list[str]:
    items = [" ".join(v.split()).lower() for v in value.split(",")]
    items = list(dict.fromkeys(i for i in items if i))
    if len(items) > MAX_ITEMS:
        raise FieldError(f"At most {MAX_ITEMS} {field}, separated by commas.")
    long = [i for i in items if len(i) > MAX_ITEM]
    if long:
        raise FieldError(f"Each of your {field} can be at most {MAX_ITEM} characters.")
    return items


def apply(profile: ProfilesMember, field: str, value: str, config: ProfilesConfig) -> None:
    """Set ``field`` from what the member typed (``none`` clears it); raises :class:`FieldError`."""
    if field not in FIELDS:
        raise FieldError(f"Profile fields are: {', '.join(FIELDS)}.")
    value = value.strip()
    if value.lower() == CLEAR:
        value = ""
    if field in ("interests", "skills"):
        items = _items(value, field)
        if field == "skills" and config.skills:
            unknown = [i for i in items if i not in config.skills]
            if unknown:
                raise FieldError(
                    f"Not in this community's skills: {literal(', '.join(unknown))}. "
                    f"You can choose from: {literal(', '.join(config.skills))}."
                )
        setattr(profile, field, items)
        return
    limit = LIMITS[field]
    if len(value) > limit:
        raise FieldError(f"Your {field} can be at most {limit} characters.")
    if field == "timezone":
        if value and value not in _zones():
            raise FieldError("A time zone is an IANA name such as Europe/Berlin or America/New_York.")
        profile.timezone = value
    elif field == "persona":
        if value and config.persona(value.lower()) is None:
            names = ", ".join(p.name for p in config.personas) or "none are set up in this community"
            raise FieldError(f"Personas: {names}.")
        profile.persona = value.lower() or None
    else:
        setattr(profile, field, " ".join(value.split()))


def visible(
    profile: ProfilesMember, field: str, config: ProfilesConfig, *, own: bool, moderator: bool
) -> bool:
    share: Share = profile.shared_with(field, config.share)
    return own or share == "members" or (share == "moderators" and moderator)


def shown_lines(profile: ProfilesMember, config: ProfilesConfig, *, own: bool, moderator: bool) -> list[str]:
    """The fields the viewer may see, member text escaped; the owner also sees whom each is shared with."""
    lines: list[str] = []
    for field in FIELDS:
        if not visible(profile, field, config, own=own, moderator=moderator):
            continue
        raw = getattr(profile, field)
        if field == "persona":
            persona = config.persona(raw)
            text = literal(persona.label) if persona else ""
        else:
            text = literal(", ".join(raw) if isinstance(raw, list) else raw)
        line = f"**{field}**: {text or '—'}"
        if own:
            line += f" (shared with {profile.shared_with(field, config.share)})"
        lines.append(line)
    return lines


def skill_terms(skill: str, config: ProfilesConfig) -> list[str]:
    return [skill, *config.skills.get(skill, [])]


def matches(text: str, terms: list[str]) -> bool:
    """Any term in ``text`` as whole words (case-insensitive)."""
    lowered = text.lower()
    return any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", lowered) for t in terms if t)
