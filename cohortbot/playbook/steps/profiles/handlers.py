"""Profiles, personas and skill routing.

- **Profiles**: members set interests, skills, goals, time zone (IANA), pronouns and a
  persona (``/cohort profile set``: a form where the platform has modals, else a field at a
  time), choose whom they share each field with (``/cohort profile share``), and read
  others' profiles and the directory by skill or interest (``/cohort profile show``,
  ``/cohort profile find``) as shared with them (:mod:`.commands`).
- **Personas**: the playbook lists them; with ``ask_persona_at_join`` a new member gets a DM
  with one button per persona; the persona's welcome text answers the choice. The welcome
  step's follow-ups may be meant for one persona (``follow_ups[].persona``), read through
  :func:`.api.persona_of`.
- **Skill routing** (:mod:`.routing`).
- **Privacy**: the profile is the member's part of the record (:class:`.model.ProfilesMember`);
  the routed questions name askers, invited and answering members by id, so :func:`export`
  and :func:`forget` cover them.
"""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.events import ButtonPressed, FormSubmitted, MemberJoined, MessagePosted
from cohortbot.playbook.messages import Button, RichMessage
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import Step, StepContext
from cohortbot.playbook.steps.profiles.commands import (
    COMMANDS,
    EDIT,
    FORM_ID,
    PERSONA,
    on_edit,
    on_form,
    on_persona,
)
from cohortbot.playbook.steps.profiles.config import ProfilesConfig
from cohortbot.playbook.steps.profiles.model import STEP_NAME, ProfilesMember, Routed
from cohortbot.playbook.steps.profiles.routing import on_help_message

__all__ = ["STEP", "ProfilesConfig", "export", "forget"]

Ctx = StepContext[ProfilesConfig]


async def on_joined(event: MemberJoined, ctx: Ctx) -> None:
    """Ask a new member for their persona (once: not again when they come back with one)."""
    if not ctx.config.ask_persona_at_join or event.is_bot:
        return
    member = await ctx.touch_member(event.member)
    if ctx.section(member, ProfilesMember).persona is not None:
        return
    buttons = tuple(Button(label=p.label, action_id=PERSONA, value=p.name) for p in ctx.config.personas)
    ctx.dm(
        member.user,
        RichMessage(text=ctx.fill(ctx.config.ask_persona, member=member), buttons=buttons),
        key=ctx.key("ask-persona", member.user.id, member.join_count),
    )


async def on_button(event: ButtonPressed, ctx: Ctx) -> None:
    if event.action_id == PERSONA:
        await on_persona(event, ctx)
    elif event.action_id == EDIT:
        await on_edit(event, ctx)


async def on_submitted(event: FormSubmitted, ctx: Ctx) -> None:
    if event.form_id == FORM_ID:
        await on_form(event, ctx)


async def export(ctx: StepContext[Any], user: UserRef) -> dict[str, Any]:
    """The help questions the member asked, was invited to or replied to (ids and times only)."""
    questions = (await ctx.load(Routed)).about(user.id)
    return {"routed_questions": questions} if questions else {}


async def forget(ctx: StepContext[Any], user: UserRef) -> None:
    """The member leaves the routed questions (as asker, invited or answering; the counts stay)."""
    routed = await ctx.load(Routed)
    if routed.forget(user.id):
        await ctx.store(routed)


STEP = Step(
    name=STEP_NAME,
    config=ProfilesConfig,
    handlers={
        MemberJoined: on_joined,
        MessagePosted: on_help_message,
        ButtonPressed: on_button,
        FormSubmitted: on_submitted,
    },
    commands=COMMANDS,
    documents=(Routed,),
    section=ProfilesMember,
    export=export,
    forget=forget,
)
