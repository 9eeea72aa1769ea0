"""Core bookkeeping every community gets: the member roster, ``/cohort status``, ``setup``, ``help``
and ``calendar``.

``/cohort setup`` and the checks ``/cohort status`` adds talk to the platform (channels, roles,
permissions): they are decided here as a ``RunSetup`` the bot's setup job performs off the event
path (``bot/setup_job.py``), and arrive as a follow-up answer.

``/cohort calendar`` answers with the community's calendar feed URL, which the composition
root builds (the ``Links`` port, ``bot/calendar_links.py``): the engine never sees the secret
the URL is made from.
"""

from __future__ import annotations

from datetime import timedelta

from cohortbot.playbook.actions import RunSetup
from cohortbot.playbook.commands import HELP_TOPIC, CommandSpec, OptionSpec
from cohortbot.playbook.events import (
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessagePosted,
    ReactionAdded,
)
from cohortbot.playbook.help import group_commands, help_text
from cohortbot.playbook.messages import literal
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.step import Command, Step, StepContext

__all__ = ["CHECKING", "STEP", "CoreConfig"]

CHECKING = "If the checks of `cohortbot doctor` find a problem here, it follows in a moment."
SETUP_MODE = OptionSpec(
    name="mode",
    description="plan (the default): what is missing; apply: create it",
    choices=("plan", "apply"),
    required=False,
)


class CoreConfig(StepConfig):
    """No settings: the core is always on."""


Ctx = StepContext[CoreConfig]


async def on_joined(event: MemberJoined, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.member, display_name=event.display_name)
    returning = member.left_at is not None or member.joined_at is None
    if member.join_count == 0 or returning:
        member.joined_at = event.occurred_at
        member.left_at = None
        member.join_count += 1
    member.display_name = event.display_name
    member.is_bot = event.is_bot
    member.pending = event.pending
    await ctx.uow.members.save(member)


async def on_updated(event: MemberUpdated, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.member, display_name=event.display_name)
    member.display_name = event.display_name
    member.pending = event.pending
    await ctx.uow.members.save(member)


async def on_left(event: MemberLeft, ctx: Ctx) -> None:
    member = await ctx.member(event.member)
    if member is not None and member.left_at is None:
        member.left_at = event.occurred_at
        await ctx.uow.members.save(member)


async def on_message(event: MessagePosted, ctx: Ctx) -> None:
    if event.is_bot or event.is_direct:
        return
    member = await ctx.touch_member(event.author)
    member.first_post_at = member.first_post_at or event.occurred_at
    member.last_active_at = event.occurred_at
    await ctx.uow.members.save(member)


async def on_reaction(event: ReactionAdded, ctx: Ctx) -> None:
    member = await ctx.touch_member(event.user)
    member.last_active_at = event.occurred_at
    await ctx.uow.members.save(member)


async def status(event: CommandInvoked, ctx: Ctx) -> None:
    loaded = ctx.loaded
    stats = await ctx.uow.outbox.stats(ctx.community)
    members = await ctx.uow.members.counts(ctx.community)
    missed = await ctx.uow.claims.list(ctx.community, status="missed", since=ctx.now - timedelta(days=7))
    steps = ", ".join(name for name, cfg in loaded.steps.items() if cfg.enabled) or "none"
    lines = [
        f"Playbook: **{loaded.name}** ({loaded.source})",
        f"Steps enabled: {steps}",
        f"Members: {members.present} present, {members.welcomed} welcomed, "
        f"{members.onboarded} onboarded, {members.introduced} introduced",
        f"Outbox: {stats.pending} pending, {stats.parked} parked, {stats.delivered} delivered",
    ]
    if stats.last_errors:
        lines.append("Last errors:")
        lines += [f"- {key}: {error} (<t:{int(when.timestamp())}>)" for key, error, when in stats.last_errors]
    if missed:
        lines.append(f"Missed schedule occurrences (7 days): {len(missed)}")
        lines += [f"- {name} at <t:{int(when.timestamp())}>" for name, when, _ in list(missed)[:5]]
    lines.append(CHECKING)
    ctx.respond(
        event.interaction,
        "\n".join(lines),
        title=f"cohortbot status: {ctx.playbook.display_name(ctx.community)}",
    )
    run_setup(event, ctx, "check")


async def setup(event: CommandInvoked, ctx: Ctx) -> None:
    """One answer, the plan or what was done, once the setup job has looked (Discord shows the
    bot "thinking" meanwhile; Slack and the console have acknowledged the command)."""
    run_setup(event, ctx, str(event.options.get("mode") or "plan"))


def run_setup(event: CommandInvoked, ctx: Ctx, task: str) -> None:
    """Decide to look at the platform (recorded in the outbox with this decision)."""
    ctx.emit(
        RunSetup(
            key=ctx.key(task, event.interaction.platform, event.interaction.id),
            community=ctx.community,
            task=task,
            interaction=event.interaction,
            requested_at=ctx.now,
            # Where the answer goes if it is ready only after the interaction can no longer be answered.
            channel=ctx.channel("moderators"),
        )
    )


async def help_(event: CommandInvoked, ctx: Ctx) -> None:
    """The caller's commands, grouped; ``topic`` narrows it (an unknown command arrives here)."""
    moderator = ctx.is_moderator(event.actor)
    step_of = {command.spec.path: step.name for step in ctx.peers for command in step.commands}
    groups = group_commands([s for s in ctx.catalog if moderator or not s.moderator], step_of)
    hidden = [] if moderator else group_commands([s for s in ctx.catalog if s.moderator], step_of)
    answer = help_text(
        groups,
        hidden,
        str(event.options.get("topic") or ""),
        limit=ctx.capabilities.max_message_length,
        community=ctx.playbook.display_name(ctx.community),
    )
    ctx.respond(event.interaction, answer.text, title=answer.title)


SUBSCRIBE = (
    "Subscribe to it (rather than downloading the file once) and it stays up to date:\n"
    "- Google Calendar: *Other calendars* → **+** → *From URL*, paste the address\n"
    "- Apple Calendar: *File* → *New Calendar Subscription* "
    "(iPhone: *Settings* → *Calendar* → *Accounts* → *Add Subscribed Calendar*)\n"
    "- Outlook: *Add calendar* → *Subscribe from web*\n"
    "Times show in your own time zone. The address is for this community: please don't post it publicly."
)


async def calendar(event: CommandInvoked, ctx: Ctx) -> None:
    """The community's calendar feed: its URL and how to subscribe, or why there is none."""
    url = ctx.links.calendar_url(ctx.community) if ctx.links is not None else None
    if url is None:
        text = "There is no calendar feed for this community yet."
        if ctx.is_moderator(event.actor):
            text += (
                " To turn it on, set COHORTBOT_CALENDAR_SECRET and COHORTBOT_PUBLIC_URL where the bot "
                "runs (README, *Calendar*); `cohortbot doctor` checks them."
            )
        else:
            text += " The moderators can turn it on."
        ctx.respond(event.interaction, text)
        return
    community = literal(ctx.playbook.display_name(ctx.community))
    text = (
        f"The calendar of {community}: live sessions, deadlines, the cohort's weeks and assignments.\n"
        f"`{url}`\n{SUBSCRIBE}"
    )
    # private: once delivered, the outbox keeps neither the answer nor its URL.
    ctx.respond(event.interaction, text, title="Your calendar", private=True)


STEP = Step(
    name="core",
    config=CoreConfig,
    always_on=True,
    handlers={
        MemberJoined: on_joined,
        MemberUpdated: on_updated,
        MemberLeft: on_left,
        MessagePosted: on_message,
        ReactionAdded: on_reaction,
    },
    commands=(
        Command(
            spec=CommandSpec(
                path=("status",),
                description="Steps enabled, the outbox (pending, parked), last errors",
                moderator=True,
            ),
            handler=status,
        ),
        Command(
            spec=CommandSpec(
                path=("setup",),
                description="What the server lacks for the playbook (channels, roles); `apply` creates it",
                options=(SETUP_MODE,),
                moderator=True,
            ),
            handler=setup,
        ),
        Command(
            spec=CommandSpec(
                path=("help",),
                description="What you can ask cohortbot (a topic, e.g. match, narrows it)",
                options=(HELP_TOPIC,),
            ),
            handler=help_,
        ),
        Command(
            spec=CommandSpec(
                path=("calendar",),
                description="Sessions and deadlines in your own calendar app",
            ),
            handler=calendar,
        ),
    ),
)
