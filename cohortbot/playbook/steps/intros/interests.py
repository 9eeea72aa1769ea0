"""Members' interests: which ones a text or a typed list names. Pure.

Interests come from the playbook's vocabulary (``interests: {name: [keywords...]}``); an
interest's own name counts as one of its keywords. Matching is case-insensitive and by whole
words (``ml`` matches "I do ML" but not "html"). With no vocabulary configured, members may
name any interest. The step stores only the names (:class:`~.model.IntrosMember`), never
the text they came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cohortbot.playbook.messages import literal

__all__ = ["interests_in", "resolve_interests", "shown"]


def _pattern(keyword: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in keyword.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def interests_in(text: str, vocabulary: Mapping[str, Sequence[str]]) -> list[str]:
    """The vocabulary's interests whose name or a keyword occurs in ``text`` (whole words)."""
    return [
        name
        for name, keywords in vocabulary.items()
        if any(_pattern(k).search(text) for k in (name, *keywords) if k.strip())
    ]


def resolve_interests(words: str, vocabulary: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """``"python, Stats"`` -> (known interest names, unknown items). Free-form without a vocabulary."""
    items = [w.strip() for w in re.split(r"[,;]", words) if w.strip()]
    if not vocabulary:
        return [i.lower() for i in items], []
    known: list[str] = []
    unknown: list[str] = []
    for item in items:
        lowered = item.lower()
        exact = [n for n, kws in vocabulary.items() if lowered in (n, *(k.lower() for k in kws))]
        found = exact or interests_in(item, vocabulary)
        (known.extend(found) if found else unknown.append(item))
    return list(dict.fromkeys(known)), unknown


def shown(names: Sequence[str]) -> str:
    """Interests as members read them."""
    return ", ".join(literal(name) for name in names) if names else "none yet"
