"""Fitting text into one platform message (``Capabilities.max_message_length``).

Lists that grow with the number of members (a grouped welcome, a moderators' report) and
text a member wrote (a forwarded DM, survey answers) must never make a message the platform
refuses or truncates. Lengths are counted on the neutral text; renderers only rewrite the few
inline tokens, and clip as a last resort. A cut never ends inside an escape of
``messages.literal`` (a lone backslash would escape the "…" after it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["ELLIPSIS", "clip", "fit_lines", "fit_names", "more", "more_lines", "split_names"]

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut with "…" (``limit`` >= 1)."""
    limit = max(1, limit)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    if (len(cut) - len(cut.rstrip("\\"))) % 2:  # half an escape: drop its backslash
        cut = cut[:-1]
    return cut + ELLIPSIS


def more(count: int) -> str:
    """The tail of a list cut short: " … and 12 more"."""
    return f" {ELLIPSIS} and {count} more"


def more_lines(count: int) -> str:
    """The last line of a list of lines cut short."""
    return f"{ELLIPSIS} and {count} more line{'' if count == 1 else 's'}"


def fit_lines(lines: Sequence[str], budget: int, *, tail: Callable[[int], str] = more_lines) -> list[str]:
    """As many of ``lines`` as fit in ``budget`` characters joined with line breaks.

    When some are left out, the last line is ``tail(left out)`` ("… and 12 more lines"), and
    the whole still fits. A line too long on its own is clipped.
    """
    budget = max(1, budget)
    if len("\n".join(lines)) <= budget:
        return list(lines)
    if len(lines) == 1:
        return [clip(lines[0], budget)]
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        room = budget - len(tail(len(lines) - index)) - 1  # the tail, on a line of its own
        if used + len(line) + (1 if kept else 0) > room:
            if not kept and room > 0:  # not even the first line: a clipped part of it
                return [clip(line, room), tail(len(lines) - index - 1)]
            return [*kept, tail(len(lines) - index)] if kept else [clip(tail(len(lines)), budget)]
        kept.append(line)
        used += len(line) + (1 if len(kept) > 1 else 0)
    return kept


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
