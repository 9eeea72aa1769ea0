"""Transitional, to be deleted: ``health/data.py`` still imports :func:`load_rounds` from here.

Other steps read the intros step through :mod:`cohortbot.playbook.steps.intros.api`
(``confirmed_connections``); once the health step does, this module goes.
"""

from __future__ import annotations

from cohortbot.playbook.ports import UnitOfWork
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.step import DocumentStore
from cohortbot.playbook.steps.intros.model import STEP_NAME, RoundRecord, Rounds

__all__ = ["load_rounds"]


async def load_rounds(uow: UnitOfWork, community: CommunityRef) -> list[RoundRecord]:
    return (await DocumentStore(uow.state, community, STEP_NAME).load(Rounds)).rounds
