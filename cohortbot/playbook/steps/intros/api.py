"""What other steps may read from the intros step (its published API)."""

from __future__ import annotations

from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.intros.model import STEP_NAME, Rounds

__all__ = ["confirmed_connections"]


async def confirmed_connections(uow: UnitOfWork, community: CommunityRef) -> int:
    """Matches confirmed met: at least one of them answered "did you meet?" with yes."""
    rounds = await DocumentStore(uow.state, community, STEP_NAME).load(Rounds)
    return rounds.confirmed()
