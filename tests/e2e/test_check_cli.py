"""`cohortbot check` refuses exactly what `cohortbot run` refuses at start, with the same words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_console_cli import cohortbot
from tests.unit.config.test_playbook_config import EVERY_MISTAKE


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def check_and_run(tmp_path: Path, env: dict[str, str], *paths: Path) -> tuple[list[str], list[str]]:
    checked = cohortbot("check", *map(str, paths), cwd=tmp_path, env=env)
    ran = cohortbot("run", *(a for p in paths for a in ("--playbook", str(p))), cwd=tmp_path, env=env)
    for result in (checked, ran):
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines()[-1] == f"{len(errors(result.stderr))} problem(s) found."
    return errors(checked.stderr), errors(ran.stderr)


def test_check_and_run_report_every_problem_of_every_file_and_setting_in_one_pass(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "a.yaml").write_text(EVERY_MISTAKE)
    (folder / "b.yaml").write_text("name: B\ndefault: true\ncommunities: ['discrod:1']\n")
    (folder / "c.yaml").write_text("name: C\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"COHORTBOT_DATABASE_URL": "postgresql://bot@db/cohort", "SLACK_BOT_TOKEN": "xoxb-1"}
    checked, ran = check_and_run(tmp_path, env, folder, empty)
    assert checked == ran
    assert checked[:2] == [
        "error: setting COHORTBOT_DATABASE_URL: use the async driver: postgresql+asyncpg://user:password@host/database",
        "error: settings: Slack HTTP mode needs the signing secret (SLACK_SIGNING_SECRET); "
        "for Socket Mode set SLACK_APP_TOKEN instead",
    ]
    where = [line.split(": ")[1] for line in checked[2:]]
    a, b, c = (str(folder / name) for name in ("a.yaml", "b.yaml", "c.yaml"))
    assert where == [
        f"{empty}",
        f"{a}:2", f"{a}:3", f"{a}:6", f"{a}:8", f"{a}:11", f"{a}:13", f"{a}:16", f"{a}:17", f"{a}:21",
        f"{b}:2", f"{b}:3",
        f"{c}:1",
    ]  # fmt: skip
    assert "xoxb-1" not in "\n".join(checked)


SLACK = {"SLACK_BOT_TOKEN": "xoxb-1"}


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({**SLACK, "SLACK_MODE": "http", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_SIGNING_SECRET"),
        ({**SLACK, "SLACK_MODE": "socket", "SLACK_SIGNING_SECRET": "s"}, "SLACK_APP_TOKEN"),
        ({"COHORTBOT_DATABASE_URL": "sqlite:///bot.db"}, "sqlite+aiosqlite:///"),
    ],
)
def test_a_bad_setting_exits_2_from_check_as_from_run(
    tmp_path: Path, env: dict[str, str], problem: str
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: Good\ndefault: true\n")
    checked, ran = check_and_run(tmp_path, env, good)
    assert checked == ran and len(checked) == 1 and problem in checked[0]


def test_a_good_folder_is_ok_once_per_playbook(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: A\ndefault: true\n")
    (tmp_path / "b.yaml").write_text("name: B\ncommunities: ['discord:1']\n")
    result = cohortbot("check", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"ok: {tmp_path / 'a.yaml'}: playbook 'A' (no steps)",
        f"ok: {tmp_path / 'b.yaml'}: playbook 'B' (no steps)",
    ]
