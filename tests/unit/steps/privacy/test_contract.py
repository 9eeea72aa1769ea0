"""The privacy contract, checked against the schema: nothing new may hold a member unnoticed.

- Every database table is either forgotten by storage's privacy repository, or holds the
  steps' documents (each step's forget hook), or is declared member-free here with a reason;
  a member-free table may not grow a column that can hold a member.
- Every typed document and member section a step defines is declared by exactly one step,
  and every step with documents implements both privacy hooks.

A failure here means: extend ``storage/privacy.py`` (and ``storage/erasure.py``), or the
step's ``export``/``forget`` hooks, before the new table or document ships.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import JSON

from cohortbot.playbook.step import Document, MemberSection, Step
from cohortbot.playbook.steps import STEPS
from cohortbot.storage.erasure import EXPORTED_TABLES, FORGOTTEN_TABLES
from cohortbot.storage.tables import metadata

STEP_DOCUMENTS = "state"  # one row per step document: the steps' forget hooks cover them
MEMBER_FREE = {
    "communities": "a community's id, name and playbook",
    "schedule_claims": "which schedule occurrence ran when",
}
# Column names that say "a person" (user_id, member, subject, author, by...).
PERSONAL = re.compile(r"user|member|subject|author|actor|reply_to|(^|_)by($|_)|name")


def _all_subclasses(cls: type[Any]) -> set[type[Any]]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _step_models(cls: type[Any]) -> set[type[Any]]:
    return {c for c in _all_subclasses(cls) if c.__module__.startswith("cohortbot.playbook.steps.")}


@pytest.mark.parametrize("table", sorted(metadata.tables), ids=str)
def test_every_table_is_covered_by_the_privacy_contract(table: str) -> None:
    assert table in FORGOTTEN_TABLES or table == STEP_DOCUMENTS or table in MEMBER_FREE, (
        f"table {table!r} is new: make storage's PrivacyRepository forget (and export) the member "
        "in it, or declare it member-free in this test with the reason"
    )


@pytest.mark.parametrize("table", sorted(MEMBER_FREE))
def test_a_member_free_table_has_no_column_that_could_hold_a_member(table: str) -> None:
    for column in metadata.tables[table].columns:
        assert not PERSONAL.search(column.name) or (column.name == "name" and table == "communities"), (
            f"{table}.{column.name} looks personal: cover {table} in the privacy repository"
        )
        assert not isinstance(column.type, JSON), f"{table}.{column.name} is free-form JSON"


def test_what_storage_exports_it_also_forgets() -> None:
    assert set(EXPORTED_TABLES) <= set(FORGOTTEN_TABLES)


def test_every_step_document_and_member_section_is_declared_by_exactly_one_step() -> None:
    declared: dict[type[Any], list[str]] = {}
    for step in STEPS:
        for model in (*step.documents, *([step.section] if step.section else [])):
            declared.setdefault(model, []).append(step.name)
    defined = _step_models(Document) | _step_models(MemberSection)
    assert defined, "no step defines typed state: the scan found nothing"
    undeclared = sorted(f"{m.__module__}.{m.__qualname__}" for m in defined if m not in declared)
    assert undeclared == [], "declare these in their step's Step(documents=..., section=...)"
    shared = {m.__qualname__: names for m, names in declared.items() if len(names) > 1}
    assert shared == {}


@pytest.mark.parametrize("step", [s for s in STEPS if s.documents], ids=lambda s: s.name)
def test_a_step_that_keeps_documents_can_export_and_forget_a_member(step: Step[Any]) -> None:
    assert step.export is not None and step.forget is not None


def test_a_member_section_lives_under_its_steps_name() -> None:
    # Member.data[<step>] is exported with the member record and forgotten with it; a step
    # may keep one section only, so nothing of a member hides under another key.
    sections = [s.section for s in STEPS if s.section is not None]
    assert len(sections) == len(set(sections))
