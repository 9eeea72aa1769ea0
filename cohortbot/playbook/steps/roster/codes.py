"""One-time join codes: short, random (``secrets``), and hard to misread.

A code is eight characters of an alphabet without 0/O, 1/I/L or U/V look-alikes, shown in two
halves (``K7QX-M3PD``); members may type it in any case, with or without the dash or spaces.
29**8 (about 5e11) codes: guessing one of 5,000 takes some 10**8 tries.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Container

__all__ = ["ALPHABET", "looks_like_code", "new_code", "normal_code"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 8
_SHAPE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code(taken: Container[str]) -> str:
    """A fresh code not in ``taken``."""
    while True:
        number, digits = secrets.randbelow(len(ALPHABET) ** LENGTH), []
        for _ in range(LENGTH):
            number, digit = divmod(number, len(ALPHABET))
            digits.append(ALPHABET[digit])
        raw = "".join(digits)
        code = f"{raw[:4]}-{raw[4:]}"
        if code not in taken:
            return code


def normal_code(text: str) -> str | None:
    """``k7qx m3pd`` -> ``K7QX-M3PD``; None if ``text`` is not shaped like a code."""
    raw = re.sub(r"[\s\-]", "", text.strip().upper())
    if not _SHAPE.match(raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def looks_like_code(text: str) -> bool:
    return len(text) <= 3 * LENGTH and normal_code(text) is not None
