"""``/cohort profile ...``: set, share, show, find (the directory) and help routing on/off."""

from __future__ import annotations

from cohortbot.playbook.actions import OpenForm
from cohortbot.playbook.commands import OptionKind, OptionSpec
from cohortbot.playbook.events import ButtonPressed, CommandInvoked, FormSubmitted
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import Button, Form, FormInput, literal, mention
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import InteractionRef, UserRef
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.profiles.config import FIELDS, ProfilesConfig, Share
from cohortbot.playbook.steps.profiles.fields import (
    LIMITS,
    MAX_ITEM,
    MAX_ITEMS,
    FieldError,
    apply,
    shown_lines,
    visible,
)
from cohortbot.playbook.steps.profiles.model import ProfilesMember

__all__ = ["COMMANDS", "EDIT", "FORM_ID", "PERSONA", "on_edit", "on_form", "on_persona"]

Ctx = StepContext[ProfilesConfig]
FORM_ID = "profiles:form"
PERSONA = "profiles:persona"
EDIT = "profiles:edit"
SHARES: dict[str, Share] = {"members": "members", "moderators": "moderators", "nobody": "nobody"}
_HINTS = {
    "interests": "e.g. python, statistics",
    "skills": "e.g. sql, pandas",
    "goals": "what you want to learn here",
    "timezone": "e.g. Europe/Berlin",
    "pronouns": "e.g. she/her",
}


async def _mine(ctx: Ctx, user: UserRef) -> tuple[Member, ProfilesMember]:
    member = await ctx.touch_member(user)
    return member, ctx.section(member, ProfilesMember)


async def _save(ctx: Ctx, member: Member, profile: ProfilesMember) -> None:
    ctx.set_section(member, profile)
    await ctx.uow.members.save(member)


def _own(ctx: Ctx, profile: ProfilesMember) -> str:
    return "Your profile:\n" + "\n".join(shown_lines(profile, ctx.config, own=True, moderator=True))


def _persona_welcome(ctx: Ctx, member: Member, interaction: InteractionRef, text: str) -> None:
    persona = ctx.config.persona(ctx.section(member, ProfilesMember).persona)
    if persona is not None and persona.welcome:
        text += "\n\n" + ctx.fill(persona.welcome, member=member)
    ctx.respond(interaction, text, private=True)


def _open_form(ctx: Ctx, interaction: InteractionRef) -> None:
    inputs = tuple(
        FormInput(
            input_id=name,
            label=name.capitalize(),
            placeholder=f"{_HINTS[name]} (blank: unchanged, none: clear)",
            required=False,
            multiline=name == "goals",
            max_length=LIMITS.get(name, MAX_ITEMS * (MAX_ITEM + 2)),
        )
        for name in FIELDS[:-1][: ctx.capabilities.max_form_inputs]
    )
    ctx.emit(
        OpenForm(
            key=ctx.key("form", interaction.platform, interaction.id),
            community=ctx.community,
            interaction=interaction,
            form=Form(form_id=FORM_ID, title="Your profile", inputs=inputs),
            private=True,
        )
    )


async def on_edit(event: ButtonPressed, ctx: Ctx) -> None:
    _open_form(ctx, event.interaction)


async def profile_set(event: CommandInvoked, ctx: Ctx) -> None:
    field = str(event.options.get("field") or "").strip().lower()
    value = str(event.options.get("value") or "")
    member, profile = await _mine(ctx, event.actor.user)
    if not field:
        how = (
            f"Change a field with `/cohort profile set FIELD VALUE` (fields: {', '.join(FIELDS)}; "
            "`none` clears one)"
        )
        if ctx.capabilities.modals:
            ctx.respond(
                event.interaction,
                f"{_own(ctx, profile)}\n{how}, or all but the persona with the button.",
                buttons=(Button(label="Edit my profile", action_id=EDIT),),
                private=True,
            )
            return
        ctx.respond(event.interaction, f"{_own(ctx, profile)}\n{how}.", private=True)
        return
    try:
        apply(profile, field, value, ctx.config)
    except FieldError as exc:
        ctx.respond(event.interaction, f"{exc}\nUsage: `/cohort profile set FIELD VALUE`.")
        return
    await _save(ctx, member, profile)
    if field == "persona":
        _persona_welcome(ctx, member, event.interaction, f"Saved.\n{_own(ctx, profile)}")
    else:
        ctx.respond(event.interaction, f"Saved.\n{_own(ctx, profile)}", private=True)


async def on_form(event: FormSubmitted, ctx: Ctx) -> None:
    member, profile = await _mine(ctx, event.actor.user)
    problems: list[str] = []
    for field, value in event.values.items():
        if field in FIELDS and value.strip():
            try:
                apply(profile, field, value, ctx.config)
            except FieldError as exc:
                problems.append(f"{field}: {exc}")
    await _save(ctx, member, profile)
    text = f"Saved.\n{_own(ctx, profile)}"
    if problems:
        text = "Saved, except:\n" + "\n".join(problems) + f"\n{_own(ctx, profile)}"
    ctx.respond(event.interaction, text, private=True)


async def on_persona(event: ButtonPressed, ctx: Ctx) -> None:
    member, profile = await _mine(ctx, event.actor.user)
    persona = ctx.config.persona(event.value)
    if persona is None:
        ctx.respond(
            event.interaction, "That persona is no longer offered: see `/cohort profile set persona`."
        )
        return
    profile.persona = persona.name
    await _save(ctx, member, profile)
    _persona_welcome(ctx, member, event.interaction, f"Thanks! Your persona: {literal(persona.label)}.")


async def profile_share(event: CommandInvoked, ctx: Ctx) -> None:
    who = str(event.options.get("who", "")).strip().lower()
    field = str(event.options.get("field") or "all").strip().lower()
    if who not in SHARES or field not in (*FIELDS, "all"):
        ctx.respond(
            event.interaction,
            f"Usage: `/cohort profile share WHO [FIELD]`: WHO is {', '.join(SHARES)}; "
            f"FIELD is one of {', '.join(FIELDS)} (or all, the default).",
        )
        return
    member, profile = await _mine(ctx, event.actor.user)
    share = SHARES[who]
    profile.share = {"all": share} if field == "all" else {**profile.share, field: share}
    await _save(ctx, member, profile)
    ctx.respond(event.interaction, f"Saved.\n{_own(ctx, profile)}", private=True)


async def profile_show(event: CommandInvoked, ctx: Ctx) -> None:
    target_id = str(event.options.get("member") or "").strip()
    if not target_id or target_id == event.actor.user.id:
        _member, profile = await _mine(ctx, event.actor.user)
        ctx.respond(event.interaction, _own(ctx, profile), private=True)
        return
    target = await ctx.member(UserRef(ctx.community.platform, target_id[:64]))
    if target is None or target.is_bot:
        ctx.respond(event.interaction, "I don't know that member. Usage: `/cohort profile show @member`.")
        return
    profile = ctx.section(target, ProfilesMember)
    lines = shown_lines(profile, ctx.config, own=False, moderator=ctx.is_moderator(event.actor))
    if not lines:
        ctx.respond(event.interaction, f"{literal(target.display_name)} shares no profile with you.")
        return
    ctx.respond(event.interaction, f"{mention(target.user)}'s profile:\n" + "\n".join(lines))


async def profile_find(event: CommandInvoked, ctx: Ctx) -> None:
    term = " ".join(str(event.options.get("term", "")).split()).lower()[:MAX_ITEM]
    if not term:
        ctx.respond(event.interaction, "Usage: `/cohort profile find SKILL_OR_INTEREST`, e.g. `python`.")
        return
    moderator = ctx.is_moderator(event.actor)
    lines: list[str] = []
    for member in sorted(await ctx.uow.members.list(ctx.community), key=lambda m: m.display_name.lower()):
        if member.is_bot:
            continue
        profile = ctx.section(member, ProfilesMember)
        own = member.user.id == event.actor.user.id
        found = [
            f"{field}: {literal(', '.join(getattr(profile, field)))}"
            for field in ("skills", "interests")
            if visible(profile, field, ctx.config, own=own, moderator=moderator)
            and any(term in item for item in getattr(profile, field))
        ]
        if found:
            lines.append(f"- {mention(member.user)} ({'; '.join(found)})")
    if not lines:
        ctx.respond(event.interaction, f"Nobody shares a skill or interest like {literal(term)} with you.")
        return
    head = f"Members with {literal(term)}:"
    budget = ctx.capabilities.max_message_length - len(head) - 50
    ctx.respond(event.interaction, "\n".join([head, *fit_lines(lines, budget)]))


async def profile_routing(event: CommandInvoked, ctx: Ctx) -> None:
    state = str(event.options.get("state", "")).strip().lower()
    if state not in ("on", "off"):
        ctx.respond(
            event.interaction, "Usage: `/cohort profile routing on` or `/cohort profile routing off`."
        )
        return
    member, profile = await _mine(ctx, event.actor.user)
    profile.routing_off = state == "off"
    await _save(ctx, member, profile)
    if profile.routing_off:
        text = "Done: I won't invite you to help with questions."
    else:
        text = "Done: I may invite you (a few times a week at most) to help with questions on your skills."
    if ctx.config.routing is None:
        text += " (Help routing is not set up in this community yet.)"
    ctx.respond(event.interaction, text)


_FIELD = OptionSpec(name="field", description=f"one of {', '.join(FIELDS)}", required=False, choices=FIELDS)

COMMANDS: tuple[Command, ...] = (
    command(
        "profile set",
        "Your profile: interests, skills, goals, time zone, pronouns, persona",
        profile_set,
        _FIELD,
        OptionSpec(name="value", description="the new value (none clears it)", required=False, rest=True),
    ),
    command(
        "profile share",
        "Whom you share your profile (or one field) with",
        profile_share,
        OptionSpec(name="who", description="members, moderators or nobody", choices=tuple(SHARES)),
        OptionSpec(
            name="field", description="one field, or all (default)", required=False, choices=(*FIELDS, "all")
        ),
    ),
    command(
        "profile show",
        "A member's profile (what they share with you), or yours",
        profile_show,
        OptionSpec(
            name="member", description="the member (a mention or an id)", kind=OptionKind.USER, required=False
        ),
    ),
    command(
        "profile find",
        "Members who share a skill or interest",
        profile_find,
        OptionSpec(name="term", description="a skill or interest, e.g. python", rest=True),
    ),
    command(
        "profile routing",
        "Whether I may invite you to help with questions matching your skills",
        profile_routing,
        OptionSpec(name="state", description="on or off", choices=("on", "off")),
    ),
)
