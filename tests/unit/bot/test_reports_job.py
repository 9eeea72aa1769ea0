"""``/cohort health`` off the event path: the command answers at once, the report is built by
the reports job from a ``BuildReport`` recorded in the outbox, and arrives once, later; the
runtime decides and delivers other events while a report is being built."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from cohortbot.bot.reports_job import ReportsJob
from cohortbot.playbook.actions import BuildReport, PostMessage, RespondToInteraction, SendDirectMessage
from cohortbot.playbook.commands import parse_command_text
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.refs import InteractionRef, Platform
from cohortbot.playbook.steps.health.commands import PREPARING
from cohortbot.playbook.steps.health.weeks import DASH
from tests.harness import Harness, sqlite_url
from tests.unit.steps.health.support import HEALTH_STEPS, PLAYBOOK, with_synthetic_community

TITLE = f"Community health: Test Community, 30 Mar{DASH}5 Apr 2026"


class HeldReads:
    """The report's aggregate reads wait until released: a report that takes its time."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[Any]:
        async with self.factory() as uow:
            summary = uow.activity.summary  # the report's first read of the activity

            async def held_summary(*args: Any, **kwargs: Any) -> Any:
                self.started.set()
                await self.release.wait()
                return await summary(*args, **kwargs)

            uow.activity.summary = held_summary
            yield uow


def hold_reports(bot: Harness) -> HeldReads:
    job = bot.runtime.deliverer.reports
    assert isinstance(job, ReportsJob)
    held = HeldReads(job._uow)
    job._uow = held
    return held


async def ask(bot: Harness, text: str = "health 3", *, by: str = "mod", id: str = "ask-1") -> InteractionRef:
    """``/cohort TEXT`` by ``by``, decided but not delivered yet."""
    parsed = parse_command_text(text, bot.adapter.commands)
    interaction = InteractionRef(Platform.MEMORY, id, token="tok")
    await bot.send(
        CommandInvoked,
        settle=False,
        actor=bot.actor(by),
        channel=bot.channel("general"),
        interaction=interaction,
        path=parsed.spec.path,
        options=parsed.options,
    )
    return interaction


def reports_to(bot: Harness, interaction: InteractionRef) -> list[RespondToInteraction]:
    return [
        a
        for a in bot.of(RespondToInteraction)
        if isinstance(a, RespondToInteraction) and a.interaction.id == interaction.id and a.message.title
    ]


async def test_health_answers_at_once_and_other_events_go_on_while_the_report_is_built(
    tmp_path: Path,
) -> None:
    bot = await with_synthetic_community(tmp_path)
    held = hold_reports(bot)
    interaction = await ask(bot)
    await bot.runtime.deliverer.deliver_due()  # the answer goes out; the report job starts
    await asyncio.wait_for(held.started.wait(), timeout=5)
    answer = bot.answer(interaction)
    assert answer is not None and answer.ephemeral and answer.message.text == PREPARING
    assert reports_to(bot, interaction) == []
    # While the report is being read, a member joins and another asks for help: both are
    # decided, and the answer delivered, meanwhile.
    await bot.join("zoe", settle=False)
    help_asked = await ask(bot, "help", by="alice", id="ask-2")
    await bot.runtime.deliverer.deliver_due()
    assert await bot.member("zoe") is not None
    helped = bot.answer(help_asked)
    assert helped is not None and "/cohort" in helped.message.text
    assert not held.release.is_set()
    assert reports_to(bot, interaction) == []
    held.release.set()
    await bot.runtime.deliverer.finish_reports()
    [report] = reports_to(bot, interaction)
    assert report.ephemeral and report.message.title == TITLE
    assert [a.filename for a in report.message.attachments] == [
        "participation.png",
        "channels.png",
        "sentiment.png",
    ]
    await bot.runtime.settle()
    assert len(reports_to(bot, interaction)) == 1
    await bot.close()


async def test_a_report_ready_after_the_interaction_expired_is_posted_in_the_moderators_channel(
    tmp_path: Path,
) -> None:
    bot = await with_synthetic_community(tmp_path)
    held = hold_reports(bot)
    interaction = await ask(bot)
    await bot.runtime.deliverer.deliver_due()
    await asyncio.wait_for(held.started.wait(), timeout=5)
    bot.clock.set(bot.clock.now() + timedelta(minutes=20))  # Discord's 15 minutes are over
    held.release.set()
    await bot.runtime.deliverer.finish_reports()
    assert reports_to(bot, interaction) == []
    [post] = [p for p in bot.posts_in("mod-team") if p.message.title == TITLE]
    assert "asked for with /cohort health" in (post.message.footer or "")
    await bot.close()


async def test_a_report_whose_process_was_killed_while_building_it_arrives_once_after_restart(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    first = await Harness.start(tmp_path, PLAYBOOK, url=url, steps=HEALTH_STEPS)
    await first.post("alice", "general", "Is the session recorded?")
    held = hold_reports(first)
    interaction = await ask(first)
    await first.runtime.deliverer.deliver_due()  # the row is claimed (leased) and the job starts
    await asyncio.wait_for(held.started.wait(), timeout=5)
    [request] = [a for a in first.of(RespondToInteraction) if a.interaction.id == interaction.id]
    assert request.message.text == PREPARING
    for job in asyncio.all_tasks():  # the process dies: the job ends with nothing recorded
        if job.get_name().startswith("report "):
            job.cancel()
    await asyncio.sleep(0)
    await first.close()

    # Restarted after the lease ran out: the report is built and sent, as a possible repeat.
    second = await Harness.start(
        tmp_path, PLAYBOOK, url=url, steps=HEALTH_STEPS, start=first.clock.now() + timedelta(minutes=3)
    )
    await second.runtime.settle()
    [report] = reports_to(second, interaction)
    assert report.message.title.startswith("Community health: Test Community")
    assert second.adapter.resumed == [report.key]
    assert second.of(BuildReport) == [] and second.of(PostMessage) == []
    await second.runtime.settle()
    assert len(reports_to(second, interaction)) == 1
    assert [a for a in second.performed if isinstance(a, SendDirectMessage)] == []
    await second.close()
