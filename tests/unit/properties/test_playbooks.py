"""Playbooks of any shape and hostile values: a valid playbook, or a PlaybookError naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.config.playbook import PlaybookError, load_playbook
from tests.unit.properties.mutations import mutated

EXAMPLE: dict[str, Any] = yaml.safe_load(default_playbook_path().read_text())


def loads_or_names_the_problem(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_playbook(path)
    except PlaybookError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.file == str(path) and issue.message
            assert str(issue).startswith(str(path))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])  # one file, rewritten
@given(document=mutated(EXAMPLE, max_mutations=3))
def test_a_mangled_example_playbook_loads_or_names_file_line_and_field(tmp_path: Path, document: Any) -> None:
    loads_or_names_the_problem(tmp_path / "cohort.yaml", yaml.safe_dump(document, allow_unicode=True))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])  # one file, rewritten
@given(text=st.text(max_size=200))
@example(text="a: &x [*x]")
@example(text="steps: {welcome: {follow_ups: [{after: 99999999999w}]}}")
@example(text="name: x\ntimezone: Mars/Olympus\n")
@example(text="- 1\n- 2\n")
def test_any_text_as_a_playbook_loads_or_names_the_file(tmp_path: Path, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # not writable as UTF-8 (a lone surrogate); binary files have their own tests
    loads_or_names_the_problem(tmp_path / "cohort.yaml", text)
