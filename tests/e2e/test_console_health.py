"""Issue 13's "analytics and goals per cohort", through `cohortbot run`: two cohorts side by side
(different starts, a member in both), each with its part of `/cohort health` and its goals."""

from __future__ import annotations

from pathlib import Path

from cohortbot.playbook.steps.health.weeks import DASH as N
from tests.e2e.test_console_cli import cohortbot

PLAYBOOK = """
name: Course health demo
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
        weeks: 4
        members: {enrol: true}
        week:
          1:
            assignments:
              - {name: essay, title: First essay, due: "fri 18:00"}
      - name: evening
        title: Evening cohort
        start: 2026-03-04
        weeks: 6
        members: {enrol: true}
  assignments: {}
  health:
    charts: false
    goals:
      - {name: Spring posters, metric: posters, target: 4, by_week: 2, cohort: spring}
      - {name: Evening posters, metric: posters, target: 2, by_week: 2, cohort: evening}
      - {name: Handed in, metric: submissions_rate, target: 90, by_week: 1, cohort: spring}
"""

# The console starts on Wednesday 4 March 2026, 10:00 Berlin: spring's week 1 (since Monday),
# evening's first day. bob is in both cohorts; the essay is due Friday 18:00.
SCRIPT = [
    *(f"/join {name}" for name in ("alice", "bob", "carol")),
    "alice: /cohort course enrol spring",
    "bob: /cohort course enrol spring",
    "bob: /cohort course enrol evening",
    "carol: /cohort course enrol evening",
    "alice: Hello everyone",
    "alice: /cohort submit essay https://notebooks.example/alice",
    "/advance 3d",
    "carol: Hi from the evening cohort",
    "facilitator: /cohort health",
    "/advance 1m",
]


def test_each_cohort_has_its_part_of_the_health_report_with_its_goals(tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(PLAYBOOK)
    result = cohortbot(
        "run", "--playbook", str(playbook), cwd=tmp_path, stdin="\n".join(SCRIPT) + "\n", timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    title = f"[to facilitator, only you] Community health: Data Cohort, 1{N}7 Mar 2026\n"
    report = result.stdout.split(title)[1]
    lines = [line.strip() for line in report.split("**Participation**")[0].splitlines()]
    spring = lines[lines.index("**Cohort Spring 2026: week 1 of 4**") + 1 :][:4]
    assert spring == [
        "2 member(s); 1 posted in the 7 days to 7 Mar.",  # alice; bob is silent
        "- due Fri 06 Mar 2026 18:00 CET: **First essay**: 1 on time, 0 late, 1 missing",
        "- Spring posters: 1 of 4 by week 2: **behind**",  # 1 < 4 * 1/2
        "- Handed in: 50% of 90% by week 1: **below target**",
    ]
    evening = lines[lines.index("**Cohort Evening cohort: week 1 of 6**") + 1 :][:3]
    assert evening == [
        "2 member(s); 1 posted in the 7 days to 7 Mar.",  # carol; alice is not in it
        f"Nothing due 1{N}7 Mar.",
        "- Evening posters: 1 of 2 by week 2: **on track**",  # 1 >= 2 * 1/2
    ]
