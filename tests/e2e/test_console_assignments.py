"""Issue 13's "done when", through `cohortbot run`: an assignment with on-time, late and missing
submissions and one reminder, to the missing only; the progress and the CSV a facilitator gets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.e2e.test_console_cli import cohortbot

PLAYBOOK = """
name: Assignments demo
default: true
communities: [console]
community_name: Data Cohort
timezone: Europe/Berlin
moderators: {users: [facilitator]}
steps:
  cohorts:
    cohorts:
      - name: spring
        title: Spring 2026
        start: 2026-03-02
        weeks: 2
        members: {enrol: true}
        week:
          1:
            assignments:
              - {name: essay, title: First essay, due: "fri 18:00", remind_before: 1d}
  assignments: {}
"""

# The console starts on Wednesday 4 March 2026, 10:00 Berlin; the essay is due Friday 18:00,
# its reminder goes out on Thursday 18:00.
SCRIPT = [
    *(f"/join {name}" for name in ("alice", "bob", "carol", "dave")),
    *(f"{name}: /cohort course enrol spring" for name in ("alice", "bob", "carol", "dave")),
    "alice: /cohort submit essay https://notebooks.example/alice first try",
    "/advance 1d10h",
    "bob: /cohort submit essay https://notebooks.example/bob",
    "/advance 1d",
    "carol: /cohort submit essay https://notebooks.example/carol sorry, late",
    "alice: /cohort assignment list",
    "facilitator: /cohort assignment progress essay",
    "facilitator: /cohort assignment export essay",
    "/advance 1d",
]
REMINDER = (
    "⏰ **First essay** (Spring 2026) is due Fri 06 Mar 2026 18:00 CET, "
    "and I have no submission from you yet."
)


def test_on_time_late_and_missing_submissions_and_one_reminder_to_the_missing_only(tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(PLAYBOOK)
    result = cohortbot(
        "run",
        "--playbook",
        str(playbook),
        cwd=tmp_path,
        stdin="\n".join(SCRIPT) + "\n",
        env={"COHORTBOT_CONSOLE_FILES": "files"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout

    assert (
        "[to alice, only you] Recorded for **First essay** (Spring 2026): https://notebooks.example/alice\n"
        in out
    )
    assert "    On time: it is due Fri 06 Mar 2026 18:00 CET.\n" in out  # in the reader's time
    reminders = out.split("* at Thu 05 Mar 2026 18:00 CET\n", 1)[1].split("* time is", 1)[0]
    assert [line for line in reminders.splitlines() if line.startswith("[")] == [
        f"[DM -> {name}] {REMINDER}" for name in ("bob", "carol", "dave")
    ]
    assert out.count(REMINDER) == 3  # once, never again
    carol = (
        "[to carol, only you] Recorded for **First essay** (Spring 2026): https://notebooks.example/carol\n"
    )
    assert carol in out
    assert "    Note: sorry, late\n    Marked late: it was due Fri 06 Mar 2026 18:00 CET.\n" in out
    assert "(`essay`, Spring 2026) — due Fri 06 Mar 2026 18:00 CET: **submitted**" in out
    assert (
        "[to facilitator, only you] Progress: First essay\n"
        "    **Spring 2026** — due Fri 06 Mar 2026 18:00 CET: 2 on time, 1 late, 1 missing (of 4 members)\n"
        "    On time: alice, bob\n    Late: carol\n    Missing: dave\n"
    ) in out
    assert "(attachment assignment-essay.csv saved to files/assignment-essay.csv)" in out

    rows = list(csv.DictReader(io.StringIO((tmp_path / "files" / "assignment-essay.csv").read_text())))
    assert [(r["member"], r["status"], r["link"]) for r in rows] == [
        ("alice", "on time", "https://notebooks.example/alice"),
        ("bob", "on time", "https://notebooks.example/bob"),
        ("carol", "late", "https://notebooks.example/carol"),
        ("dave", "missing", ""),
    ]
    assert rows[2]["note"] == "sorry, late" and rows[2]["last_submitted"] == "2026-03-06T19:00:00+00:00"
