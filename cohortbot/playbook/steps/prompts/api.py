"""What other steps may read from the prompts step (its published API)."""

from __future__ import annotations

from cohortbot.playbook.analytics.split import PromptEngagement
from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.prompts.model import STEP_NAME, PostedLog

__all__ = ["PromptEngagement", "engagement"]


async def engagement(uow: UnitOfWork, community: CommunityRef) -> list[PromptEngagement]:
    """Every remembered prompt's replies and repliers (counts only), newest first."""
    log = await DocumentStore(uow.state, community, STEP_NAME).load(PostedLog)
    return log.engagement()
