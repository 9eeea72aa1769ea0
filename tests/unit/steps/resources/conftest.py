"""The resources tests' bot: a library with two topics, suggestions in #help."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness

PLAYBOOK = """
name: Resources test
default: true
community_name: Test Cohort
timezone: Europe/Berlin
channels: {welcome: welcome, moderators: mods, general: general}
moderators: {users: [mod], roles: [], platform_admins: false}
steps:
  resources:
    topics:
      python:
        keywords: [pandas, numpy, "data frame"]
        resources:
          - {title: "Pandas cheat sheet", url: "https://example.org/pandas.pdf", keywords: [pandas]}
          - {title: "The Python tutorial", url: "https://docs.python.org/3/tutorial/", note: "Start here"}
      sql:
        keywords: [postgres, query, join]
        resources:
          - {title: "SQL zoo", url: "https://sqlzoo.net"}
    suggest:
      channels: [help, general]
      max: 2
      cooldown: 10m
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()
