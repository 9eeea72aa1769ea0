"""What other steps may read from the profiles step (its published API)."""

from __future__ import annotations

from cohortbot.playbook.ports import Member, UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.profiles.model import STEP_NAME, Routed, profile_of

__all__ = ["persona_of", "routed_answer_counts"]


def persona_of(member: Member) -> str | None:
    """The persona the member chose (a name from the playbook's ``profiles.personas``), if any."""
    return profile_of(member).persona


async def routed_answer_counts(uow: UnitOfWork, community: CommunityRef) -> dict[str, int]:
    """Member id -> help questions routed to members that they replied to."""
    routed = await DocumentStore(uow.state, community, STEP_NAME).load(Routed)
    return routed.answer_counts()
