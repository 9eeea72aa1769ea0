"""Split tests (A/B) of prompts: which variant an occurrence posts, and what it changes.

The choice is random but reproducible: a SHA-256 of ``community|schedule|occurrence`` picks
the variant, so a retry, a replay or a second process posts the same one. The chosen name is
recorded with the posted prompt (``PostedLog``); ``analytics.split.variant_engagement``
compares the variants' replies per prompt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cohortbot.playbook.steps.prompts.config import PromptSchedule, PromptVariant

__all__ = ["choose_variant", "variant_named", "with_variant"]

CHANGES = ("title", "message", "thread_name", "channel")


def choose_variant(
    variants: Sequence[PromptVariant], *, community: str, schedule: str, occurrence: str
) -> PromptVariant | None:
    """The variant this occurrence posts (None when the schedule has no split test)."""
    if not variants:
        return None
    digest = hashlib.sha256(f"{community}|{schedule}|{occurrence}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def variant_named(sched: PromptSchedule, name: str | None) -> PromptVariant | None:
    return next((v for v in sched.variants if v.name == name), None) if name else None


def with_variant(sched: PromptSchedule, variant: PromptVariant | None) -> PromptSchedule:
    """The schedule as this variant posts it (its wording and channel in place of the defaults)."""
    if variant is None:
        return sched
    changes = {field: getattr(variant, field) for field in CHANGES if getattr(variant, field) is not None}
    return sched.model_copy(update=changes)
