"""The surveys step's moderator commands: list, send, results (with charts), CSV export."""

from __future__ import annotations

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import Attachment, RichMessage, channel_link, literal
from cohortbot.playbook.step import Command, StepContext, command
from cohortbot.playbook.steps.surveys.config import Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.model import Round
from cohortbot.playbook.steps.surveys.rounds import load_answers, load_summary, rounds_of
from cohortbot.playbook.steps.surveys.sending import audience, fallback_channel, send_round, today
from cohortbot.playbook.steps.surveys.summary import answers_csv, shown, summary_charts, summary_lines

__all__ = ["COMMANDS"]

Ctx = StepContext[SurveysConfig]


async def _named(ctx: Ctx, event: CommandInvoked) -> Survey | None:
    name = str(event.options.get("name", ""))
    survey = ctx.config.survey(name)
    if survey is None:
        known = ", ".join(s.name for s in ctx.config.surveys) or "none configured"
        ctx.respond(event.interaction, f"No survey named {literal(repr(name))}. Surveys: {known}.")
    return survey


async def send(event: CommandInvoked, ctx: Ctx) -> None:
    survey = await _named(ctx, event)
    if survey is None:
        return
    present = await audience(ctx)
    count = await send_round(ctx, survey, f"manual-{today(ctx)}", present, reason="moderator")
    title = literal(survey.title)
    if count == 0:
        ctx.respond(
            event.interaction,
            f"Nobody new to send **{title}** to: the {len(present)} member(s) here already got "
            "today's round. `/cohort survey list` shows how many it reached.",
        )
        return
    # Delivery happens after this answer: say what will happen, not what did.
    fallback = fallback_channel(ctx)
    refused = (
        f"members who don't accept DMs get it in {channel_link(fallback)}"
        if fallback is not None
        else "members who don't accept DMs won't get it (no fallback channel)"
    )
    ctx.respond(
        event.interaction,
        f"Sending **{title}** to {count} member(s) by direct message; {refused}. "
        "`/cohort survey list` shows how many it has reached.",
    )


def reach(rounds: list[Round], fallback: str) -> str:
    """Whom the rounds reached: "reached 9 of 10 (2 in #general), 1 not (yet)"."""
    tracked = [r for r in rounds if r.tracked]
    if not tracked:
        return ""
    invited = sum(r.invited_count for r in tracked)
    reached = sum(r.reached for r in tracked)
    in_channel = sum(len(r.in_channel) for r in tracked)
    text = f"; reached {reached} of {invited}"
    if in_channel:
        text += f" ({in_channel} in {fallback}: no DMs)"
    if invited > reached:
        text += f", {invited - reached} not reached (DMs refused, or still being sent)"
    return text


async def results(event: CommandInvoked, ctx: Ctx) -> None:
    survey = await _named(ctx, event)
    if survey is None:
        return
    round_id = str(event.options.get("round") or "") or None
    summary = await load_summary(ctx.docs, survey, minimum=ctx.config.minimum(survey), round_id=round_id)
    attachments: tuple[Attachment, ...] = ()
    if ctx.charts is not None and summary.responses:
        attachments = tuple(ctx.charts.render(chart) for chart in summary_charts(summary))
    scope = f" (round {literal(round_id)})" if round_id else ""
    ctx.respond(
        event.interaction,
        "\n".join(summary_lines(summary, limit=ctx.capabilities.max_message_length)),
        title=f"Survey results: {literal(survey.title)}{scope}",
        attachments=attachments,
    )


async def export(event: CommandInvoked, ctx: Ctx) -> None:
    survey = await _named(ctx, event)
    if survey is None:
        return
    minimum = ctx.config.minimum(survey)
    sets, held = shown([s.model_dump() for s in (await load_answers(ctx.docs, survey.name)).sets], minimum)
    names: dict[str, str] = {}
    if not survey.anonymous:
        members = await ctx.uow.members.list(ctx.community, present_only=False)
        names = {m.user.id: m.display_name for m in members}
    text = f"**{literal(survey.title)}**: {len(sets)} answer set(s)"
    text += " (anonymous: no names, no times)." if survey.anonymous else "."
    if held:
        text += (
            f" Not included: {sum(h.responses for h in held)} answer set(s) of round(s) with fewer "
            f"than {minimum} responses ({', '.join(h.round for h in held)})."
        )
    data = answers_csv(survey, sets, names=names).encode()
    csv_file = Attachment(filename=f"survey-{survey.name}.csv", content_type="text/csv", data=data)
    ctx.dm(
        event.actor.user,
        RichMessage(text=text, attachments=(csv_file,)),
        key=ctx.key("export", survey.name, event.actor.user.id, event.event_id),
        private=True,  # members' answers (and names): the outbox keeps no copy once sent
    )
    ctx.respond(
        event.interaction, f"I've sent you the CSV of **{literal(survey.title)}** in a direct message."
    )


async def list_(event: CommandInvoked, ctx: Ctx) -> None:
    fallback = fallback_channel(ctx)
    where = channel_link(fallback) if fallback is not None else "the fallback channel"
    lines = []
    for survey in ctx.config.surveys:
        sent = await rounds_of(ctx.docs, survey.name)
        answered = sum(len(r.answered) for r in sent)
        invited = sum(r.invited_count for r in sent)
        how = f"cron `{survey.schedule}`" if survey.schedule else "on demand"
        kind = "anonymous" if survey.anonymous else "named"
        lines.append(
            f"- **{survey.name}** — {literal(survey.title)} "
            f"({kind}, {len(survey.questions)} questions, {how}): "
            f"{len(sent)} round(s), {answered}/{invited} answered{reach(sent, where)}"
        )
    ctx.respond(event.interaction, "\n".join(lines) or "No surveys in this playbook.", title="Surveys")


NAME = OptionSpec(name="name", description="The survey's name in the playbook")
COMMANDS: tuple[Command, ...] = (
    command("survey list", "The playbook's surveys, their rounds and responses", list_, moderator=True),
    command(
        "survey send",
        "Send a survey now to every present member, by DM (else in the fallback channel)",
        send,
        NAME,
        moderator=True,
    ),
    command(
        "survey results",
        "A survey's results: response rate, means, NPS, choices, texts, charts",
        results,
        NAME,
        OptionSpec(name="round", description="Only this round (e.g. 2026-03-20)", required=False),
        moderator=True,
    ),
    command(
        "survey export", "A survey's answers as a CSV file, sent to you by DM", export, NAME, moderator=True
    ),
)
