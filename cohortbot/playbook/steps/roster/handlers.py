"""The roster step: the facilitators' roster of expected learners, matched as they join.

- ``cohortbot roster import FILE.csv`` (``bot/roster_cli.py``) stores the rows, each with a
  one-time join code; re-importing updates rows by email.
- A member is matched when they join (email, handle: ``matching.py``), or with their code
  (``/cohort course join CODE``, or a DM that is exactly the code); a row with a cohort enrols them
  (``cohorts.api.Enrol``, source ``roster``).
- Moderators: ``/cohort course roster [missing]``, and a daily list of who hasn't joined yet in the
  moderators' channel while anyone hasn't (``daily``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cohortbot.playbook.events import MemberJoined, MessagePosted, ScheduleFired
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.model import CHANNEL_ROLES, CommunityPlaybook
from cohortbot.playbook.step import ScheduleSpec, Step, StepContext
from cohortbot.playbook.steps.roster import privacy
from cohortbot.playbook.steps.roster.commands import COMMANDS, titles
from cohortbot.playbook.steps.roster.config import RosterConfig
from cohortbot.playbook.steps.roster.listing import missing_lines
from cohortbot.playbook.steps.roster.matching import Reconcile, on_direct_message, on_member_joined, reconcile
from cohortbot.playbook.steps.roster.model import (
    STEP_NAME,
    Bucket,
    CodeIndex,
    HandleIndex,
    Pending,
    RosterMember,
)
from cohortbot.playbook.steps.roster.store import RosterStore

__all__ = ["STEP"]

log = logging.getLogger("cohortbot.steps.roster")
Ctx = StepContext[RosterConfig]
DAILY = "daily"


def schedules(cfg: RosterConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    if cfg.daily is None:
        return []
    return [ScheduleSpec(name=DAILY, cron=cfg.daily, grace=timedelta(hours=6), where=("daily",))]


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    """The daily list: who on the roster hasn't joined yet (nothing once everyone has)."""
    if event.schedule != f"{STEP_NAME}.{DAILY}":
        return
    rows = [row for row in (await RosterStore(ctx.docs).all_rows()).values()]
    missing = missing_lines(rows, titles(ctx))
    if not missing:
        return
    spec = ctx.config.channel.removeprefix("#")
    channel = ctx.channel(spec) if spec in CHANNEL_ROLES else ctx.resolve(spec)
    if channel is None:
        log.warning("roster daily list for %s: the playbook has no %s channel", ctx.community, spec)
        return
    count = sum(1 for row in rows if not row.joined)
    header = ctx.fill(ctx.config.daily_header, count=str(count))
    text = "\n".join(fit_lines([header, *missing], ctx.capabilities.max_message_length))
    ctx.post(channel, text, key=ctx.key(DAILY, event.occurrence.isoformat()))


STEP = Step(
    name=STEP_NAME,
    config=RosterConfig,
    handlers={MemberJoined: on_member_joined, MessagePosted: on_direct_message, ScheduleFired: on_schedule},
    timers={Reconcile: reconcile},
    commands=COMMANDS,
    schedules=schedules,
    documents=(Bucket, CodeIndex, HandleIndex, Pending),
    section=RosterMember,
    export=privacy.export,
    forget=privacy.forget,
)
