"""Members' control over their data: opt out of analytics, export it, delete it."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.events import ButtonPressed, CommandInvoked
from cohortbot.playbook.messages import Attachment, Button, ButtonStyle, RichMessage
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.step import Command, Step, StepContext
from cohortbot.playbook.steps.intros.records import forget_member

__all__ = ["STEP", "PrivacyConfig"]

CONFIRM_DELETE = "privacy:delete"


class PrivacyConfig(StepConfig):
    """No settings: every member always has these rights."""


Ctx = StepContext[PrivacyConfig]


async def opt_out(event: CommandInvoked, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.actor.user)
    member.analytics_opt_out = True
    await ctx.uow.members.save(member)
    ctx.respond(
        event.interaction,
        "Done: your activity is no longer recorded for community statistics. "
        "`/cohort privacy delete` also removes what was recorded before.",
    )


async def opt_in(event: CommandInvoked, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.actor.user)
    member.analytics_opt_out = False
    await ctx.uow.members.save(member)
    ctx.respond(event.interaction, "Thanks! Your activity counts toward community statistics again.")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


async def export(event: CommandInvoked, ctx: Ctx) -> None:
    user = event.actor.user
    member = await ctx.member(user)
    activity = await ctx.uow.activity.list(ctx.community, user=user)
    document = {
        "community": str(ctx.community),
        "member": _jsonable(asdict(member)) if member else None,
        "activity": [_jsonable(asdict(record)) for record in activity],
        "note": "cohortbot never stores message text; activity rows hold when, where, length and scores.",
    }
    data = json.dumps(document, indent=2, sort_keys=True).encode()
    ctx.emit(
        SendDirectMessage(
            key=f"privacy-export:{ctx.community}:{user.id}:{event.event_id}",
            community=ctx.community,
            to=user,
            message=RichMessage(
                text=f"Here is everything cohortbot keeps about you ({len(activity)} activity records).",
                attachments=(
                    Attachment(filename="my-cohortbot-data.json", content_type="application/json", data=data),
                ),
            ),
        )
    )
    ctx.respond(event.interaction, "I've sent your data to you in a direct message.")


async def delete(event: CommandInvoked, ctx: Ctx) -> None:
    ctx.respond(
        event.interaction,
        "This deletes your activity records and what the bot remembers about you in this community "
        "(welcome progress, interests, settings). It cannot be undone.",
        buttons=(Button(label="Delete my data", action_id=CONFIRM_DELETE, style=ButtonStyle.DANGER),),
    )


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id != CONFIRM_DELETE:
        return
    user = event.actor.user
    removed = await ctx.uow.activity.delete_user(ctx.community, user)
    await forget_member(ctx.uow, ctx.community, user.id)  # match-round history keeps no trace
    member = await ctx.member(user)
    if member is not None:
        await ctx.uow.members.delete(ctx.community, user)
        # Keep a bare record so the bot knows they are a member (and doesn't welcome them
        # again); it holds no history and keeps them opted out of analytics.
        fresh = await ctx.touch_member(user)
        fresh.joined_at, fresh.welcomed_at, fresh.join_count = (
            member.joined_at,
            member.welcomed_at,
            member.join_count,
        )
        fresh.analytics_opt_out = True
        await ctx.uow.members.save(fresh)
    ctx.respond(event.interaction, f"Deleted: {removed} activity records and your member profile.")


def _cmd(path: tuple[str, ...], description: str, handler: Any) -> Command:
    return Command(spec=CommandSpec(path=path, description=description), handler=handler)


STEP = Step(
    name="privacy",
    config=PrivacyConfig,
    always_on=True,
    handlers={ButtonPressed: on_button},
    commands=(
        _cmd(("privacy", "optout"), "Stop counting your activity in community statistics", opt_out),
        _cmd(("privacy", "optin"), "Count your activity in community statistics again", opt_in),
        _cmd(("privacy", "export"), "Get everything the bot keeps about you, as a file in a DM", export),
        _cmd(("privacy", "delete"), "Delete what the bot keeps about you (asks to confirm)", delete),
    ),
)
