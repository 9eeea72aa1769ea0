"""The surveys step's moderator commands: list, send, results (with charts), CSV export."""

from __future__ import annotations

from typing import Any

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.commands import CommandSpec, OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.messages import Attachment, RichMessage
from cohortbot.playbook.step import Command, StepContext
from cohortbot.playbook.steps.surveys.model import Survey, SurveysConfig
from cohortbot.playbook.steps.surveys.send import audience, send_round, today
from cohortbot.playbook.steps.surveys.store import answer_sets, load_summary, rounds
from cohortbot.playbook.steps.surveys.summary import answers_csv, summary_charts, summary_lines

__all__ = ["COMMANDS"]

Ctx = StepContext[SurveysConfig]


async def _named(ctx: Ctx, event: CommandInvoked) -> Survey | None:
    name = str(event.options.get("name", ""))
    survey = ctx.config.survey(name)
    if survey is None:
        known = ", ".join(s.name for s in ctx.config.surveys) or "none configured"
        ctx.respond(event.interaction, f"No survey named {name!r}. Surveys: {known}.")
    return survey


async def send(event: CommandInvoked, ctx: Ctx) -> None:
    survey = await _named(ctx, event)
    if survey is None:
        return
    count = await send_round(ctx, survey, f"manual-{today(ctx)}", await audience(ctx), reason="moderator")
    ctx.respond(event.interaction, f"Sent **{survey.title}** to {count} member(s) by direct message.")


async def results(event: CommandInvoked, ctx: Ctx) -> None:
    survey = await _named(ctx, event)
    if survey is None:
        return
    round_id = event.options.get("round") or None
    summary = await load_summary(ctx.uow, ctx.community, survey, round_id=round_id)
    attachments: tuple[Attachment, ...] = ()
    if ctx.charts is not None and summary.responses:
        attachments = tuple(ctx.charts.render(chart) for chart in summary_charts(summary))
    scope = f" (round {round_id})" if round_id else ""
    ctx.respond(
        event.interaction,
        "\n".join(summary_lines(summary)),
        title=f"Survey results: {survey.title}{scope}",
        attachments=attachments,
    )


async def export(event: CommandInvoked, ctx: Ctx) -> None:
    survey = await _named(ctx, event)
    if survey is None:
        return
    sets = await answer_sets(ctx.uow, ctx.community, survey.name)
    names: dict[str, str] = {}
    if not survey.anonymous:
        names = {
            m.user.id: m.display_name for m in await ctx.uow.members.list(ctx.community, present_only=False)
        }
    data = answers_csv(survey, sets, names=names).encode()
    ctx.emit(
        SendDirectMessage(
            key=f"surveys-export:{ctx.community}:{survey.name}:{event.actor.user.id}:{event.event_id}",
            community=ctx.community,
            to=event.actor.user,
            message=RichMessage(
                text=f"**{survey.title}**: {len(sets)} answer set(s)"
                + (" (anonymous: no names, no times)." if survey.anonymous else "."),
                attachments=(
                    Attachment(filename=f"survey-{survey.name}.csv", content_type="text/csv", data=data),
                ),
            ),
        )
    )
    ctx.respond(event.interaction, f"I've sent you the CSV of **{survey.title}** in a direct message.")


async def list_(event: CommandInvoked, ctx: Ctx) -> None:
    lines = []
    for survey in ctx.config.surveys:
        sent = await rounds(ctx.uow, ctx.community, survey.name)
        answered = sum(len(r.answered) for r in sent)
        invited = sum(len(r.invited) for r in sent)
        how = f"cron `{survey.schedule}`" if survey.schedule else "on demand"
        kind = "anonymous" if survey.anonymous else "named"
        lines.append(
            f"- **{survey.name}** — {survey.title} ({kind}, {len(survey.questions)} questions, {how}): "
            f"{len(sent)} round(s), {answered}/{invited} answered"
        )
    ctx.respond(event.interaction, "\n".join(lines) or "No surveys in this playbook.", title="Surveys")


def _cmd(path: tuple[str, ...], description: str, handler: Any, *options: OptionSpec) -> Command:
    return Command(
        spec=CommandSpec(path=path, description=description, options=options, moderator=True), handler=handler
    )


NAME = OptionSpec(name="name", description="The survey's name in the playbook")
COMMANDS: tuple[Command, ...] = (
    _cmd(("survey", "list"), "The playbook's surveys, their rounds and responses", list_),
    _cmd(("survey", "send"), "Send a survey now to every present member, by DM", send, NAME),
    _cmd(
        ("survey", "results"),
        "A survey's results: response rate, means, NPS, choices, texts, charts",
        results,
        NAME,
        OptionSpec(name="round", description="Only this round (e.g. 2026-03-20)", required=False),
    ),
    _cmd(("survey", "export"), "A survey's answers as a CSV file, sent to you by DM", export, NAME),
)
