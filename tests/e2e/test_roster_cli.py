"""`cohortbot roster import|list|remove` as a subprocess, and the roster in a console session:
a file with one bad row, a dry run, a re-import, join codes, who hasn't joined yet."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.e2e.test_console_cli import cohortbot

ROSTER = (
    "Name,Email,Handle,Cohort\n"
    "Ada Lovelace,ada@example.org,ada,spring\n"
    "Bob Byte,bob@,,spring\n"  # row 3: not an email address
    "Cy Loner,cy@example.org,,\n"
    "Di Data,di@example.org,,Spring 2026\n"
)


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def codes(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["email"]: row["code"] for row in csv.DictReader(f)}


def test_a_roster_import_with_one_bad_row_reported_and_a_not_yet_joined_list(tmp_path: Path) -> None:
    file = write(tmp_path, ROSTER)
    dry = cohortbot("roster", "import", str(file), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 2, dry.stderr
    assert f"error: {file} row 3, column email: 'bob@' is not an email address" in dry.stderr
    assert "Dry run, nothing written: 4 row(s) read; the roster of console:local" in dry.stdout
    assert "would get 3 added, 0 updated, 0 unchanged, 0 not in this file (kept)." in dry.stdout

    done = cohortbot("roster", "import", str(file), "--codes-out", str(tmp_path / "codes.csv"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # the good rows are in; the exit code says one was not
    assert "row 3, column email" in done.stderr and "1 row(s) with errors left out" in done.stderr
    assert (
        "Imported roster.csv into the roster of console:local (playbook 'Learning cohort'): 3 added"
        in done.stdout
    )
    sent = codes(tmp_path / "codes.csv")  # 3 added: the dry run wrote nothing
    assert sorted(sent) == ["ada@example.org", "cy@example.org", "di@example.org"]
    assert (tmp_path / "codes.csv").stat().st_mode & 0o077 == 0  # the codes are for the facilitator only

    script = [
        "/join ada",
        "/join cy",
        f"ada: /cohort course join {sent['ada@example.org']}",
        f"cy: /cohort course join {sent['cy@example.org'].lower()}",
        "ada: /cohort course roster",
        "facilitator: /cohort course roster",
        "facilitator: /cohort course roster missing",
        "/quit",
    ]
    result = cohortbot("run", cwd=tmp_path, stdin="\n".join(script) + "\n", timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    welcome = "you're on the roster of Data Science Cohort"
    assert f"[to ada, only you] Thank you, ada: {welcome}, in **Spring 2026**. Welcome!" in out
    assert f"[to cy, only you] Thank you, cy: {welcome}. Welcome!" in out
    assert "[to ada, only you] Sorry, only moderators can use `/cohort course roster`." in out
    roster, missing = out.split("[to facilitator, only you] Roster\n")[1:3]
    assert roster.splitlines()[:3] == [
        "    **3 on the roster: 2 joined, 1 not yet**",
        "    **Spring 2026**: 1 of 2 joined · not yet: Di Data",  # Di's cohort named by its title
        "    **No cohort**: 1 of 1 joined",
    ]
    assert missing.splitlines()[:3] == [
        "    **Not joined yet: 1**",
        "    **Spring 2026** (1):",
        "    - Di Data",
    ]

    listed = cohortbot("roster", "list", "--codes", cwd=tmp_path).stdout
    assert "console:local: 3 on the roster, 2 joined, 1 not yet" in listed
    assert "  Ada Lovelace <ada@example.org> @ada [spring]: joined 2026-03-04 (code)" in listed
    assert f"  Di Data <di@example.org> [spring]: not yet  code {sent['di@example.org']}" in listed


def test_a_second_import_updates_instead_of_duplicating_and_remove_deletes_a_row(tmp_path: Path) -> None:
    first = write(tmp_path, "name,email,cohort\nAda,ada@example.org,spring\nCy,cy@example.org,\n")
    out = tmp_path / "codes.csv"
    assert cohortbot("roster", "import", str(first), "--codes-out", str(out), cwd=tmp_path).returncode == 0
    code = codes(out)["ada@example.org"]
    second = write(
        tmp_path, "name,email,cohort\nAda Lovelace,ADA@example.org,spring\nEve,eve@example.org,\n", "b.csv"
    )
    again = cohortbot("roster", "import", str(second), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert ": 1 added, 1 updated, 0 unchanged, 1 not in this file (kept)." in again.stdout

    removed = cohortbot("roster", "remove", "cy@EXAMPLE.org", cwd=tmp_path)
    assert removed.returncode == 0
    assert "Removed Cy <cy@example.org> from the roster of console:local." in removed.stdout
    unknown = cohortbot("roster", "remove", "nobody@example.org", cwd=tmp_path)
    assert unknown.returncode == 2 and "no roster row for 'nobody@example.org'" in unknown.stderr
    listed = cohortbot("roster", "list", "--codes", cwd=tmp_path).stdout
    assert "console:local: 2 on the roster" in listed and "Cy" not in listed
    assert f"  Ada Lovelace <ADA@example.org> [spring]: not yet  code {code}" in listed  # kept its code


def test_a_file_that_cannot_be_read_or_a_community_that_is_not_one_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,email\nJos\u00e9,jose@example.org\n".encode("latin-1"))
    result = cohortbot("roster", "import", str(latin), cwd=tmp_path)
    assert (
        result.returncode == 2
        and "is not UTF-8 (byte 15)" in result.stderr
        and "Traceback" not in result.stderr
    )
    wrong = cohortbot("roster", "list", "--community", "discord", cwd=tmp_path)
    assert wrong.returncode == 2 and "--community 'discord': write platform:id" in wrong.stderr
