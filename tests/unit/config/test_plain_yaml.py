"""The one-pass read of a plain playbook gives what the careful read gives, and hands anything
else (anchors, tags, errors, limits) to the careful read."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohortbot.config.locate import parse_yaml, parse_yaml_carefully
from cohortbot.config.plain_yaml import read_plain
from cohortbot.config.safe_yaml import GuardedLoader

EXAMPLE = Path(__file__).parents[3] / "cohortbot" / "config" / "examples" / "learning-cohort.yaml"

PLAIN = {
    "the example playbook": EXAMPLE.read_text(encoding="utf-8"),
    "scalars of every implicit type": (
        "text: hello\nquoted: '123'\nint: 42\nhex: 0x1F\nfloat: 1.5\ninf: .inf\nbool: yes\nnull: ~\n"
        "empty:\ndate: 2026-03-02\nstamp: 2026-03-02T09:00:00+01:00\nsexagesimal: 1:30\n"
    ),
    "keys that are not text": "1: one\nno: false\n~: nothing\n2026-03-02: a date\n1.5: float\n",
    "a key given twice, at any depth": "a: 1\nb:\n  c: 2\n  c: 3\na:\n  - x\n",
    "lists of mappings and empty collections": (
        "steps:\n  welcome:\n    follow_ups:\n      - after: 1d\n        message: 'Hi {member}'\n"
        "      - {after: 3d, message: \"Still there?\"}\n    empty_list: []\n    empty_map: {}\n"
    ),
    "nested lists": "a: [[1, 2], [], [[x]]]\n",
    "block text": "text: |\n  line one\n  line two\nfolded: >\n  one\n  two\n",
    "a scalar document": "just text\n",
    "an empty document": "",
    "only a comment": "# nothing here\n",
    "an explicit document": "---\na: 1\n...\n",
}


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_a_plain_document_reads_as_the_careful_read_gives_it(text: str) -> None:
    assert read_plain(GuardedLoader(text)) is not None  # read in one pass...
    data, lines, twice = parse_yaml(text, "p.yaml")
    careful_data, careful_lines, careful_twice = parse_yaml_carefully(text, "p.yaml")
    assert repr(data) == repr(careful_data)  # ...to the same values, of the same types, in the same order
    assert lines == careful_lines
    assert twice == careful_twice


CAREFUL = {
    "an anchor and an alias": "a: &x 1\nb: *x\n",
    "a merge key": "base: &b {x: 1}\nmore: {<<: *b, y: 2}\n",
    "a tag": "a: !!str 1\n",
    "a local tag": "a: !thing 1\n",
    "a mapping as a key": "? [a, b]\n: value\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a syntax error": "a: [1, 2\nb: 3\n",
    "a value that cannot be built": "a: 2026-13-45\n",
    "nesting over the limit": "a: " + "[" * 60 + "]" * 60 + "\n",
    "too many values": "a: [" + ",".join(["x"] * 10_001) + "]\n",
}


@pytest.mark.parametrize("text", CAREFUL.values(), ids=CAREFUL.keys())
def test_anything_else_is_left_to_the_careful_read(text: str) -> None:
    assert read_plain(GuardedLoader(text)) is None


def test_a_merge_key_still_merges() -> None:
    data, _, _ = parse_yaml(CAREFUL["a merge key"], "p.yaml")
    assert data["more"] == {"x": 1, "y": 2}
