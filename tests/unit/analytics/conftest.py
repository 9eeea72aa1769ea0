"""The synthetic community (``tests/unit/synthetic.py``), built once per module."""

from __future__ import annotations

import pytest

from cohortbot.playbook.analytics.records import counted
from cohortbot.playbook.ports import ActivityRecord
from tests.unit.synthetic import Community, build


@pytest.fixture(scope="module")
def community() -> Community:
    return build()


@pytest.fixture(scope="module")
def records(community: Community) -> list[ActivityRecord]:
    return counted(community.records, community.members)
