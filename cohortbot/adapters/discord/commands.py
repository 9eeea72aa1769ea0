"""The ``/cohort`` app_commands group, built from the neutral CommandSpec catalog.

The tree only *registers* the commands with Discord. Invocations are not run through
discord.py's command callbacks: every interaction is translated in ``on_interaction`` from
its raw data (so commands, buttons and modals take one path), and :class:`RegistrationTree`
declines to run callbacks.

Discord allows ``default_member_permissions`` on top-level commands only, so moderator
subcommands inside ``/cohort`` cannot be hidden from members; the engine refuses them for
non-moderators (``Actor.is_admin`` / roles) on every platform.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from cohortbot.playbook.commands import CommandSpec, OptionKind, OptionSpec

__all__ = ["ROOT_COMMAND", "RegistrationTree", "build_command_group"]

ROOT_COMMAND = "cohort"

_ANNOTATIONS: dict[OptionKind, Any] = {
    OptionKind.STRING: str,
    OptionKind.INTEGER: int,
    OptionKind.USER: discord.User,
}


class RegistrationTree(app_commands.CommandTree[discord.Client]):
    """A command tree used for syncing only; the adapter handles invocations itself."""

    async def interaction_check(self, interaction: discord.Interaction[discord.Client], /) -> bool:
        return False


def _callback(spec: CommandSpec) -> Any:
    """A callback whose signature carries the spec's options (discord.py reads it for types)."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        return None

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    ordered = sorted(spec.options, key=lambda o: not o.required)  # Discord: required ones first
    for option in ordered:
        annotation = _ANNOTATIONS[option.kind]
        params.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation if option.required else annotation | None,
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"cohort_{'_'.join(spec.path)}"
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        o.name: o.description[:100] or "…" for o in spec.options
    }
    callback.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        o.name: [_choice(o, c) for c in o.choices] for o in spec.options if o.choices
    }
    return callback


def _choice(option: OptionSpec, value: str) -> app_commands.Choice[Any]:
    typed: Any = int(value) if option.kind is OptionKind.INTEGER else value
    return app_commands.Choice(name=value, value=typed)


def _command(spec: CommandSpec, name: str) -> app_commands.Command[Any, ..., Any]:
    return app_commands.Command(
        name=name, description=spec.description[:100] or "…", callback=_callback(spec)
    )


def build_command_group(
    catalog: Sequence[CommandSpec], *, description: str = "Your learning community"
) -> app_commands.Group:
    """``/cohort``: one subcommand per 1-word path, a subcommand group per 2-word prefix."""
    root = app_commands.Group(name=ROOT_COMMAND, description=description, guild_only=True)
    groups: dict[str, app_commands.Group] = {}
    singles = {spec.path[0] for spec in catalog if len(spec.path) == 1}
    for spec in catalog:
        if not 1 <= len(spec.path) <= 2:
            raise ValueError(f"/cohort {spec.name}: Discord allows at most two words after /cohort")
        if len(spec.path) == 1:
            root.add_command(_command(spec, spec.path[0]))
            continue
        head, leaf = spec.path
        if head in singles:
            raise ValueError(f"/cohort {head} is both a command and a group on Discord; rename one of them")
        group = groups.get(head)
        if group is None:
            group = groups[head] = app_commands.Group(name=head, description=f"/cohort {head} …", parent=root)
        group.add_command(_command(spec, leaf))
    return root
