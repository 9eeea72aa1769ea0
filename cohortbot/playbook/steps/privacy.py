"""Members' control over their data: opt out of analytics, export it, delete it.

One contract for every step: a step that keeps anything about a member implements the
``export`` and ``forget`` hooks of :class:`~cohortbot.playbook.step.Step`; this step visits
every registered step (enabled or not: a step switched off may still hold old data), then
storage exports or forgets the member's rows in the shared tables, and the member record is
replaced by a pseudonymous one that only remembers what the bot must honour (stay opted out
of statistics, don't welcome them a second time).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

from cohortbot.playbook.events import ButtonPressed, CommandInvoked
from cohortbot.playbook.messages import Attachment, Button, ButtonStyle, RichMessage
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.ports import Erasure, Member, pseudonym
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Step, StepContext, command

__all__ = ["STEP", "PrivacyConfig", "erase", "export_document"]

log = logging.getLogger("cohortbot.privacy")
CONFIRM_DELETE = "privacy:delete"
MIN_NAME = 3  # shorter names are too likely to be parts of other words to scrub safely


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
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


async def export_document(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    """Everything cohortbot keeps about the member: their record, every step's data, shared tables."""
    member = await ctx.member(user)
    steps: dict[str, Any] = {}
    for step in ctx.peers:
        if step.export is not None:
            found = await step.export(ctx.for_step(step), user)
            if found:
                steps[step.name] = _jsonable(found)
    return {
        "community": str(ctx.community),
        "member": _jsonable(asdict(member)) if member else None,
        "steps": steps,
        "records": _jsonable(await ctx.uow.privacy.export(ctx.community, user)),
        "note": (
            "cohortbot never stores message text; activity records hold when, where, length and "
            "scores. Answers to anonymous surveys are not linked to you, so they are not here."
        ),
    }


async def export(event: CommandInvoked, ctx: Ctx) -> None:
    user = event.actor.user
    document = await export_document(ctx, user)
    data = json.dumps(document, indent=2, sort_keys=True).encode()
    activity = len(document["records"].get("activity", []))
    ctx.dm(
        user,
        RichMessage(
            text=f"Here is everything cohortbot keeps about you ({activity} activity records).",
            attachments=(
                Attachment(filename="my-cohortbot-data.json", content_type="application/json", data=data),
            ),
        ),
        key=ctx.key("export", user.id, event.event_id),
        private=True,
    )
    ctx.respond(event.interaction, "I've sent your data to you in a direct message.")


async def delete(event: CommandInvoked, ctx: Ctx) -> None:
    ctx.respond(
        event.interaction,
        "This deletes everything cohortbot keeps about you in this community: your activity "
        "records, welcome progress, introductions and interests, matches, RSVPs, survey answers "
        "and champion records. It cannot be undone.",
        buttons=(Button(label="Delete my data", action_id=CONFIRM_DELETE, style=ButtonStyle.DANGER),),
    )


async def erase(ctx: Ctx, user: UserRef) -> dict[str, int]:
    """Forget the member everywhere; the rows touched, by table (and steps' hooks run first)."""
    member = await ctx.member(user)
    for step in ctx.peers:
        if step.forget is not None:
            await step.forget(ctx.for_step(step), user)
    # Their names as the bot wrote them (templates use the whole display name). Not their
    # parts: scrubbing "Data" for a "Data Fan" would rewrite everyone's history.
    names = {n.strip() for n in (member.display_name if member else "", user.name or "")}
    stand_in = pseudonym(ctx.community, user)
    counts = await ctx.uow.privacy.forget(
        Erasure(
            community=ctx.community,
            user=user,
            names=tuple(sorted(n for n in names if len(n) >= MIN_NAME)),
            pseudonym=stand_in,
        )
    )
    # A bare, pseudonymous record: the bot must still not welcome them twice and must keep
    # them out of statistics (ctx.touch_member carries these over if they come back).
    await ctx.uow.members.save(
        Member(
            community=ctx.community,
            user=UserRef(user.platform, stand_in),
            display_name="",
            joined_at=member.joined_at if member else None,
            left_at=ctx.now,  # not counted as present: their new record (if any) is
            join_count=member.join_count if member else 0,
            welcomed_at=member.welcomed_at if member else None,
            onboarded_at=member.onboarded_at if member else None,
            analytics_opt_out=True,
        )
    )
    return counts


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id != CONFIRM_DELETE:
        return
    counts = await erase(ctx, event.actor.user)
    ctx.respond(
        event.interaction,
        f"Deleted: {counts.get('activity', 0)} activity records, your member profile and what "
        "every part of the bot kept about you.",
        private=True,  # the answer names them (on Slack the interaction does): not kept once sent
    )


STEP = Step(
    name="privacy",
    config=PrivacyConfig,
    always_on=True,
    handlers={ButtonPressed: on_button},
    commands=(
        command("privacy optout", "Stop counting your activity in community statistics", opt_out),
        command("privacy optin", "Count your activity in community statistics again", opt_in),
        command("privacy export", "Get everything the bot keeps about you, as a file in a DM", export),
        command("privacy delete", "Delete what the bot keeps about you (asks to confirm)", delete),
    ),
)
