"""Members' interests: keywords found in an introduction, a select, and ``/cohort interests``.

Interests come from the playbook's vocabulary (``interests: {name: [keywords...]}``); an
interest's own name counts as one of its keywords. Matching is case-insensitive and by whole
words (``ml`` matches "I do ML" but not "html"). With no vocabulary configured, members may
name any interest. Stored as names in ``member.data["intros"]["interests"]`` — never the
text they came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cohortbot.playbook.events import ButtonPressed, CommandInvoked
from cohortbot.playbook.messages import Select, SelectOption
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.intros.config import IntrosConfig

__all__ = [
    "INTERESTS_SELECT",
    "add_interests",
    "interests_add",
    "interests_choose",
    "interests_in",
    "interests_list",
    "interests_of",
    "interests_remove",
    "intros_data",
    "member_of",
    "on_interests_selected",
    "resolve_interests",
]

INTERESTS_SELECT = "intros:interests"
MAX_SELECT_OPTIONS = 25  # Discord's limit for one select

Ctx = StepContext[IntrosConfig]


async def member_of(ctx: StepContext[Any], user: UserRef) -> Member:
    """The member's record, created on first sight (as the core step does)."""
    member = await ctx.member(user)
    return member or Member(community=ctx.community, user=user, display_name=user.label)


def intros_data(member: Member) -> dict[str, Any]:
    data: dict[str, Any] = member.data.setdefault("intros", {})
    return data


def interests_of(member: Member) -> list[str]:
    return list(member.data.get("intros", {}).get("interests", []))


def add_interests(member: Member, names: Iterable[str]) -> list[str]:
    """Add interests (keeping the existing order); returns the ones that were new."""
    current = interests_of(member)
    new = [n for n in dict.fromkeys(names) if n not in current]
    intros_data(member)["interests"] = current + new
    return new


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


def _shown(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none yet"


def _choices(ctx: Ctx) -> str:
    return ", ".join(ctx.config.interests) or "anything you like (no list is configured)"


async def interests_choose(event: CommandInvoked, ctx: Ctx) -> None:
    vocabulary = list(ctx.config.interests)
    member = await member_of(ctx, event.actor.user)
    if not vocabulary:
        ctx.respond(
            event.interaction,
            f"Your interests: {_shown(interests_of(member))}. "
            "Add some with `/cohort interests add python, statistics`.",
        )
        return
    options = tuple(SelectOption(label=name, value=name) for name in vocabulary[:MAX_SELECT_OPTIONS])
    ctx.respond(
        event.interaction,
        f"Your interests now: {_shown(interests_of(member))}.\n"
        "Choose **all** that apply (your choice replaces the list); I use them to match you "
        "with members who share them.",
        selects=(
            Select(
                action_id=INTERESTS_SELECT,
                placeholder="Your interests",
                options=options,
                max_values=len(options),
            ),
        ),
    )


async def on_interests_selected(event: ButtonPressed, ctx: Ctx) -> None:
    member = await member_of(ctx, event.actor.user)
    chosen = [v.strip() for v in event.value.split(",") if v.strip() in ctx.config.interests]
    intros_data(member)["interests"] = list(dict.fromkeys(chosen))
    await ctx.uow.members.save(member)
    ctx.respond(event.interaction, f"Saved. Your interests: {_shown(interests_of(member))}.")


async def interests_add(event: CommandInvoked, ctx: Ctx) -> None:
    member = await member_of(ctx, event.actor.user)
    known, unknown = resolve_interests(str(event.options.get("interests", "")), ctx.config.interests)
    add_interests(member, known)
    await ctx.uow.members.save(member)
    lines = [f"Your interests: {_shown(interests_of(member))}."]
    if unknown:
        lines.append(f"Not in the list: {', '.join(unknown)}. You can choose from: {_choices(ctx)}.")
    ctx.respond(event.interaction, "\n".join(lines))


async def interests_remove(event: CommandInvoked, ctx: Ctx) -> None:
    member = await member_of(ctx, event.actor.user)
    raw = str(event.options.get("interests", ""))
    known, unknown = resolve_interests(raw, ctx.config.interests)
    gone = set(known) | {u.lower() for u in unknown}
    intros_data(member)["interests"] = [i for i in interests_of(member) if i not in gone]
    await ctx.uow.members.save(member)
    ctx.respond(event.interaction, f"Your interests: {_shown(interests_of(member))}.")


async def interests_list(event: CommandInvoked, ctx: Ctx) -> None:
    member = await member_of(ctx, event.actor.user)
    ctx.respond(
        event.interaction,
        f"Your interests: {_shown(interests_of(member))}.\nYou can choose from: {_choices(ctx)}.\n"
        "Change them with `/cohort interests choose`, `/cohort interests add ...` or "
        "`/cohort interests remove ...`.",
    )
