"""The /cohort tree fits what Discord accepts, so the Discord adapter can register it.

Discord refuses the whole tree (the bot cannot start) past 25 subcommands or groups under
``/cohort``, 25 subcommands in a group, 25 options in a command, or a name or description
out of bounds; and a name cannot be both a command and a group.
"""

from __future__ import annotations

import re
from collections import defaultdict

from cohortbot.playbook.steps import STEPS

SPECS = [command.spec for step in STEPS for command in step.commands]
NAME = re.compile(r"^[-_a-z0-9]{1,32}$")   # Discord's CHAT_INPUT name rule (lowercase)
AGREED = "group new commands (docs/architecture.md, \"The command tree's budget\")"


def test_at_most_25_children_under_cohort_and_in_each_group() -> None:
    children: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for spec in SPECS:
        assert 1 <= len(spec.path) <= 2, f"/cohort {spec.name}: Discord nests two levels at most"
        for depth in range(len(spec.path)):
            children[spec.path[:depth]].add(spec.path[depth])
    too_many = {" ".join(p) or "/cohort": len(c) for p, c in children.items() if len(c) > 25}
    assert not too_many, f"more than 25 children: {too_many} ({sorted(children[()])}); {AGREED}"


def test_no_name_is_both_a_command_and_a_group() -> None:
    leaves = {spec.path for spec in SPECS}
    groups = {spec.path[:1] for spec in SPECS if len(spec.path) == 2}
    assert not leaves & groups, f"both a command and a group: {sorted(leaves & groups)}; {AGREED}"


def test_names_descriptions_and_options_are_within_discords_bounds() -> None:
    for spec in SPECS:
        assert all(NAME.match(part) for part in spec.path), spec.path
        assert 1 <= len(spec.description) <= 100, f"/cohort {spec.name}: {len(spec.description)} chars"
        assert len(spec.options) <= 25, spec.name
        for option in spec.options:
            assert NAME.match(option.name), (spec.name, option.name)
            assert 1 <= len(option.description) <= 100, (spec.name, option.name)
            assert len(option.choices) <= 25, (spec.name, option.name)
        names = [o.name for o in spec.options]
        assert len(names) == len(set(names)), spec.name
