"""Hostile playbook files: refused quickly with the file's name and one reason, never a hang or a crash."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from cohortbot.config.playbook import PlaybookError, check_files, load_playbook

GOOD = "name: Cohort\ncommunity_name: Data Science Cohort\ndefault: true\n"

BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def issues_of(path: Path, timeout: float = 10) -> list[str]:
    """The issues of loading ``path``, in a thread so a blocking open fails the test instead of hanging."""
    result: list[BaseException | None] = []

    def load() -> None:
        try:
            load_playbook(path)
        except BaseException as exc:  # the test inspects it
            result.append(exc)
        else:
            result.append(None)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"loading {path} did not finish within {timeout}s"
    [exc] = result
    assert isinstance(exc, PlaybookError), f"expected a PlaybookError, got {exc!r}"
    return [str(issue) for issue in exc.issues]


def one_issue(path: Path) -> str:
    [issue] = issues_of(path)
    assert issue.startswith(f"{path}:") or issue.startswith(f"{path} "), issue
    assert "\n" not in issue
    return issue


# ---------------------------------------------------------------------------- aliases


def test_a_billion_laughs_alias_bomb_is_refused(tmp_path: Path) -> None:
    issue = one_issue(write(tmp_path, "bomb.yaml", BILLION_LAUGHS))
    assert "too many YAML aliases" in issue


def test_many_uses_of_a_small_alias_are_refused(tmp_path: Path) -> None:
    text = "name: &n X\nfacilitators: [" + ", ".join(["*n"] * 1000) + "]\n"
    issue = one_issue(write(tmp_path, "many.yaml", text))
    assert "too many YAML aliases" in issue


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    issue = one_issue(write(tmp_path, "loop.yaml", "name: X\nfacilitators: &f [a, *f]\n"))
    assert "alias" in issue


def test_aliases_stacked_to_nest_too_deep_are_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]" for i in range(1, 60)]
    issue = one_issue(write(tmp_path, "stacked.yaml", "\n".join(lines) + "\n"))
    assert "nested more than 50 levels" in issue


def test_ordinary_anchors_aliases_and_merge_keys_still_work(tmp_path: Path) -> None:
    text = (
        "name: &name Cohort\n"
        "community_name: *name\n"
        "facilitators: &people [Ada, Grace]\n"
        "steps:\n"
        "  welcome:\n"
        "    follow_ups:\n"
        "      - &nudge {after: 1d, message: 'Hi {member}'}\n"
        "      - {<<: *nudge, after: 3d}\n"
    )
    loaded = load_playbook(write(tmp_path, "ok.yaml", text))
    assert loaded.community.community_name == "Cohort"
    assert loaded.community.facilitators == ["Ada", "Grace"]


# ---------------------------------------------------------------------------- nesting


def test_five_thousand_levels_of_flow_nesting_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "name: X\nfacilitators: " + "[" * 5000 + "]" * 5000 + "\n")
    issue = one_issue(path)
    assert issue.startswith(f"{path}:2: ")
    assert "nested more than 50 levels" in issue


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    text = "name: X\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(60)) + "  " * 60 + "v\n"
    issue = one_issue(write(tmp_path, "deep.yaml", text))
    assert "nested more than 50 levels" in issue


def test_nesting_well_under_the_limit_is_only_a_schema_question(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", GOOD + "facilitators: " + "[" * 30 + "]" * 30 + "\n")
    assert all("nested" not in issue for issue in issues_of(path))


def test_a_file_with_too_many_values_is_refused_while_parsing(tmp_path: Path) -> None:
    # PyYAML parses some 10,000 values a second: under the size limit, a dense list would still take 10 s.
    path = write(tmp_path, "dense.yaml", "name: X\nfacilitators: [" + ",".join(["a"] * 100_000) + "]\n")
    issue = one_issue(path)
    assert issue.startswith(f"{path}:2: ") and "too many values (more than 10,000)" in issue


# ---------------------------------------------------------------------------- not a regular file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    issue = one_issue(fifo)
    assert "not a regular file" in issue


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/null device file")
def test_a_device_is_refused(tmp_path: Path) -> None:
    issue = one_issue(Path("/dev/null"))
    assert "not a regular file" in issue


def test_a_folder_named_like_a_playbook_is_refused_when_checking_its_parent(tmp_path: Path) -> None:
    (tmp_path / "sub.yaml").mkdir()
    [issue] = [str(i) for i in check_files([tmp_path])]
    assert issue.startswith(f"{tmp_path / 'sub.yaml'}")
    assert "not a regular file" in issue


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    target = write(tmp_path, "real.yml", GOOD)
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    assert load_playbook(link).name == "Cohort"


def test_a_missing_file_still_says_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert issues_of(path) == [f"{path}: cannot read: No such file or directory"]


# ---------------------------------------------------------------------------- size and encoding


def test_a_file_over_the_size_limit_is_refused_without_parsing_it(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", GOOD + "# " + "x" * (256 * 1024) + "\n")
    issue = one_issue(path)
    assert "too large" in issue and "256 KiB" in issue


def test_a_file_just_under_the_size_limit_is_parsed(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", GOOD + "# " + "x" * (256 * 1024 - 100) + "\n")
    assert load_playbook(path).name == "Cohort"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("binary.yaml", b"name: X\n\x00\x01\x02\xff\xfe"),
        ("utf16.yaml", GOOD.encode("utf-16")),
        ("utf16le.yaml", GOOD.encode("utf-16-le")),
        ("latin1.yaml", "name: Caf\u00e9\n".encode("latin-1")),
    ],
)
def test_text_that_is_not_utf8_is_refused(tmp_path: Path, name: str, content: bytes) -> None:
    issue = one_issue(write(tmp_path, name, content))
    assert "not UTF-8 text (a binary file, or saved as UTF-16?)" in issue


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + GOOD.encode())
    assert load_playbook(path).name == "Cohort"


def test_a_control_character_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ctrl.yaml", "name: X\ncommunity_name: a\x01b\n")
    issue = one_issue(path)
    assert issue.startswith(f"{path}:2: ")


@pytest.mark.parametrize(
    "value",
    ["2026-13-45", "9" * 5000],
    ids=["impossible-date", "huge-integer"],
)
def test_a_value_yaml_cannot_build_is_an_error_with_its_line(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "p.yaml", f"name: X\nfacilitators: [{value}]\n")
    issue = one_issue(path)
    assert issue.startswith(f"{path}:2: ")


# ---------------------------------------------------------------------------- a folder of them


def test_check_on_a_folder_reports_every_hostile_file(tmp_path: Path) -> None:
    write(tmp_path, "a-bomb.yaml", BILLION_LAUGHS)
    write(tmp_path, "b-deep.yaml", "x: " + "[" * 5000 + "]" * 5000 + "\n")
    write(tmp_path, "c-utf16.yaml", GOOD.encode("utf-16"))
    write(tmp_path, "d-good.yaml", GOOD)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "e-pipe.yaml")
    found = [str(i) for i in check_files([tmp_path])]
    named = sorted({Path(issue.split(":", 1)[0]).name for issue in found})
    expected = ["a-bomb.yaml", "b-deep.yaml", "c-utf16.yaml"] + (
        ["e-pipe.yaml"] if hasattr(os, "mkfifo") else []
    )
    assert named == expected


def test_check_on_a_folder_without_playbooks_says_so_instead_of_passing(tmp_path: Path) -> None:
    empty = tmp_path / "looks-like.yaml"
    empty.mkdir()
    assert [str(i) for i in check_files([empty])] == [
        f"{empty}: no playbook files (*.yaml, *.yml) in this folder"
    ]
