"""Goals about a cohort in the playbook: the cohort must be one of ``steps.cohorts``, the metric
one that can be counted per cohort, and a metric another step counts needs that step; each
problem is named with its file and line when the playbook loads."""

from __future__ import annotations

from pathlib import Path

from cohortbot.config.playbook import check_files, load_playbooks

HEAD = """name: P
default: true
steps:
  cohorts:
    cohorts:
      - {name: spring, start: 2026-03-02, weeks: 8}
      - {name: summer, start: 2026-06-01, weeks: 8}
  roster: {}
  health:
    goals:
"""


def check(tmp_path: Path, goals: str, head: str = HEAD) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(head + goals)
    return [str(i).removeprefix(f"{path}:") for i in check_files([path])]


def test_a_goal_may_name_a_cohort_of_the_playbook(tmp_path: Path) -> None:
    goals = (
        "      - {name: Joined, metric: roster_joined, target: 20, by_week: 3, cohort: spring}\n"
        "      - {name: Posters, metric: posters, target: 10, by_week: 4, cohort: Summer}\n"
    )
    assert check(tmp_path, goals) == []
    path = tmp_path / "p.yaml"
    [loaded] = load_playbooks([path]).playbooks
    # as steps.cohorts names it
    assert [g.cohort for g in loaded.steps["health"].goals] == ["spring", "summer"]


def test_an_unknown_cohort_is_named_with_its_line_and_the_cohorts_there_are(tmp_path: Path) -> None:
    goals = (
        "      - {name: Joined, metric: members_joined, target: 20, by_week: 3}\n"
        "      - {name: Posters, metric: posters, target: 10, by_week: 4, cohort: sprng}\n"
    )
    assert check(tmp_path, goals) == [
        "12: steps.health.goals[1].cohort: unknown cohort 'sprng'; defined in steps.cohorts: spring, summer"
    ]
    no_cohorts = HEAD.split("  cohorts:")[0] + "  health:\n    goals:\n"
    assert check(
        tmp_path, "      - {name: P, metric: posters, target: 1, by_week: 1, cohort: spring}\n", no_cohorts
    ) == [
        "6: steps.health.goals[0].cohort: unknown cohort 'spring'; "
        "there is no cohorts step in this playbook (steps.cohorts)"
    ]


def test_metrics_counted_for_the_whole_community_only_cannot_name_a_cohort(tmp_path: Path) -> None:
    for metric in ("messages", "answered_rate", "connections"):
        [problem] = check(
            tmp_path, f"      - {{name: M, metric: {metric}, target: 5, by_week: 2, cohort: spring}}\n"
        )
        assert problem.startswith("11: steps.health.goals[0]: ")
        assert f"{metric} is counted for the whole community only" in problem
        assert "leave out cohort, or use a member metric (posters, active_members, ...)" in problem


def test_a_metric_another_step_counts_needs_that_step(tmp_path: Path) -> None:
    goals = (
        "      - {name: Joined, metric: roster_joined, target: 20, by_week: 3}\n"
        "      - {name: Handed in, metric: submissions_rate, target: 80, by_week: 4, cohort: spring}\n"
    )
    assert check(tmp_path, goals) == [
        "12: steps.health.goals[1].metric: goal metric submissions_rate is counted by the assignments "
        "step: there is none in this playbook (steps.assignments)"
    ]
    without_roster = HEAD.replace("  roster: {}\n", "")
    assert check(tmp_path, goals, without_roster)[0] == (
        "10: steps.health.goals[0].metric: goal metric roster_joined is counted by the roster step: "
        "there is none in this playbook (steps.roster)"
    )
