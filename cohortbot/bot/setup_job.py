"""The setup job: performs ``RunSetup`` actions (``/cohort setup``, ``/cohort status``'s checks)
off the event path.

Looking at a server means REST calls to the platform (channels, roles, permissions: seconds on
a big server), and applying a plan creates things there: no decision may wait for that. So the
command only records a ``RunSetup`` in the outbox (with the decision: it survives a crash and
runs once); the deliverer hands each claimed one here instead of to an adapter, as it hands
``BuildReport`` rows to the reports job. The job opens a platform admin session (the same one
``cohortbot setup`` and ``doctor`` use: ``adapters/workspace.py``), runs the platform-neutral
plan of ``bot/setup.py`` or the checks of ``bot/doctor.py`` for the one community that asked,
and answers the interaction through the platform's adapter, under the outbox row's lease.

A process killed while applying leaves the row to be performed again: the plan is made again
from what exists (by name), so what was created is found, not created twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from cohortbot.adapters.base import Delivered, PermanentDeliveryError, PlatformAdapter
from cohortbot.adapters.workspace import AdminError, AdminSession, CommunityInfo
from cohortbot.bot.doctor import check_community
from cohortbot.bot.setup import Plan, apply, needs_of, plan
from cohortbot.playbook.actions import Action, PostMessage, RespondToInteraction, RunSetup
from cohortbot.playbook.engine import Engine
from cohortbot.playbook.messages import RichMessage, literal, timestamp
from cohortbot.playbook.ports import Clock
from cohortbot.playbook.refs import Platform
from cohortbot.playbook.step import LoadedPlaybook

__all__ = ["ANSWER_WITHIN", "TASKS", "Sessions", "SetupJob"]

log = logging.getLogger("cohortbot.setup")

TASKS = ("plan", "apply", "check")
# Discord accepts follow-ups to an interaction for 15 minutes (Slack's response_url: 30); an
# answer ready later than this after the command goes to the action's channel instead.
ANSWER_WITHIN = timedelta(minutes=14)
Sessions = Callable[[Platform], AdminSession | None]
"""A new admin session for a platform (None: nothing to set up there, e.g. the console)."""


class SetupJob:
    """Reads the playbooks the engine decides with; opens a new admin session per action."""

    def __init__(self, engine: Engine, sessions: Sessions, clock: Clock, *, timeout: float = 60.0) -> None:
        self.engine = engine
        self.sessions = sessions
        self.clock = clock
        self.timeout = timeout  # within the outbox row's lease (2 minutes)

    async def perform(self, action: RunSetup, adapter: PlatformAdapter, *, resumed: bool) -> Delivered:
        """Run ``action``'s task for its community and answer it through ``adapter``."""
        if action.task not in TASKS:
            raise PermanentDeliveryError(f"no such setup task: {action.task!r}")
        loaded = self.engine.playbooks.for_community(action.community)
        if loaded is None:
            raise PermanentDeliveryError(f"{action.community} no longer runs a playbook")
        session = self.sessions(action.community.platform)
        if session is None:
            if action.task == "check":
                return Delivered()  # nothing the platform could say: the status answer is all
            text = (
                f"Setup works on Discord and Slack: the {action.community.platform} has nothing "
                "to set up (its channels and roles exist as the playbook names them)."
            )
        else:
            text = await self._run(action, loaded, session)
        if not text:
            return Delivered()
        title = {"check": "Setup checks"}.get(action.task, "cohortbot setup")
        name = loaded.community.display_name(action.community)
        answer = self._answer(action, RichMessage(title=f"{title}: {name}", text=text))
        log.info("%s %s done; answering as %s", action.task, action.key, answer.kind)
        return await adapter.perform(answer, resumed=resumed)

    async def _run(self, action: RunSetup, loaded: LoadedPlaybook, session: AdminSession) -> str:
        ref = action.community
        community = CommunityInfo(str(ref.platform), ref.id, ref.name or ref.id)
        done: list[str] = []
        try:
            async with asyncio.timeout(self.timeout):
                await session.open()
                try:
                    return await self._task(action.task, loaded, session, community, done)
                finally:
                    await session.close()
        except AdminError as exc:
            stopped = f"The platform refused: {literal(str(exc))}"
        except TimeoutError:
            stopped = f"The platform did not answer within {self.timeout:.0f} seconds."
        log.warning("%s %s stopped: %s", action.task, action.key, stopped)
        if action.task == "check":
            return f"The checks could not run. {stopped} `cohortbot doctor` says more."
        lines = [stopped]
        if done:
            lines += ["Done before it stopped:", *(f"• {literal(line)}" for line in done)]
        lines.append("Fix it and run `/cohort setup` again (it finds what exists).")
        return "\n".join(lines)

    async def _task(
        self,
        task: str,
        loaded: LoadedPlaybook,
        session: AdminSession,
        community: CommunityInfo,
        done: list[str],
    ) -> str:
        if task == "check":
            failed = [f for f in await check_community(session, community, loaded) if not f.ok]
            if not failed:
                return ""
            lines = [f"{len(failed)} problem(s), as `cohortbot doctor` finds them:"]
            for finding in failed:
                fix = f" — fix: {literal(finding.fix)}" if finding.fix else ""
                lines.append(f"• {literal(finding.check)}{fix}")
            if any("cohortbot setup" in finding.fix for finding in failed):
                lines.append("`/cohort setup apply` creates what is missing.")
            return "\n".join(lines)
        needs = needs_of(loaded, session.platform)
        workspace = await session.workspace(community)
        steps = await plan(needs, workspace)
        if task == "plan" or steps.empty:
            return _plan_text(steps)
        await apply(needs, steps.changes, workspace, done=done)
        lines = [f"Done: {len(done)} change(s).", *(f"• {literal(line)}" for line in done)]
        lines += [f"Note: {literal(note)}" for note in steps.notes]
        return "\n".join(lines)

    def _answer(self, action: RunSetup, message: RichMessage) -> Action:
        """The answer to the interaction while it can still be answered, else a post in the channel."""
        asked = action.requested_at
        late = asked is not None and self.clock.now() - asked >= ANSWER_WITHIN
        if late and action.channel is not None:
            footer = f"asked for with /cohort setup at {timestamp(asked)}" if asked is not None else ""
            return PostMessage(
                key=f"{action.key}:answer",
                community=action.community,
                channel=action.channel,
                message=RichMessage(title=message.title, text=message.text, footer=footer),
                origin=action.origin,
            )
        return RespondToInteraction(
            key=f"{action.key}:answer",
            community=action.community,
            interaction=action.interaction,
            message=message,
            origin=action.origin,
        )


def _plan_text(steps: Plan) -> str:
    lines: list[str] = []
    if steps.present:
        lines.append(literal("Already there: " + ", ".join(steps.present)))
    if steps.empty:
        lines.append("Nothing to do: everything the playbook names exists.")
    else:
        lines.append(f"To do ({len(steps.changes)}):")
        lines += [f"• {literal(str(change))}" for change in steps.changes]
    lines += [f"Note: {literal(note)}" for note in steps.notes]
    if not steps.empty:
        lines.append("Nothing is changed yet: `/cohort setup apply` makes these changes.")
    return "\n".join(lines)
