"""Fitting text into one platform message (``Capabilities.max_message_length``).

Lists that grow with the number of members (a grouped welcome, a moderators' report) and
text a member wrote (a forwarded DM) must never make a message the platform refuses or
truncates. Lengths are counted on the neutral text; renderers only rewrite the few inline
tokens, and clip as a last resort.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ELLIPSIS", "clip", "fit_names", "more", "split_names"]

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut with "…" (``limit`` >= 1)."""
    limit = max(1, limit)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def more(count: int) -> str:
    """The tail of a list cut short: " … and 12 more"."""
    return f" {ELLIPSIS} and {count} more"


def fit_names(names: Sequence[str], budget: int, *, sep: str = ", ") -> str:
    """As many of ``names`` as fit in ``budget`` characters, then " … and N more".

    At least one name is shown (clipped if it alone is too long), so the list is never empty.
    """
    if not names:
        return ""
    whole = sep.join(names)
    if len(whole) <= budget:
        return whole
    shown: list[str] = []
    used = 0
    for index, name in enumerate(names):
        tail = len(more(len(names) - index - 1))
        cost = len(name) + (len(sep) if shown else 0)
        if used + cost + tail > budget:
            break
        shown.append(name)
        used += cost
    if not shown:
        shown = [clip(names[0], max(1, budget - len(more(len(names) - 1))))]
    return sep.join(shown) + more(len(names) - len(shown))


def split_names(names: Sequence[str], budget: int, *, sep: str = ", ") -> list[list[str]]:
    """``names`` in consecutive parts, each joined with ``sep`` within ``budget`` characters.

    A name longer than ``budget`` has a part of its own (the caller clips it).
    """
    parts: list[list[str]] = []
    part: list[str] = []
    used = 0
    for name in names:
        cost = len(name) + (len(sep) if part else 0)
        if part and used + cost > budget:
            parts.append(part)
            part, cost = [], len(name)
            used = 0
        part.append(name)
        used += cost
    if part:
        parts.append(part)
    return parts
