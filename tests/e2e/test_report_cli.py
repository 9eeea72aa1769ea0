"""`cohortbot report` as a subprocess: a console session makes some history, the report
writes it to HTML (charts embedded), PNG and CSV files."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest

from cohortbot.playbook.steps.health.weeks import DASH as N
from tests.e2e.test_console_cli import CONSOLE_START, cohortbot

PNG = b"\x89PNG\r\n\x1a\n"
SESSION = "\n".join(
    [
        "/join alice",
        "/join bob",
        "/join carol",
        "#general",
        "alice: Hi all! How do I load a CSV file?",
        "bob: Use pandas.read_csv, it is really great!",
        "/react carol 👍",
        "#introductions",
        "carol: Hi, I am Carol from Porto, learning statistics for my job.",
        "/advance 8d",
        "#general",
        "bob: Anyone for a study group this week?",
        "/quit",
    ]
)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    result = cohortbot("run", cwd=folder, stdin=SESSION)
    assert result.returncode == 0, result.stderr
    return folder


def period() -> tuple[str, str]:
    """The console's clock starts at CONSOLE_START; the session spans eight simulated days."""
    start = CONSOLE_START.date()
    return (start - timedelta(days=1)).isoformat(), (start + timedelta(days=9)).isoformat()


def test_the_report_writes_html_with_embedded_charts_pngs_and_csv(history: Path) -> None:
    since, until = period()
    out = history / "out"
    result = cohortbot(
        "report",
        "--since",
        since,
        "--until",
        until,
        "-f",
        "html",
        "-f",
        "png,csv",
        "--out",
        str(out),
        cwd=history,
    )
    assert result.returncode == 0, result.stderr
    assert "reading console:local" in result.stderr and "wrote " in result.stderr  # progress
    stem = f"health-console-local-{since}-{until}"
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [f"{stem}.html", f"{stem}.csv"]
        + [f"{stem}-{c}.png" for c in ("participation", "channels", "sentiment")]
    )
    assert result.stdout.splitlines() == [str(out / n) for n in [f"{stem}.html", f"{stem}.csv"]] + [
        str(out / f"{stem}-{c}.png") for c in ("participation", "channels", "sentiment")
    ]
    for chart in ("participation", "channels", "sentiment"):
        assert (out / f"{stem}-{chart}.png").read_bytes().startswith(PNG)

    page = (out / f"{stem}.html").read_text()
    assert page.startswith("<!doctype html>")
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 3
    # every figure names its days: the whole range asked for (3-13 Mar), not its last seven days
    assert f"<th>Messages and replies (3{N}13 Mar)</th><td>4</td>" in page  # alice, bob, carol, bob
    # three members active on 4 Mar, bob on 12 Mar: 4 over 11 days (the last 7 alone: 1/7 = 0.1)
    assert f"<th>DAU (avg over 3{N}13 Mar)</th><td>0.4</td>" in page
    assert "@alice" in page and "<@" not in page and "**" not in page  # chat tokens made readable

    rows = list(csv.DictReader((out / f"{stem}.csv").open()))
    value = {(r["section"], r["metric"]): r["value"] for r in rows}
    assert value[("headline", "Messages and replies")] == "4"
    assert value[("headline", "DAU")] == "0.4"
    assert value[("headline", "New members")] == "3"
    assert value[("headline", "Introductions")] == "1"
    assert value[("headline", "Questions answered")] == "0 of 2"
    assert value[("channel", "general reactions")] == "1"
    assert value[("channel", "general participants")] == "3"
    assert {r["community"] for r in rows} == {"console:local"}
    assert {(r["since"], r["until"]) for r in rows} == {(since, until)}


def test_bad_input_exits_2_with_a_message(history: Path) -> None:
    since, until = period()
    wrong_date = cohortbot("report", "--since", "03/02/2026", cwd=history)
    assert wrong_date.returncode == 2 and "YYYY-MM-DD" in wrong_date.stderr
    reversed_ = cohortbot("report", "--since", until, "--until", since, cwd=history)
    assert reversed_.returncode == 2 and "is before --since" in reversed_.stderr
    unknown = cohortbot("report", "--since", since, "--format", "pdf", cwd=history)
    assert unknown.returncode == 2 and "unknown format pdf" in unknown.stderr
    nobody = cohortbot("report", "--since", since, "--community", "discord:42", cwd=history)
    assert nobody.returncode == 2 and "no activity for community 'discord:42'" in nobody.stderr
    assert "console:local" in nobody.stderr
    assert "Traceback" not in wrong_date.stderr + reversed_.stderr + unknown.stderr + nobody.stderr


def test_an_empty_database_is_bad_input_and_help_explains_the_options(tmp_path: Path) -> None:
    empty = cohortbot("report", "--since", "2026-03-02", cwd=tmp_path)
    assert empty.returncode == 2 and "no activity for any community" in empty.stderr
    helped = cohortbot("report", "--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert "--since" in helped.stdout and "--format" in helped.stdout and "--community" in helped.stdout
