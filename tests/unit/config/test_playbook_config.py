"""Loading playbooks: precise errors (file, line, field), and which community runs which playbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.config.playbook import (
    PlaybookError,
    check_files,
    check_playbooks,
    load_playbook,
    load_playbooks,
)
from cohortbot.playbook.refs import CommunityRef, Platform


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def issues_of(path: Path) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    return [str(issue) for issue in caught.value.issues]


def test_the_embedded_example_playbook_is_valid() -> None:
    loaded = load_playbook(default_playbook_path())
    assert loaded.name == "Learning cohort"
    assert loaded.enabled("welcome") and loaded.enabled("intros")


def test_an_unknown_key_names_its_line_and_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "name: X\nsteps:\n  welcome:\n    folow_ups: []\n")
    [issue] = issues_of(path)
    assert issue.startswith(f"{path}:4: steps.welcome.folow_ups: unknown key. Did you mean 'follow_ups'?")


def test_an_unknown_step_is_reported_with_the_known_steps(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "name: X\nsteps:\n  welcom: {}\n")
    [issue] = issues_of(path)
    assert "steps.welcom: unknown key. Did you mean 'welcome'?" in issue
    assert "intros" in issue and "welcome" in issue


def test_a_wrong_type_says_what_was_given(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "name: X\nsteps:\n  intros:\n    min_length: lots\n")
    [issue] = issues_of(path)
    assert issue.startswith(f"{path}:4: steps.intros.min_length: Input should be a valid integer")
    assert "got 'lots'" in issue


def test_a_missing_required_field_points_at_its_parent(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "timezone: UTC\n")
    assert issues_of(path) == [f"{path}:1: name: required, but missing"]


def test_a_key_given_twice_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "name: X\nname: Y\n")
    assert issues_of(path) == [f"{path}:2: name: key given twice"]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "name: X\nsteps:\n  welcome: [\n")
    [issue] = issues_of(path)
    assert issue.startswith(f"{path}:4: not valid YAML")


def test_template_placeholders_must_be_plain_whitelisted_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "name: X\nsteps:\n  welcome:\n    message: 'Hi {member.__class__}'\n    title: 'Hi {token}'\n",
    )
    found = issues_of(path)
    assert found[0].endswith(
        "steps.welcome.message: placeholder {member.__class__} must be a plain name like {member}"
    )
    assert "steps.welcome.title: unknown placeholder {token}" in found[1]


def test_check_collects_the_problems_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: A\ntimezone: Nowhere/City\ndefault: true\n")
    write(tmp_path, "b.yaml", "name: B\nsteps: {intros: {min_length: 0}}\ncommunities: [console]\n")
    found = [str(i) for i in check_files([tmp_path])]
    assert len(found) == 2
    assert "a.yaml:2: timezone: unknown time zone 'Nowhere/City'" in found[0]
    assert "b.yaml:2: steps.intros.min_length: Input should be greater than or equal to 1" in found[1]


def test_each_community_runs_the_playbook_that_names_it_else_the_default(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: Discord cohort\ncommunities: ['discord:111']\n")
    write(tmp_path, "b.yaml", "name: Everyone else\ndefault: true\n")
    write(tmp_path, "c.yaml", "name: Slack\ncommunities: [slack]\n")
    playbooks = load_playbooks([tmp_path])

    def runs(platform: Platform, ident: str) -> str | None:
        loaded = playbooks.for_community(CommunityRef(platform, ident))
        return loaded.name if loaded else None

    assert runs(Platform.DISCORD, "111") == "Discord cohort"
    assert runs(Platform.DISCORD, "222") == "Everyone else"
    assert runs(Platform.SLACK, "T1") == "Slack"
    assert runs(Platform.CONSOLE, "local") == "Everyone else"


def test_without_a_default_an_unnamed_community_runs_nothing(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: Only one\ncommunities: ['discord:111']\n")
    playbooks = load_playbooks([tmp_path])
    assert playbooks.for_community(CommunityRef(Platform.DISCORD, "999")) is None


def test_only_one_playbook_may_be_the_default(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: A\ndefault: true\n")
    write(tmp_path, "b.yaml", "name: B\ndefault: true\n")
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([tmp_path])
    assert "only one playbook may be the default" in str(caught.value)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError) as caught:
        load_playbooks([tmp_path])
    assert "no playbook files" in str(caught.value)


# ---------------------------------------------------------------------------- one pass, every problem

EVERY_MISTAKE = """\
name: A
default: true
timezone: Mars/Olympus
steps:
  welcome:
    message: 'Hello {nickname}'
    follow_ups:
      - after: soon
        message: hi
  intros:
    min_length: lots
  sessions:
    feedback: {survey: sesion-feedback}
  prompts:
    schedules:
      - {name: a, cron: "0 9 * * 1", bank: [q], grace: never}
      - {name: b, cron: "0 9 * * 9", bank: [q]}
  surveys:
    surveys:
      - {name: session-feedback, title: T, questions: [{id: r, type: scale, text: "How?"}]}
    surveys: []
"""


def test_every_problem_of_a_playbook_is_reported_in_one_pass_by_line(tmp_path: Path) -> None:
    # A bad time zone hides no bad cron expression, a bad grace none in its own section, a key
    # given twice nothing else, and references are checked though other sections are broken.
    path = write(tmp_path, "p.yaml", EVERY_MISTAKE)
    found = [(i.line, i.field) for i in check_files([path])]
    assert found == [
        (3, "timezone"),
        (6, "steps.welcome.message"),
        (8, "steps.welcome.follow_ups[0].after"),
        (11, "steps.intros.min_length"),
        (13, "steps.sessions.feedback.survey"),
        (16, "steps.prompts.schedules[0].grace"),
        (17, "steps.prompts.schedules[1].cron"),
        (21, "steps.surveys.surveys"),
    ]


def test_a_feedback_survey_must_be_one_the_playbook_defines(tmp_path: Path) -> None:
    wrong = write(tmp_path, "wrong.yaml", EVERY_MISTAKE.split("  prompts:")[0].replace("Mars/Olympus", "UTC"))
    assert [str(i) for i in check_files([wrong]) if "survey" in i.field] == [
        f"{wrong}:13: steps.sessions.feedback.survey: unknown survey 'sesion-feedback'; "
        "there is no surveys step in this playbook (steps.surveys)"
    ]
    recurring = write(
        tmp_path,
        "recurring.yaml",
        "name: R\ndefault: true\nsteps:\n  sessions:\n    sessions:\n"
        "      - {name: qa, title: QA, cron: '0 17 * * 2', feedback: {survey: qa-feedback}}\n"
        "  surveys:\n    enabled: false\n    surveys:\n"
        "      - {name: weekly, title: W, questions: [{id: r, type: scale, text: 'How?'}]}\n",
    )
    assert [str(i) for i in check_files([recurring])] == [
        f"{recurring}:6: steps.sessions.sessions[0].feedback.survey: unknown survey 'qa-feedback'; "
        "defined in steps.surveys: weekly"
    ]


def test_a_welcome_follow_up_persona_must_be_one_the_profiles_step_defines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "name: P\ndefault: true\nsteps:\n  welcome:\n    follow_ups:\n"
        "      - {after: 2d, persona: Student, message: Hi}\n"
        "      - {after: 3d, persona: teacher, message: Hi}\n"
        "  profiles:\n    personas:\n      - {name: student, label: I study}\n",
    )
    assert [str(i) for i in check_files([path])] == [
        f"{path}:7: steps.welcome.follow_ups[1].persona: unknown persona 'teacher'; "
        "defined in steps.profiles: student"
    ]


def test_two_defaults_are_named_in_each_file_with_the_line(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "name: A\ntimezone: Nowhere/City\ndefault: true\n")  # broken, still counted
    b = write(tmp_path, "b.yaml", "name: B\ndefault: true\n")
    message = f"default: only one playbook may be the default, but these all are: {a}, {b}"
    found = [str(i) for i in check_files([tmp_path])]
    assert f"{a}:3: {message}" in found and f"{b}:2: {message}" in found


def test_a_playbook_that_runs_no_community_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: A\ndefault: true\ncommunities: ['discord:1']\n")
    none = write(tmp_path, "b.yaml", "name: B\n")
    typo = write(tmp_path, "c.yaml", "name: C\ncommunities: [console, 'discrod:2']\n")
    taken = write(tmp_path, "d.yaml", "name: D\ncommunities:\n  - slack\n  - 'discord:1'\n")
    found = [str(i) for i in check_playbooks([tmp_path], platforms=["console", "discord", "slack"]).issues]
    assert found == [
        f"{none}:1: communities: this playbook runs no community: list the ones it runs "
        "(discord:<server id>, slack:<team id>, console) or make it the default (default: true)",
        f"{typo}:2: communities[1]: unknown platform 'discrod' in 'discrod:2'; "
        "the platforms are: console, discord, slack",
        f"{taken}:4: communities[1]: 'discord:1' is already run by {tmp_path / 'a.yaml'}: "
        "a community runs one playbook",
    ]


def test_a_broken_playbook_among_many_copies_is_named_with_its_lines_and_fields(tmp_path: Path) -> None:
    """Start-up with many communities reads copies of one playbook quickly (the plain one-pass
    read, shared cron checks, step sections validated once): one broken copy is still named
    precisely, every problem of it, and no other file."""
    example = default_playbook_path().read_text(encoding="utf-8")
    lines = example.splitlines()
    cron = next(n for n, line in enumerate(lines, 1) if 'cron: "0 9 * * mon"' in line)
    welcome = next(n for n, line in enumerate(lines, 1) if line == "  welcome:")
    for n in range(40):
        copy = example.replace("communities: [console]", f"communities: ['discord:{1000 + n}']")
        if n:
            copy = copy.replace("default: true", "default: false")
        write(tmp_path, f"community-{n:02}.yaml", copy)
    broken = example.replace('cron: "0 9 * * mon"', 'cron: "0 9 * * 8"').replace(
        "  welcome:\n", "  welcome:\n    folow_ups: []\n", 1
    )
    broken = broken.replace("communities: [console]", "communities: ['discord:2000']").replace(
        "default: true", "default: false"
    )
    path = write(tmp_path, "community-17.yaml", broken)
    found = check_files([tmp_path])
    assert [(issue.file, issue.line, issue.field) for issue in found] == [
        (str(path), welcome + 1, "steps.welcome.folow_ups"),
        (str(path), cron + 1, "steps.prompts.schedules[0].cron"),   # a line was added above it
    ]
    assert "Did you mean 'follow_ups'?" in found[0].message
    assert "day of week 8 is out of range" in found[1].message
